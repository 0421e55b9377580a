"""Markdown transcripts are stored as the text a reader sees (issue 9, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldcode.ingest.markdown import markdown_to_text
from fieldcode.ingest.readers import read_document
from fieldcode.text import count_words, detect_turns, normalise


def test_escapes_and_label_emphasis_are_removed() -> None:
    source = "**Ana:** \\[laughs\\] It was *so* cold \\- really.\n\n__Ben__: Why\\?\n"
    assert markdown_to_text(source) == "Ana: [laughs] It was so cold - really.\n\nBen: Why?\n"


def test_structure_a_reader_sees_is_kept() -> None:
    source = (
        "---\npair: p1\narm: improving\n---\n"
        "# Interview 3\n\n"
        "Interviewer: How was it?\nhard-wrapped line two  \nafter a hard break\n\n"
        "- first point\n- second point\n\n"
        "3. third\n4. fourth\n\n"
        "Said <inaudible> then [a link](http://example.org) &amp; ![a photo](p.png)\n\n"
        "    code kept as is *here*\n"
    )
    assert markdown_to_text(source) == (
        "---\npair: p1\narm: improving\n---\n"
        "Interview 3\n\n"
        "Interviewer: How was it?\nhard-wrapped line two\nafter a hard break\n\n"
        "- first point\n\n- second point\n\n"
        "3. third\n\n4. fourth\n\n"
        "Said <inaudible> then a link & a photo\n\n"
        "code kept as is *here*\n"
    )


def test_md_file_is_read_as_rendered_text(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_bytes("**Q:** Café\\!\r\n\r\n**A:** Oui.\r\n".encode("utf-8"))
    assert read_document(path).text == "Q: Café!\n\nA: Oui.\n"


@pytest.mark.corpus
def test_shared_markdown_transcript(shared: Path) -> None:
    path = shared / "corpus" / "transcripts" / "changelog_afk_away-from-keyboard-1.md"
    raw = path.read_text(encoding="utf-8")
    text = normalise(read_document(path).text)
    # The file has 8 escaped timestamps (\[..\]) and 23 bold labels: none is left.
    assert raw.count("\\[") == raw.count("\\]") == 8 and raw.count("**") == 46
    assert "\\" not in text and "**" not in text
    assert text.startswith("Tim Smith: [01:46] Describing what Jason Snell does")
    speakers = [t.speaker for t in detect_turns(text)]
    assert speakers.count("Tim Smith") == 11 and speakers.count("Jason Snell") == 11
    # Removing markup removes no words: the words of the raw file minus the label markup.
    assert count_words(text) == count_words(raw.replace("\\[", "[").replace("\\]", "]").replace("**", ""))


# --- the plain-prose fast path agrees with markdown-it ------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fieldcode.ingest.markdown import plain_paragraphs, render  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
# prose characters, Markdown's own, and the whitespace that parsers treat differently
ALPHABET = "ab Z19.,?!:;'\"-()#=+*\\_`[]<>&|~\n\n\n   \t\xa0\u2003\r\x0cé"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_fast_path_gives_markdown_its_text(body: str) -> None:
    """Whenever the fast path answers, its answer is markdown-it's; it declines the rest."""
    fast = plain_paragraphs(body)
    if fast is not None:
        assert fast == render(body)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh ,.?!:'-0123456789", min_size=1, max_size=40), min_size=1, max_size=12),
       st.lists(st.sampled_from(["\n", "\n\n", "\n  \n", "  \n", "\n   "]), min_size=12, max_size=12))
def test_fast_path_answers_for_plain_prose(pieces: list[str], joins: list[str]) -> None:
    """Prose without markup (line wraps, blank lines, outer spaces) takes the fast path, unless a
    line could start a list (a number and a dot), and agrees with markdown-it."""
    body = "".join(p + j for p, j in zip(pieces, joins))
    fast = plain_paragraphs(body)
    if fast is None:
        import re

        assert re.search(r"^ {0,3}(?:-|\d{1,9}[.)])| {4}", body, re.M)
    else:
        assert fast == render(body)


def _bodies() -> list[Path]:
    files = sorted((REPO / "interviews").glob("*.md"))
    if SHARED.is_dir():
        files += sorted(SHARED.rglob("*.md")) + sorted(SHARED.rglob("*.txt"))
    return files


@pytest.mark.parametrize("path", _bodies(), ids=lambda p: p.name)
def test_fast_path_on_real_transcripts(path: Path) -> None:
    """The bundled transcripts and the shared ones, whole and paragraph by paragraph."""
    import re

    text = normalise(path.read_text(encoding="utf-8", errors="replace"))
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    chunks = [body] + body.split("\n\n")
    answered = 0
    for chunk in chunks:
        fast = plain_paragraphs(chunk)
        if fast is not None:
            answered += 1
            assert fast == render(chunk), path.name
    if path.parent == REPO / "interviews":
        assert answered > len(chunks) // 2  # most plain paragraphs do take the fast path

"""Markdown transcripts are stored as the text a reader sees (issue 9, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldcode.markdown import markdown_to_text
from fieldcode.readers import read_document
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

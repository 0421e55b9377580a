"""Front matter read without the YAML parser (the import's fast path) gives exactly what the
parser gives; anything it is not sure of goes to the parser, which also gives every error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcode.study.design import parse_front_matter, parse_front_matter_yaml
from fieldcode.errors import InvalidInput
from fieldcode.text import normalise, split_front_matter

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"

KEYS = st.sampled_from(["pair", "arm", "role", "date", "n", "true", "Null", "_x", "a-b", "pair", "k9"])
VALUES = st.one_of(
    st.sampled_from(["Liverpool", "Kelder Bank", "Mick's place", "LIV-L-0004", "2025-05-17", "2025-02-30",
                     "12", "0", "010", "-3", "1.5", "yes", "no", "true", "False", "null", "~", "", " ", "a: b",
                     "x # note", "[1, 2]", "{a: 1}", "'quoted'", "\"q\"", "é", "tab\there", "*ref", "&anchor x",
                     "!tag x", "a  b", "O'Brien (youth worker)", "1e3", "0x1F", ".inf", "2025-5-7"]),
    st.text(alphabet="abZ09 .,'()/-:#\t", max_size=12),
)
LINE = st.one_of(
    st.tuples(KEYS, st.sampled_from([": ", ":", ":  ", ": \t"]), VALUES, st.sampled_from(["", " ", "  "])).map(
        lambda t: t[0] + t[1] + t[2] + t[3]),
    st.sampled_from(["# a comment", "", "  ", "  # indented comment", "- item", "  nested: x", "key: |", "---"]),
)


def _yaml_or_error(text: str):
    try:
        return parse_front_matter_yaml(text, "f.md")
    except InvalidInput as exc:
        return ("error", str(exc))


@settings(max_examples=500, deadline=None)
@given(st.lists(LINE, max_size=8))
def test_fast_front_matter_agrees_with_the_yaml_parser(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    expected = _yaml_or_error(text)
    try:
        got = parse_front_matter(text, "f.md")
    except InvalidInput as exc:
        got = ("error", str(exc))
    assert got == expected, text


def test_common_front_matter_takes_the_fast_path_and_agrees() -> None:
    from fieldcode.study.design import plain_front_matter

    text = ("# FICTIONAL\npair: Liverpool\nneighbourhood: Kelder Bank\narm: lagging\nrole: resident\n"
            "participant: LIV-L-0004\ninterviewer: Interviewer\ndate: 2025-05-17\nsource: synthetic\nage: 47\n")
    fast = plain_front_matter(text)
    assert fast is not None
    assert fast == parse_front_matter_yaml(text, "f.md") == {
        "pair": "Liverpool", "neighbourhood": "Kelder Bank", "arm": "lagging", "role": "resident",
        "participant": "LIV-L-0004", "interviewer": "Interviewer", "date": "2025-05-17", "source": "synthetic",
        "age": "47"}


def _front_matters() -> list[tuple[str, str]]:
    """(file name, front matter) of every bundled and shared transcript that has one."""
    files = sorted((REPO / "interviews").glob("*.md"))
    if SHARED.is_dir():
        files += sorted(p for p in SHARED.rglob("*") if p.suffix in (".md", ".txt"))
    found = []
    for path in files:
        fm, _body, _ = split_front_matter(normalise(path.read_text(encoding="utf-8", errors="replace")))
        if fm is not None:
            found.append((path.name, fm))
    return found


@pytest.mark.parametrize(("name", "fm"), _front_matters(), ids=lambda x: x if "\n" not in x else "")
def test_real_front_matter(name: str, fm: str) -> None:
    assert parse_front_matter(fm, name) == _yaml_or_error(fm)


def test_a_date_that_does_not_exist_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    """YAML reads an unquoted 2025-02-30 as a date and cannot build it: in front matter and in
    the codebook that is a message naming the file, line and value, a non-zero exit, and
    nothing imported (it was a traceback)."""
    import sqlite3

    from typer.testing import CliRunner

    from fieldcode.cli import app

    from conftest import MINI_CODEBOOK

    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "ok.md").write_text("Interviewer: Hi.\nJo: Hello.\n", encoding="utf-8")
    (root / "interviews" / "bad.md").write_text("---\npair: P1\ndate: 2025-02-30\n---\nInterviewer: Hi.\nJo: Hello.\n",
                                                encoding="utf-8")
    r = CliRunner().invoke(app, ["-C", str(root), "--coder", "ana", "import"])
    assert r.exit_code == 1, r.output
    assert "bad.md:3: malformed front matter: '2025-02-30' is not a date that exists" in r.output
    with sqlite3.connect(root / "fieldcode.db") as db:
        assert [n for (n,) in db.execute("select name from interview")] == ["ok.md"]  # the good file only

    bad_cb = tmp_path / "codebook.yaml"
    bad_cb.write_text(MINI_CODEBOOK.replace("  name: Mini study\n", "  name: 2025-02-30\n"), encoding="utf-8")
    r = CliRunner().invoke(app, ["codebook", "check", str(bad_cb)])
    assert r.exit_code != 0 and f"{bad_cb}:2: '2025-02-30' is not a date that exists" in r.output
    assert "Traceback" not in r.output

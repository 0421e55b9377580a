"""Quotes that find what a person copied (issue 9, point 3): line wraps, tabs, runs of spaces,
curly/straight quotes, dash styles; the exact stored span is coded; no match shows the closest
passages; several matches are listed with their places.  Offsets are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.project import Project
from fieldcode.ingest.quotes import closest, find_quote, fold

from conftest import MINI_CODEBOOK

STORED = ("Interviewer: Where did you live?\n\n"
          "Jean: We\u2019d a flat on the\nhigh street \u2014 above the\tbaker\u2019s.\n\n"
          "Jean: The \u201cnew\u201d estate came later.\n\n"
          "Jean: The baker closed.\n")


def test_fold_maps_back_to_stored_offsets() -> None:
    folded, src = fold("a \t\n b\u2019c\u2014d\u2026")
    assert folded == "a b'c-d..."
    assert src == [0, 1, 5, 6, 7, 8, 9, 10, 10, 10]


@pytest.mark.parametrize("typed", [
    "We'd a flat on the high street - above the baker's.",     # straight, one line, hyphen
    "We\u2019d a flat on the\nhigh street \u2013 above the baker\u2019s.",  # copied across the wrap, en dash
    "  We'd a flat  on the high\tstreet -- above the baker's.  ".replace("--", "-"),
])
def test_quote_matches_across_wraps_tabs_quotes_and_dashes(typed: str) -> None:
    hits = find_quote(STORED, typed).hits
    start = STORED.index("We\u2019d")
    end = STORED.index("baker\u2019s.") + len("baker\u2019s.")
    assert [(h.start, h.end) for h in hits] == [(start, end)]
    assert hits[0].line == 3


def test_several_matches_have_their_places() -> None:
    hits = find_quote(STORED, "the baker").hits
    first = STORED.index("the\tbaker")
    second = STORED.index("The baker")
    # case counts: "The baker" in the last turn is not "the baker"
    assert [(h.start, h.end, h.line) for h in hits] == [(first, first + 9, 4)]
    hits = find_quote(STORED, "baker").hits
    assert [(h.start, h.line) for h in hits] == [(first + 4, 4), (second + 4, 8)]


def test_closest_passages_when_nothing_matches() -> None:
    near = closest(STORED, "the new estate came much later")
    best = near[0]
    # the 6-word window starting at "The" of 'The "new" estate came later.' holds 5 of the 6 words
    assert STORED[best.start:best.end].startswith("The \u201cnew\u201d estate came later")
    assert best.line == 6


# --------------------------------------------------------------------------- CLI and CSV


@pytest.fixture
def project(tmp_path: Path, db_url: str):
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "j.txt").write_text(STORED, encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    assert p.import_files().ok
    p.close()
    return root, db_url


def _codings(root: Path, db: str) -> list[tuple[str, int, int]]:
    p = Project.open(root, db=db)
    try:
        return sorted((c.coder, c.start, c.end) for c in p.store.codings())
    finally:
        p.close()


def test_code_add_by_quote_codes_the_stored_span_for_two_coders(project) -> None:
    root, db = project
    runner = CliRunner()
    typed = "We'd a flat on the high street - above the baker's."
    for coder in ("ana", "ben"):
        res = runner.invoke(app, ["-C", str(root), "--db", db, "--coder", coder, "code", "add", "j", "housing",
                                  "--quote", typed])
        assert res.exit_code == 0, res.output
    start = STORED.index("We\u2019d")
    end = STORED.index("baker\u2019s.") + len("baker\u2019s.")
    assert _codings(root, db) == [("ana", start, end), ("ben", start, end)]


def test_code_add_quote_errors_list_places_or_closest(project) -> None:
    root, db = project
    runner = CliRunner()
    res = runner.invoke(app, ["-C", str(root), "--db", db, "--coder", "ana", "code", "add", "j", "housing",
                              "--quote", "baker"])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    first = STORED.index("baker")
    second = STORED.index("baker", first + 1)
    assert "the quote occurs 2 times in 'j.txt':" in text
    assert f"line 4 [{first}, {first + 5}): \u201cbaker\u201d" in text
    assert f"line 8 [{second}, {second + 5}): \u201cbaker\u201d" in text
    res = runner.invoke(app, ["-C", str(root), "--db", db, "--coder", "ana", "code", "add", "j", "housing",
                              "--quote", "the new estate came much later"])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "the quote is not in 'j.txt'" in text and "closest passages" in text
    assert "line 6 [" in text and "quote more words" not in text
    assert _codings(root, db) == []


def test_code_import_by_quote_folds_and_reports_lines(project, tmp_path: Path) -> None:
    root, db = project
    good = tmp_path / "good.csv"
    good.write_text('interview,code,quote,coder\nj,housing,"The ""new"" estate",ana\n'
                    'j,housing,"The \u201cnew\u201d estate",ben\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["-C", str(root), "--db", db, "code", "import", str(good)])
    assert res.exit_code == 0, res.output
    start = STORED.index("The \u201cnew")
    assert _codings(root, db) == [("ana", start, start + 16), ("ben", start, start + 16)]
    bad = tmp_path / "bad.csv"
    bad.write_text("interview,code,quote,coder\nj,housing,baker,ana\nj,housing,no such words here,ana\n",
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["-C", str(root), "--db", db, "code", "import", str(bad)])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert f"{bad}:2: the quote occurs 2 times" in text
    assert f"{bad}:3: the quote is not in 'j.txt'" in text
    assert len(_codings(root, db)) == 2  # nothing more was added

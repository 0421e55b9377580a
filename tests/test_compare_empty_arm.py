"""A pair whose arm has no analysed words (every turn the interviewer's) has no rate per 1,000
words: compare leaves it out and says so, instead of counting 0.0 against the other arm."""

from __future__ import annotations

from fieldcode.analysis import compare
from fieldcode.project import Project

from conftest import MINI_A, MINI_B

# Leeds lagging: both turns are the interviewer's, so no participant word at all
ALL_INTERVIEWER_B = MINI_B.replace("Sam: The flats are damp.", "Interviewer: The flats are damp?")
SECOND_A = MINI_A.replace("pair: Leeds", "pair: Hull").replace("Ashcliffe", "Northfield")
SECOND_B = MINI_B.replace("pair: Leeds", "pair: Hull").replace("Brookside", "Southfield")


def test_an_arm_without_analysed_words_is_left_out_of_per_1000(mini_dir, db_url):
    assert "Sam:" not in ALL_INTERVIEWER_B
    (mini_dir / "interviews" / "b.md").write_text(ALL_INTERVIEWER_B, encoding="utf-8")
    (mini_dir / "interviews" / "c.md").write_text(SECOND_A, encoding="utf-8")
    (mini_dir / "interviews" / "d.md").write_text(SECOND_B, encoding="utf-8")
    p = Project.open(mini_dir, db=db_url, coder="ana")
    try:
        assert p.import_files().ok
        for coder in ("ana", "ben"):
            for name, text in (("a.md", MINI_A), ("c.md", SECOND_A)):
                a = text.split("---\n", 2)[2].find("Twenty years")
                p.store.add_coding(name, "leadership", a, a + len("Twenty years"), coder)
        res = compare(p.store, arms=("improving", "lagging"), unit="per1000")
        assert res.pairs == ["Hull"]
        assert any("Leeds" in w and "no analysed words" in w for w in res.warnings)
        row = next(t for t in res.themes if t.row.key == "leadership")
        # Hull: improving c.md has participant words, lagging d.md none coded -> one pair, higher
        assert (row.higher, row.lower, row.ties) == (1, 0, 0)
        # the other units still compare Leeds: its arms have interviews
        share = compare(p.store, arms=("improving", "lagging"), unit="share")
        assert share.pairs == ["Hull", "Leeds"]
    finally:
        p.close()

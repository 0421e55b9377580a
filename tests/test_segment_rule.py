"""The segment rule is stated in one set of words, in the methods page, under the crosstab the
command line prints and in every export's sidecar (``UNIT_DEFINITIONS["segments"]``), and that
is the rule the count applies (worked out by hand below)."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from conftest import REPO
from fieldcode.analysis import UNIT_DEFINITIONS, crosstab
from test_analysis_fixtures import attrs, code, make_project

RULE = UNIT_DEFINITIONS["segments"]


def unwrapped(path) -> str:
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def test_the_methods_page_states_the_rule_in_the_same_words():
    assert RULE in unwrapped(REPO / "docs" / "methods.md")


def test_the_footer_and_the_sidecar_state_it_and_the_count_follows_it(tmp_path):
    """Jean's turn "alpha beta gamma delta epsilon." is the analysed text.  ana codes "alpha beta"
    and ben "beta" (they share characters: one passage, two coders); ana codes "delta" and ben
    " epsilon", which starts where "delta" ends (they only touch: two passages); ben codes the
    label "Jean: " alone and ana the interviewer's "Tell me." (no analysed word: they count
    nowhere).  By hand: 3 segments."""
    from fieldcode import cli

    p = make_project(tmp_path / "s", {"a": (attrs("P1", "improving"),
                                            "Interviewer: Tell me.\n\nJean: alpha beta gamma delta epsilon.\n")})
    try:
        code(p, "a", "aspiration", "alpha beta", coder="ana")
        code(p, "a", "aspiration", "beta", coder="ben")
        code(p, "a", "aspiration", "delta", coder="ana")
        code(p, "a", "aspiration", " epsilon", coder="ben")
        code(p, "a", "aspiration", "Jean: ", coder="ben")
        code(p, "a", "aspiration", "Tell me.", coder="ana")
        ct = crosstab(p.store, unit="all", codes=["aspiration"])
        r = [row.key for row in ct.rows].index("aspiration")
        assert int(ct.table("segments")[r, 0]) == 3
        assert int(ct.table("interviews")[r, 0]) == 1
    finally:
        p.close()
    old = cli.out.width
    cli.out.width = 10_000
    try:
        res = CliRunner().invoke(cli.app, ["-C", str(tmp_path / "s"), "crosstab", "--unit", "segments"])
        assert res.exit_code == 0, res.output
        assert RULE in res.stdout
        res = CliRunner().invoke(cli.app, ["-C", str(tmp_path / "s"), "export", "counts", "-o",
                                           str(tmp_path / "c.csv")])
        assert res.exit_code == 0, res.output
    finally:
        cli.out.width = old
    side = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert side["units"]["segments"] == RULE

"""The one definition of the analysed text is stated in the same words in the README, the
methods page, under every table the command line prints and in every export's sidecar."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from fieldcode.text import ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED

from conftest import REPO, copy_study


def _unwrapped(path) -> str:
    """A Markdown file's text with block quotes' markers and line wraps undone."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"(?m)^\s*>\s?", "", text))


def test_readme_and_methods_state_the_rule_as_the_code_has_it():
    assert ANALYSED_TEXT_RULE in _unwrapped(REPO / "README.md")
    assert ANALYSED_TEXT_RULE in _unwrapped(REPO / "docs" / "methods.md")


def test_every_table_footer_and_the_sidecar_state_it(bundled_coded, tmp_path):
    from fieldcode import cli

    study = copy_study(bundled_coded, tmp_path / "study")
    old = cli.out.width
    cli.out.width = 10_000   # one line per note, so the rule is found whole
    try:
        for args in (["crosstab"], ["frequencies"], ["compare"], ["coverage"], ["crosstab", "--include-interviewer"]):
            r = CliRunner().invoke(cli.app, ["--project", str(study), "--coder", "ana", *args])
            assert r.exit_code == 0, r.output
            assert ANALYSED_TEXT_RULE in r.stdout, args
            if "--include-interviewer" in args:
                assert INTERVIEWER_INCLUDED in r.stdout
        r = CliRunner().invoke(cli.app, ["--project", str(study), "export", "counts", "-o", str(tmp_path / "c.csv")])
        assert r.exit_code == 0, r.output
    finally:
        cli.out.width = old
    side = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert side["analysed_text"] == ANALYSED_TEXT_RULE

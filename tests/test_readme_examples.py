"""The tutorial's example outputs on the bundled study are real: this test re-runs each example
command (bundled interviews + examples/codings.csv) and checks docs/tutorial.md shows exactly
that.  (These outputs lived in the README before it became a front page.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO, copy_study

EXAMPLES = [
    ["crosstab", "--unit", "interviews", "--coder", "ana", "--denominators"],
    ["compare", "--coder", "ana", "--codes",
     "outward-looking,aspiration,community-confidence,resident-leaders,housing,crime-and-grime,welfare-to-work"],
    ["agreement", "--coders", "ana,ben"],
    ["agreement", "--coders", "ana,ben", "--by", "arm", "--codes",
     "outward-looking,aspiration,community-confidence,housing,crime-and-grime,welfare-to-work"],
]
WIDTH = 140


def bundled_with_codings(tmp: Path) -> Path:
    from fieldcode.exchange.codingio import import_codings_csv
    from fieldcode.project import Project

    root = tmp / "bundled"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root)
    shutil.copytree(REPO / "interviews", root / "interviews")
    p = Project.open(root, coder="ana")
    assert p.import_files().ok
    import_codings_csv(p.store, REPO / "examples" / "codings.csv", None)
    p.close()
    return root


def run_example(root: Path, args: list[str]) -> str:
    from fieldcode import cli

    old = cli.out.width
    cli.out.width = WIDTH
    try:
        r = CliRunner().invoke(cli.app, ["--project", str(root), *args])
    finally:
        cli.out.width = old
    assert r.exit_code == 0, r.output
    return "\n".join(line.rstrip() for line in r.stdout.splitlines())


@pytest.fixture(scope="module")
def root(bundled_coded, tmp_path_factory):
    """What bundled_with_codings builds, copied from conftest's template (built once per run)."""
    return copy_study(bundled_coded, tmp_path_factory.mktemp("readme") / "bundled")


@pytest.mark.parametrize("args", EXAMPLES, ids=lambda a: a[0])
def test_readme_example_output_is_current(root, args):
    tutorial = (REPO / "docs" / "tutorial.md").read_text(encoding="utf-8")
    expected = "$ fieldcode " + " ".join(args) + "\n" + run_example(root, args)
    assert expected in tutorial, f"docs/tutorial.md is out of date for 'fieldcode {' '.join(args)}'; regenerate with:\n" \
                               f"  .venv/bin/python benchmarks/readme_examples.py\n---\n{expected}"

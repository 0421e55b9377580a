"""Start-up (issue 9, point 7): light commands load neither the database layer nor spaCy, and
no command that needs no NLP imports spaCy.  Each check runs in a fresh interpreter.  The
timing goal (0.3 s) is measured by benchmarks/bench_startup.py, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import MINI_A, MINI_CODEBOOK

PROBE = """
import json, sys
from fieldcode.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
loaded = [m for m in ("spacy", "sqlalchemy", "pandas", "fieldcode.store", "textual")
          if m in sys.modules and type(sys.modules[m]).__name__ != "_LazyModule"]
print("\\nLOADED=" + json.dumps(loaded))
"""


def loaded_by(*args: str, cwd=None) -> list[str]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd)
    assert "LOADED=" in r.stdout, r.stdout + r.stderr
    return json.loads(r.stdout.rsplit("LOADED=", 1)[1])


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["settings"], ["import", "--help"],
                                  ["crosstab", "--help"], ["agreement", "--help"]])
def test_light_commands_load_no_database_layer_and_no_spacy(args: list[str]) -> None:
    assert loaded_by(*args) == []


def test_init_and_codebook_check_load_no_database_layer(tmp_path) -> None:
    assert loaded_by("init", str(tmp_path / "s")) == []
    assert loaded_by("codebook", "check", str(tmp_path / "s" / "codebook.yaml")) == []


def test_commands_without_nlp_never_import_spacy(tmp_path) -> None:
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(MINI_A, encoding="utf-8")
    # import segments sentences with spaCy: it is the one that loads it
    assert "spacy" in loaded_by("-C", str(root), "--coder", "ana", "import")
    for args in (["interviews"], ["show", "a", "--turns"], ["code", "list"], ["summary"],
                 ["--coder", "ana", "code", "add", "a", "housing", "--sentence", "2"],
                 ["crosstab", "--by", "interview"], ["log"]):
        loaded = loaded_by("-C", str(root), *args)
        assert "spacy" not in loaded, args
        assert "sqlalchemy" in loaded, args  # they did reach the database

"""Start-up (issue 9, point 7): light commands load neither the database layer nor spaCy, and
no command that needs no NLP imports spaCy.  Each check runs in a fresh interpreter.  The
timing goal (0.3 s) is measured by benchmarks/bench_startup.py, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import MINI_A, MINI_CODEBOOK

PROBE = """
import json, sys
from fieldcode.cli.index import main  # what the fieldcode console script runs
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = [m for m in ("spacy", "sqlalchemy", "pandas", "fieldcode.store", "textual", "alembic", "ruamel.yaml")
          + tuple(m for m in sys.modules if m.startswith("fieldcode.cli."))
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
    heavy = [m for m in loaded_by(*args) if not m.startswith("fieldcode.cli.")]
    assert heavy == []


def test_init_and_codebook_check_load_no_database_layer(tmp_path) -> None:
    base = sorted(INFRA + ["fieldcode.cli.project", "fieldcode.cli.summary"])
    assert sorted(loaded_by("init", str(tmp_path / "s"))) == base  # not even the YAML parser
    # a file named on the command line is parsed (ruamel.yaml), the project's own codebook is
    # read from the validated cache once a command has opened the project
    # (the codebook group's commands live in cli.project and cli.recheck: history, diff)
    group = sorted(base + ["fieldcode.cli.recheck"])
    assert sorted(loaded_by("codebook", "check", str(tmp_path / "s" / "codebook.yaml"))) == group + ["ruamel.yaml"]
    assert "ruamel.yaml" in loaded_by("-C", str(tmp_path / "s"), "codebook", "check")  # no cache yet
    assert loaded_by("-C", str(tmp_path / "s"), "codebook", "sync") != []               # opens it: writes the cache
    # with a database beside it the check reads it (does this edit retire codes that have
    # codings?), so the database layer loads; spaCy, pandas and Textual still do not
    with_db = loaded_by("-C", str(tmp_path / "s"), "codebook", "check")
    assert "fieldcode.store" in with_db
    assert not {"spacy", "pandas", "textual"} & set(with_db)
    (tmp_path / "s" / "fieldcode.db").unlink()
    assert sorted(loaded_by("-C", str(tmp_path / "s"), "codebook", "check")) == group


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
        assert "alembic" not in loaded, args  # a current database is not migrated, so Alembic stays out


# --- the command table: the console script builds only the command it runs ------------------------

# what every command loads: the shared app, its consoles, the console script and the command table
INFRA = ["fieldcode.cli.base", "fieldcode.cli.console", "fieldcode.cli.index", "fieldcode.cli.table"]


def test_only_the_invoked_commands_module_is_imported() -> None:
    """--help builds no command and imports no command module; a command imports only its own."""
    cli_modules = lambda *a: sorted(m for m in loaded_by(*a) if m.startswith("fieldcode.cli."))  # noqa: E731
    assert cli_modules("--help") == INFRA
    assert cli_modules("crosstab", "--help") == sorted(INFRA + ["fieldcode.cli.analysis"])
    assert cli_modules("--coder", "ana", "-C", "x", "agreement", "--help") == sorted(INFRA + ["fieldcode.cli.agreement"])
    assert cli_modules("export", "--help") == sorted(INFRA + ["fieldcode.cli.agreement", "fieldcode.cli.analysis",
                                                              "fieldcode.cli.exchange", "fieldcode.cli.framework"])


def test_command_table_matches_the_app() -> None:
    """COMMANDS lists every command of the full app, in its order, with the module(s) that define
    it (a group: every module that adds a subcommand) and the first sentence of its help."""
    import typer.main
    from typer.core import TyperCommand, TyperGroup

    from fieldcode.cli import app
    from fieldcode.cli.index import COMMANDS

    root = typer.main.get_command(app)
    # the order of the full app is that in which its modules were first imported (a test that
    # imports one command module early changes it); the listing's order is the table's
    real = list(root.commands)
    assert sorted(name for name, _, _ in COMMANDS) == sorted(real)
    assert len(COMMANDS) == len({name for name, _, _ in COMMANDS})
    for name, modules, first in COMMANDS:
        cmd = root.commands[name]
        if isinstance(cmd, TyperGroup):  # every module listed adds a subcommand, and no other does
            assert {c.callback.__module__ for c in cmd.commands.values()} == set(modules), name
        else:
            assert (cmd.callback.__module__,) == modules, name
        for limit in (45, 80, 300):  # the listing shows the same words at any terminal width
            assert TyperCommand(name, help=first).get_short_help_str(limit) == cmd.get_short_help_str(limit), name
    help_text = CliRunner().invoke(app, ["--help"]).output
    for name in real:
        assert f"  {name} " in help_text


@pytest.mark.parametrize(("args", "name"), [
    ([], None), (["--help"], None), (["--coder", "ana"], None), (["crosstab"], "crosstab"),
    (["-C", "study", "--coder", "ana", "code", "add"], "code"), (["--project=study", "log"], "log"),
    (["-Cstudy", "interviews", "--by", "ana"], "interviews"), (["--db", "sqlite:///x.db", "show", "a"], "show"),
    (["--version"], None), (["--", "summary"], "summary"),
])
def test_command_name_skips_the_root_options(args: list[str], name: str | None) -> None:
    from fieldcode.cli.index import command_name

    assert command_name(args) == name


def test_console_script_runs_commands_and_reports_unknown_ones(tmp_path) -> None:
    """The installed entry point (fieldcode.cli.index.main) in a fresh interpreter."""
    run = lambda *a: subprocess.run([sys.executable, "-c", "import sys; from fieldcode.cli.index import main; main()", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=tmp_path)
    r = run("init", "s")
    assert r.returncode == 0 and (tmp_path / "s" / "codebook.yaml").exists(), r.stderr
    r = run("crosstabb")
    assert r.returncode == 2 and "No such command 'crosstabb'" in r.stderr
    r = run("export", "--help")
    assert r.returncode == 0 and "qdpx" in r.stdout and "agreement" in r.stdout


def test_migration_head_is_alembics() -> None:
    """migrations.head() reads the version files without Alembic; Alembic agrees."""
    from alembic.script import ScriptDirectory

    from fieldcode.store.migrations import config, head

    assert head() == ScriptDirectory.from_config(config()).get_current_head()

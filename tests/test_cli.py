"""The command line through Typer's CliRunner: exit codes, messages, project discovery."""

import re

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app

from conftest import REPO

runner = CliRunner()


def run(*args, env=None, cwd=None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return runner.invoke(app, list(args), env=env or {})


def test_init_then_check_then_import(tmp_path, monkeypatch):
    r = run("init", str(tmp_path / "s"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s" / "codebook.yaml").exists() and (tmp_path / "s" / "interviews").is_dir()
    r = run("init", str(tmp_path / "s"))
    assert r.exit_code == 2 and "already exists" in r.output
    (tmp_path / "s" / "interviews" / "x.txt").write_text("Interviewer: Hi.\n\nAl: Hello there.\n")
    sub = tmp_path / "s" / "interviews"
    r = run("codebook", "check", cwd=sub, monkeypatch=monkeypatch)   # found from a subfolder
    assert r.exit_code == 0 and "OK — 1 codes" in r.output
    r = run("import", cwd=sub, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert "imported" in r.output and "x.txt: 5 words, 2 turns, 2 sentences"  # Interviewer Hi Al Hello there in r.output


def test_no_project_is_a_clear_error(tmp_path, monkeypatch):
    r = run("interviews", cwd=tmp_path, monkeypatch=monkeypatch)
    assert r.exit_code == 1 and "no fieldcode project here" in r.output and "fieldcode init" in r.output


def test_codebook_check_reports_every_problem_and_exits_2(tmp_path):
    cb = tmp_path / "codebook.yaml"
    cb.write_text("codes:\n  - key: a\n    name: A\n  - key: a\n    name: B\n    colour: nope\n")
    r = run("codebook", "check", str(cb))
    assert r.exit_code == 2
    assert f"{cb}:4: code 'a': bad colour 'nope'" in r.output.replace("\n", "") or "bad colour" in r.output


def test_coding_commands_by_sentence_turn_quote_and_undo(mini_dir, monkeypatch):
    monkeypatch.chdir(mini_dir)
    assert run("import").exit_code == 0
    r = run("code", "add", "a", "leadership", "--sentence", "2-3")
    assert r.exit_code == 2 and "who is coding?" in r.output
    env = {"FIELDCODE_CODER": "ana"}
    text = (mini_dir / "interviews" / "a.md").read_text().split("---\n", 2)[2]
    s = text.index("Twenty years.")
    e = text.index("everything now.") + len("everything now.")
    r = run("code", "add", "a", "leadership", "--sentence", "2-3", env=env)
    assert r.exit_code == 0 and f"coding #1: leadership [{s}, {e}) by ana" in r.output
    t4 = text.index("And the housing?")
    r = run("--coder", "ben", "code", "add", "a.md", "housing", "--turn", "4")
    assert r.exit_code == 0 and f"[{t4}, {t4 + len('And the housing?')}) by ben" in r.output
    q = text.index("Nobody wants")
    r = run("code", "add", "a", "housing", "--quote", "Nobody wants to leave.", "--memo", "stays", env=env)
    assert r.exit_code == 0 and f"[{q}, {q + 22})" in r.output
    r = run("code", "add", "a", "housing", "--quote", "Jean", env=env)
    assert r.exit_code == 2 and "occurs 3 times" in r.output
    r = run("code", "add", "a", "nope", "--turn", "1", env=env)
    assert r.exit_code == 1 and "no code 'nope'" in r.output
    r = run("code", "list", "--code", "housing")
    assert r.exit_code == 0 and "2 codings" in r.output and "Nobody wants to leave." in r.output
    r = run("code", "remove", "1", env={"FIELDCODE_CODER": "ben"})
    assert r.exit_code == 3 and "belongs to coder 'ana'" in r.output
    assert run("code", "remove", "1", env=env).exit_code == 0
    r = run("undo", env=env)
    assert "undid remove of coding #1" in r.output
    r = run("redo", env=env)
    assert "redid remove of coding #1" in r.output
    r = run("log")
    assert r.exit_code == 0 and "redo of event" in r.output
    r = run("code", "memo", "3", "new memo", env=env)
    assert r.exit_code == 0
    r = run("code", "list", "a")
    assert "new memo" in r.output and "2 codings" in r.output


def test_interviews_lists_attributes_and_warns(mini_dir, monkeypatch):
    monkeypatch.chdir(mini_dir)
    (mini_dir / "interviews" / "b.md").unlink()
    run("import")
    r = run("interviews")
    assert r.exit_code == 0
    assert re.search(r"Leeds · improving · Ashcliffe", r.output), r.output
    # 35 words, 21 of them Jean's (8 + 4 + 9: the analysed words), 5 turns of which 2 are the
    # interviewer's (see test_import), 0 codings
    assert re.search(r"1 │ a\s+│ resident\s+│\s+35 │\s+21 │\s+5 │\s+2 │\s+0 │\s+0% │", r.output), r.output
    assert "pair 'Leeds' has no 'lagging' interviews" in r.output


def test_import_exit_status_nonzero_when_a_file_fails(mini_dir, monkeypatch):
    monkeypatch.chdir(mini_dir)
    (mini_dir / "interviews" / "bad.docx").write_bytes(b"nope")
    r = run("import")
    assert r.exit_code == 1
    assert "bad.docx" in r.output and "2 imported" in r.output and "1 failed" in r.output


def _commands(group, prefix=""):
    import typer.main

    click_group = typer.main.get_command(group)
    out = []
    for name, cmd in click_group.commands.items():
        if getattr(cmd, "hidden", False):
            continue
        if hasattr(cmd, "commands"):
            out.extend(f"{prefix}{name} {sub}" for sub, c in cmd.commands.items() if not c.hidden)
        else:
            out.append(f"{prefix}{name}")
    return out


def test_every_command_is_documented_in_readme_and_has_an_example():
    import typer.main

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    cmds = _commands(app)
    assert "import" in cmds and "code add" in cmds
    for c in cmds:
        assert f"fieldcode {c}" in readme, f"README does not document 'fieldcode {c}'"
    click_group = typer.main.get_command(app)

    def walk(g):
        for cmd in g.commands.values():
            if hasattr(cmd, "commands"):
                yield from walk(cmd)
            elif not cmd.hidden:
                yield cmd

    for cmd in walk(click_group):
        assert "Example:" in (cmd.help or ""), f"{cmd.name} has no Example: in its help"


def test_readme_opens_with_two_commands_and_ci_runs_the_second():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "pip install -e ." in first and "fieldcode import" in first
    assert "pytest" in second
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci.splitlines()


def test_code_import_csv_all_or_nothing_and_idempotent(mini_dir, monkeypatch):
    monkeypatch.chdir(mini_dir)
    assert run("import").exit_code == 0
    text_a = (mini_dir / "interviews" / "a.md").read_text().split("---\n", 2)[2]
    good = (
        "interview,code,quote,coder,memo\n"
        'a.md,leadership,"The tenants\' group runs everything now.",ana,"says ""everything"""\n'
        "b.md,housing,The flats are damp.,ben,\n"
    )
    bad = good + "a.md,housing,Jean,ana,\nb.md,nope,The flats,ana,\nzzz.md,housing,x,ana,\n"
    (mini_dir / "bad.csv").write_text(bad)
    r = run("code", "import", "bad.csv")
    assert r.exit_code == 2
    assert "3 problem(s)" in r.output and "nothing was imported" in r.output
    assert "bad.csv:4: the quote occurs 3 times in 'a.md'" in r.output
    assert "bad.csv:5: unknown code 'nope'" in r.output
    assert "bad.csv:6: no interview 'zzz.md'" in r.output
    assert "0 codings" in run("code", "list").output
    (mini_dir / "good.csv").write_text(good)
    r = run("code", "import", "good.csv")
    assert r.exit_code == 0 and "added 2 codings" in r.output
    r = run("code", "import", "good.csv")
    assert "added 0 codings; 2 already present" in r.output
    from fieldcode.project import Project

    p = Project.open(mini_dir)
    rows = {(p.store.code(c.code_id).key, c.coder, c.start, c.end, c.memo) for c in p.store.codings()}
    s = text_a.index("The tenants' group")
    text_b = (mini_dir / "interviews" / "b.md").read_text().split("---\n", 2)[2]
    t = text_b.index("The flats are damp.")
    assert rows == {("leadership", "ana", s, s + 39, 'says "everything"'), ("housing", "ben", t, t + 19, "")}

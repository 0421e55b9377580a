"""The documentation is true to the code.

* Every ``fieldcode ...`` example in a fenced shell block (``sh``, ``shell``, ``bash``,
  ``console``) of README.md and docs/*.md runs with exit status 0, through CliRunner on
  ``fieldcode.cli.app``, in a fresh copy of the bundled study (codebook.yaml + interviews/
  imported, examples/codings.csv imported, examples/ copied) with a coder set.  The examples of one
  page run in order in one copy, as a reader following the page would run them; ``export
  NAME=VALUE`` lines set the environment for the commands after them, ``> FILE`` writes the
  output to FILE in the copy.  A block preceded by ``<!-- no-run: REASON -->`` is not run (the
  coding screen, examples that read or write outside the study): the test prints how many were
  skipped and why, and a skip without a reason fails.
* docs/reference.md is exactly what ``python -m fieldcode.cli.reference`` prints, and names every
  command and sub-command; every command is also named in the README or the tutorial.
* Every image and local link in the docs points at a file (and heading) that exists (the
  tutorial's screen captures are the TUI tests' own snapshots).
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from conftest import REPO, copy_study

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL = {"sh", "shell", "bash", "console"}
NO_RUN = re.compile(r"<!--\s*no-run:\s*(.*?)\s*-->")
DEFAULT_CODER = "ana"


@dataclass
class Example:
    doc: Path
    line: int                     # 1-based line of the command in the page
    argv: list[str]               # after "fieldcode"
    env: dict[str, str] = field(default_factory=dict)
    output: str | None = None     # "> FILE"

    def where(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}"


@dataclass
class Skipped:
    doc: Path
    line: int
    reason: str
    commands: int


def blocks(doc: Path):
    """(language, first line number of the body, body lines, no-run reason or None) per fenced block."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(`{3,})\s*([\w+-]*)", lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2).lower()
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        reason = NO_RUN.search(prev)
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        yield lang, i + 2, lines[i + 1:j], (reason.group(1) if reason else None)
        i = j + 1


def commands_of(lang: str, start: int, body: list[str]):
    """(line number, shell words) of each command line of a shell block; continuation lines joined."""
    k = 0
    while k < len(body):
        line, at = body[k], start + k
        while line.endswith("\\") and k + 1 < len(body):
            k += 1
            line = line[:-1] + " " + body[k].strip()
        k += 1
        text = line.strip()
        if lang == "console":
            if not text.startswith("$ "):
                continue                      # output, not a command
            text = text[2:]
        elif text.startswith("$ "):
            text = text[2:]
        words = shlex.split(text, comments=True)
        if words:
            yield at, words


def examples(doc: Path) -> tuple[list[Example], list[Skipped]]:
    runnable, skipped = [], []
    env = {"FIELDCODE_CODER": DEFAULT_CODER}
    for lang, start, body, reason in blocks(doc):
        if lang not in SHELL:
            continue
        cmds = [(at, w) for at, w in commands_of(lang, start, body)]
        ours = [(at, w) for at, w in cmds if w[0] == "fieldcode"]
        if reason is not None:
            skipped.append(Skipped(doc, start, reason, len(ours)))
            continue
        for at, words in cmds:
            if words[0] == "export" and len(words) == 2 and "=" in words[1]:
                name, value = words[1].split("=", 1)
                env[name] = value
            elif words[0] == "fieldcode":
                out = None
                if ">" in words:
                    cut = words.index(">")
                    words, out = words[:cut], words[cut + 1]
                runnable.append(Example(doc, at, words[1:], dict(env), out))
    return runnable, skipped


@pytest.fixture(scope="module")
def template(bundled_coded, tmp_path_factory):
    """The bundled study with its transcripts and example codings imported, built once."""
    root = copy_study(bundled_coded, tmp_path_factory.mktemp("docs") / "bundled")   # = bundled_with_codings
    shutil.copytree(REPO / "examples", root / "examples")
    return root


def fresh_copy(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "study"
    shutil.copytree(template, root)
    return root


PAGES = [d for d in DOCS if examples(d)[0]]


@pytest.mark.parametrize("doc", PAGES, ids=lambda d: str(d.relative_to(REPO)))
def test_every_command_example_runs(doc, template, tmp_path, monkeypatch):
    from fieldcode import cli

    root = fresh_copy(template, tmp_path)
    monkeypatch.chdir(root)
    runner = CliRunner()
    failures = []
    for ex in examples(doc)[0]:
        r = runner.invoke(cli.app, ["--project", str(root), *ex.argv], env=ex.env)
        if ex.output is not None and r.exit_code == 0:
            (root / ex.output).write_text(r.stdout, encoding="utf-8")
        if r.exit_code != 0:
            failures.append(f"{ex.where()}: fieldcode {shlex.join(ex.argv)}\n  exit {r.exit_code}: "
                            f"{r.output.strip()[-800:]}")
    assert not failures, "documented examples that fail:\n" + "\n".join(failures)


def test_skipped_examples_say_why(capsys):
    skipped = [s for d in DOCS for s in examples(d)[1]]
    runnable = sum(len(examples(d)[0]) for d in DOCS)
    assert runnable >= 30
    for s in skipped:
        assert s.reason, f"{s.doc.relative_to(REPO)}:{s.line}: a no-run block must say why"
    with capsys.disabled():
        print(f"\n{runnable} documented command examples run; {len(skipped)} block(s) skipped "
              f"({sum(s.commands for s in skipped)} command(s)):")
        for s in skipped:
            print(f"  {s.doc.relative_to(REPO)}:{s.line}: {s.reason}")


def test_the_tutorial_examples_are_run():
    """The parser finds the tutorial's commands (a page whose blocks it misread would pass
    vacuously), and the coding screen's example is a marked skip, not a silent one."""
    runnable, skipped = examples(REPO / "docs" / "tutorial.md")
    argvs = [ex.argv for ex in runnable]
    assert ["init", "my-study"] in argvs
    assert any(a[:2] == ["code", "add"] for a in argvs) and any(a[0] == "compare" for a in argvs)
    assert any(a[:2] == ["export", "counts"] for a in argvs)
    assert {ex.env["FIELDCODE_CODER"] for ex in runnable if ex.argv[:2] == ["code", "add"]} == {"you"}
    assert any("terminal" in s.reason for s in skipped)


def test_reference_is_generated_from_the_commands_help():
    from fieldcode.cli.reference import render

    ref = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    assert ref == render(), ("docs/reference.md is out of date; regenerate it with:\n"
                             "  .venv/bin/python -m fieldcode.cli.reference > docs/reference.md")


def test_every_command_is_in_the_reference_and_in_the_readme_or_tutorial():
    from fieldcode.cli.reference import command_paths

    ref = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    front = (REPO / "README.md").read_text(encoding="utf-8") + (REPO / "docs" / "tutorial.md").read_text(encoding="utf-8")
    paths = command_paths()
    assert "code add" in paths and "export qdpx" in paths and "suggest train" in paths
    headings = set(re.findall(r"^#{2,3} fieldcode (.+)$", ref, re.M))
    missing = [p for p in paths if p not in headings]
    assert not missing, f"docs/reference.md has no section for: {missing}"
    unnamed = [p for p in paths if f"fieldcode {p}" not in front]
    assert not unnamed, f"named in neither README.md nor docs/tutorial.md: {unnamed}"


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    out = set()
    for title in re.findall(r"^#{1,6} (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", title.replace("`", "").strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


LINK = re.compile(r"!?\[[^\]]*\]\(<?([^)>\s]+)>?\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(REPO)))
def test_links_and_screen_captures_exist(doc):
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / unquote(file)).resolve() if file else doc
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(target)
    assert not broken, f"{doc.relative_to(REPO)} links to files or headings that do not exist: {broken}"
    if doc.name == "tutorial.md":
        captures = [t for t in LINK.findall(text) if t.endswith(".svg")]
        assert len(captures) >= 3 and all("tests/__snapshots__/" in t for t in captures)


def test_methods_quotes_the_rules_and_thresholds_as_the_code_has_them():
    """docs/methods.md is what a report's methods section cites: the rules it quotes must be the
    code's own words, and the thresholds it states the code's own values."""
    import inspect

    from fieldcode.analysis import compare
    from fieldcode.analysis.paired import DIGITS
    from fieldcode.analysis.units import ONE_CODER_RULE, POOLING_RULE
    from fieldcode.team.reliability import TENTATIVE, WEAK
    from fieldcode.text import ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED

    methods = (REPO / "docs" / "methods.md").read_text(encoding="utf-8")
    for rule in (ANALYSED_TEXT_RULE, INTERVIEWER_INCLUDED, POOLING_RULE, ONE_CODER_RULE):
        assert rule in methods, f"docs/methods.md does not quote the code's rule:\n{rule}"
    # the values the page states in words
    assert (WEAK, TENTATIVE) == (0.667, 0.800) and "below 0.667" in methods and "below 0.800" in methods
    assert DIGITS == {"per1000": 1, "share": 2, "segments_per_interview": 2}
    assert "one decimal for `per1000` and two for `share` and\n`segments_per_interview`" in methods
    params = inspect.signature(compare).parameters
    assert (params["balance_ratio"].default, params["balance_share"].default) == (2.0, 0.15)
    assert "differ 2 times or\nmore" in methods and "15 percentage points" in methods


def test_reference_order_does_not_depend_on_which_command_module_loads_first():
    """The full app lists commands in the order their modules were imported; the reference keeps
    the command table's order whatever a process imported first (CI's workers differ)."""
    import subprocess
    import sys

    probe = ("import sys, fieldcode.cli.agreement, fieldcode.cli.exchange\n"
             "from fieldcode.cli.reference import render\n"
             "sys.stdout.write(render())\n")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (REPO / "docs" / "reference.md").read_text(encoding="utf-8")

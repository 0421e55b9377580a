"""Text is data everywhere (issue 19, point 4): coder names are checked where they come in and
printed literally; every CSV and XLSX goes through one neutralising writer; every Rich/Textual
string built from user data goes through :func:`fieldcode.safe.plain`.

The scans here walk the package source (``ast``) so that a new writer or a new f-string of user
data into markup fails a test, not a colleague's terminal or spreadsheet."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from fieldcode.cli import app
from fieldcode.errors import InvalidInput
from fieldcode.safe import plain
from fieldcode.study.settings import Settings, check_coder, resolve_coder

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fieldcode"
ESC = "\x1b"
OSC52 = "\x1b]52;c;ZXZpbCBjb21tYW5k\x07"      # writes the terminal's clipboard


def run(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


# --- the escaping helper ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[Laughs]", "[INAUDIBLE]", "[Pause]", "[/]", "[b]bold[/b]", "[1, 2)", "[#]",
                                  "[ x]", "[$var]", "a] b [c", "C:\\dir\\", "no brackets"])
def test_plain_shows_text_literally_in_rich_and_textual(text):
    from rich.text import Text
    from textual.content import Content

    # worked out by hand: the text itself, whatever markup it resembles
    assert Text.from_markup(f"[bold]{plain(text)}[/bold] end").plain == text + " end"
    if not text.endswith("\\"):   # a value's trailing backslash shows doubled when nothing follows it:
        assert Text.from_markup(plain(text)).plain == text        # the price of never escaping a tag
        assert Content.from_markup(plain(text)).plain == text
    assert Content.from_markup(f"[b]{plain(text)}[/b] end").plain.endswith(" end")


def test_plain_removes_terminal_controls():
    assert plain(f"ana{OSC52}[Laughs]\x1b[2J") == "ana\\[Laughs]"


def test_literal_keeps_a_styled_text_and_cleans_one_with_controls():
    from rich.text import Text

    from fieldcode.safe import literal

    styled = Text("[b]name[/b]")
    styled.stylize("bold", 0, 3)
    assert literal(styled) is styled                           # styles kept, never parsed
    dirty = Text(f"ana{OSC52}", style="red")
    assert "\x1b" not in literal(dirty).plain and "\x07" not in literal(dirty).plain
    assert str(literal(dirty).style) == "red"
    assert literal("[/]").plain == "[/]"


# --- coder names --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [f"ana{OSC52}", "ana\x1b[2J", "ana\x07", "ana\nben", "ana\x9b31m", "ana\u202eneb",
                                 "ana\u2028ben"])
def test_check_coder_refuses_control_characters(bad):
    with pytest.raises(InvalidInput) as exc:
        check_coder(bad, "--coder")
    msg = str(exc.value)
    assert msg.startswith("--coder: the coder name") and "control character" in msg and ESC not in msg


def test_check_coder_keeps_ordinary_names():
    assert check_coder("  Ana [team B] ", "--coder") == "Ana [team B]"
    assert check_coder("=ana", "--coder") == "=ana"          # printed escaped, neutralised in CSV
    assert check_coder("Zoë O'Brien-Smith", "--coder") == "Zoë O'Brien-Smith"
    with pytest.raises(InvalidInput, match="is 101 characters; the limit is 100"):
        check_coder("a" * 101, "--coder")


def test_resolve_coder_names_the_source(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDCODE_CODER", "ben\x1b]0;x\x07")
    with pytest.raises(InvalidInput, match="^FIELDCODE_CODER: "):
        resolve_coder(None, Settings())
    assert resolve_coder("ana", Settings()) == "ana"          # --coder comes first
    monkeypatch.delenv("FIELDCODE_CODER")
    path = tmp_path / "settings.toml"
    with pytest.raises(InvalidInput, match=re.escape(f"{path}: coder: ")):
        resolve_coder(None, Settings(coder="c\x07", path=path))


def test_cli_refuses_a_coder_name_with_escapes(mini):
    a = mini.store.interview("a").text.find("Twenty years.")
    before = len(mini.store.codings())
    for args, env in (((f"ana{OSC52}",), None), ((), {"FIELDCODE_CODER": f"ben{OSC52}"})):
        coder = ["--coder", *args] if args else []
        r = run("--project", mini.root, "--db", mini.store.url, *coder, "code", "add", "a", "leadership",
                "--start", a, "--end", a + 5, env=env)
        assert r.exit_code == 2, r.output
        assert ("--coder: " if args else "FIELDCODE_CODER: ") + "the coder name" in r.output
        assert "U+001B" in r.output and ESC not in r.output and "Traceback" not in r.output
    assert len(mini.store.codings()) == before                 # nothing written


def test_codings_csv_with_a_bad_coder_imports_nothing(mini, tmp_path):
    text = mini.store.interview("a").text
    a = text.find("Twenty years.")
    f = tmp_path / "codings.csv"
    f.write_text("interview,code,start,end,coder\n"
                 f"a,leadership,{a},{a + 5},ana\n"
                 f"a,place,{a},{a + 5},\"ben{OSC52}\"\n", encoding="utf-8")
    r = run("--project", mini.root, "--db", mini.store.url, "code", "import", f)
    assert r.exit_code == 2, r.output
    assert f"{f}:3: column coder: the coder name" in r.output and ESC not in r.output
    assert mini.store.codings() == []                         # ana's good row is not half-imported


# --- one CSV writer, one XLSX writer ----------------------------------------------------------

WRITER_CALLS = {("csv", "writer"), ("csv", "DictWriter")}
WRITER_METHODS = {"to_csv", "to_excel", "to_clipboard"}
WRITER_MODULES = {"openpyxl", "xlsxwriter", "xlwt"}   # odf is read, never written


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def csv_and_xlsx_writers(path: Path) -> list[str]:
    found = []
    where = _where(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if isinstance(f.value, ast.Name) and (f.value.id, f.attr) in WRITER_CALLS or f.attr in WRITER_METHODS:
                found.append(f"{where}:{node.lineno}: {ast.unparse(f)}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in WRITER_MODULES or (node.module == "csv" and
                                                               {a.name for a in node.names} & {"writer", "DictWriter"}):
                found.append(f"{where}:{node.lineno}: from {node.module} import")
        elif isinstance(node, ast.Import):
            found += [f"{where}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in WRITER_MODULES]
    return found


def test_every_csv_and_xlsx_goes_through_the_one_writer():
    export = PACKAGE / "analysis" / "export.py"
    found = [w for p in sorted(PACKAGE.rglob("*.py")) if p != export for w in csv_and_xlsx_writers(p)]
    assert found == [], "write CSV/XLSX through fieldcode.analysis.export (csv_writer, write_xlsx):\n" + \
        "\n".join(found)
    # and the scan does see them: export.py itself holds exactly the one csv.writer and the openpyxl imports
    inside = csv_and_xlsx_writers(export)
    assert sum("csv.writer" in w for w in inside) == 1 and sum("openpyxl" in w for w in inside) == 5


def test_the_writer_scan_catches_direct_writers(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import csv\nimport openpyxl\nfrom csv import DictWriter\n"
                   "def f(buf, df):\n    csv.writer(buf)\n    df.to_csv('x')\n    df.to_excel('y')\n")
    assert [w.split(": ", 1)[1] for w in csv_and_xlsx_writers(bad)] == [
        "import openpyxl", "from csv import", "csv.writer", "df.to_csv", "df.to_excel"]


# --- markup built from user data ----------------------------------------------------------------

CELL_SINKS = {"add_row", "add_column", "Static", "Label", "Button", "Option", "Rule", "from_markup",
              "Hit", "DiscoveryHit", "TabPane", "Collapsible", "add_leaf", "add_option"}
PRINT_SINKS = {"print", "update", "write", "log"}
TITLED = {"Table", "Panel", "Tree", "Collapsible"}   # their title= is markup
SINK_KEYWORDS = {"title", "caption", "subtitle", "border_title", "label", "prompt", "help"}
SINK_ATTRIBUTES = {"border_title", "border_subtitle"}
# Escaped in one place (FieldcodeApp.notify and .format_title; the dialogs' titles are
# literal): a value escaped again on the way would show its backslashes.
CENTRAL_CALLS = {"notify", "Prompt", "CodePicker", "MemoEditor", "InfoScreen"}
CENTRAL_ATTRIBUTES = {"title", "sub_title"}
SAFE_CALLS = {"plain", "escape", "literal", "data", "len", "int", "float", "round", "sum", "abs", "min", "max", "fmt",
              "format_p", "_val", "_signed", "_mark", "grade", "Text", "Content", "Table", "Panel", "Group"}
# Values that are numbers, ids or the program's own fixed text, by the name they end in (the
# explicit allowlist: anything else formatted into markup goes through plain).
SAFE_NAMES = {
    "id", "coding_id", "start", "end", "n", "i", "k", "total", "added", "skipped", "hits", "interviews",
    "sentences", "n_hits", "n_words", "n_codings", "n_interviews", "n_compared", "n_sentences", "n_iv",
    "interviews_with_hits", "n_interviews_with_hits", "threshold", "ties", "higher", "lower", "index",
    "codes_matched", "codings_added", "codings_present", "memos_added", "memos_present", "attributes_set",
    "__version__", "unit", "mode", "action", "severity", "status", "style", "state", "more", "shown",
    "passages", "what", "s", "width", "number", "roots", "decision", "adopted", "sid", "tp", "fp", "fn",
    "UNIT_DEFINITIONS", "UNIT_TITLES", "NORMALISED_UNITS", "SIGN_TEST_NOTE", "UNIT_HELP", "MODE_NAMES",
    "MIN_POSITIVES", "MIN_INTERVIEWS", "definition", "hash", "WEAK", "TENTATIVE",
    "accepted", "rejected", "proposed", "coding_uid", "epochs", "seed", "score",
    "col", "h", "j",          # loop variables over the program's own column names
    "cells",                  # table cells built just above them from numbers (or Text)
    "MIN_CODED", "UNITIZED_HELP", "LEVEL_HELP", "TEXT_SHA_HELP", "ORDER_RULE", "COUNT_RULE", "RULE",
    "base", "run", "n_int", "n_occurrences", "candidates", "new", "open",
    "role", "now", "was", "detected",  # a turn's role: 'interviewer' or 'participant'
    "n_stale", "n_summaries", "n_codes",  # counts
    "at",                     # an event's datetime, always formatted with '%Y-%m-%d %H:%M' (fails on a str)
}
# Checked by hand, one by one: (file, expression) -> why it is safe.
EXEMPT = {
    ("fieldcode/cli/agreement.py", "head"): "'would merge' or 'merged'",
    ("fieldcode/cli/base.py", "names"): "built from escape(name) just above it",
    ("fieldcode/tui/code_ops.py", "title"): "a rich Text built with Text.append (never parsed)",
    ("fieldcode/tui/modals.py", "t"): "a rich Text built with Text.append (never parsed)",
    ("fieldcode/tui/modals.py", "self.body"): "InfoScreen's body: a rich renderable, never a str",
    ("fieldcode/tui/study_search.py", "where"): "one of two fixed phrases",
    ("fieldcode/cli/agreement.py", "flag"): "'differs > 0.2', 'few coded' or ''",
    ("fieldcode/cli/coding.py", "p.store.interview_sha(iid)"): "a SHA-256 in hex",
    ("fieldcode/cli/turns.py", "replaced"): "built from escape(coder) and a role just above it",
}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):     # counts["accepted"] is named by its key
        key = node.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else _name(node.value)
    if isinstance(node, ast.BoolOp):
        return _name(node.values[0])
    return None


def _numeric_spec(fv: ast.FormattedValue) -> bool:
    if fv.format_spec is None:
        return False
    spec = "".join(str(c.value) for c in fv.format_spec.values if isinstance(c, ast.Constant))
    return bool(spec) and spec[-1] in ",dfeg%"


def _unsafe(node: ast.AST, strict: bool) -> list[str]:
    """The parts of ``node`` (an argument given to a markup sink) that format user data unescaped.
    ``strict``: a bare variable counts too (a table cell or widget label); otherwise only text
    built here (f-strings, ``+``, ``str()``, ``join``) does."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        bad = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue) and not _numeric_spec(v):
                bad += _unsafe_value(v.value)
        return bad
    if isinstance(node, ast.BinOp):
        return _unsafe(node.left, strict) + _unsafe(node.right, strict)
    if isinstance(node, ast.IfExp):
        return _unsafe(node.body, strict) + _unsafe(node.orelse, strict)
    if isinstance(node, ast.BoolOp):
        return [b for v in node.values for b in _unsafe(v, strict)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [b for e in node.elts for b in _unsafe(e, strict)]
    if isinstance(node, ast.Starred):
        return _unsafe(node.value, strict)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        return _unsafe(node.elt, strict)
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in SAFE_CALLS or (name == "highlight" and isinstance(node.func, ast.Name)):
            return []
        if name == "highlight":
            return [ast.unparse(node)]
        if name == "str" or name == "join" or name == "format":
            return [b for a in node.args for b in _unsafe_value(a)] if name == "str" else _unsafe_value(node)
        if name == "map" and node.args and _name(node.args[0]) == "str":
            return []
        return []              # another call returns a renderable or a number
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
        return [] if (not strict or _name(node) in SAFE_NAMES) else [ast.unparse(node)]
    return []


def _unsafe_value(node: ast.AST) -> list[str]:
    """A value formatted into markup: safe only when escaped, a number or allowlisted."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in SAFE_CALLS:
            return []
        if name == "str" and node.args:
            return _unsafe_value(node.args[0])
        if name == "join" and isinstance(node.func, ast.Attribute):
            return [b for a in node.args for b in _unsafe(a, True)] if isinstance(node.args[0], ast.GeneratorExp) \
                else [ast.unparse(node)]
        return [ast.unparse(node)]
    if isinstance(node, ast.IfExp):
        return _unsafe_value(node.body) + _unsafe_value(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [b for v in node.values for b in _unsafe_value(v)]
    if isinstance(node, ast.BinOp):
        return _unsafe(node, True)
    if isinstance(node, ast.JoinedStr):
        return _unsafe(node, True)
    if _name(node) in SAFE_NAMES:
        return []
    return [ast.unparse(node)]


def _escaped_twice(node: ast.AST) -> list[str]:
    return [ast.unparse(n) for n in ast.walk(node)
            if isinstance(n, ast.Call) and _name(n.func) in {"plain", "escape"}]


def markup_from_user_data(path: Path) -> list[str]:
    found = []
    where = _where(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        central: list[ast.AST] = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Call) and _name(node.func.value.func) == "super":
            continue           # the central place itself (FieldcodeApp.notify / format_title)
        if isinstance(node, ast.Call) and _name(node.func) in CENTRAL_CALLS:
            central = [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr in CENTRAL_ATTRIBUTES
                                                  for t in node.targets):
            central = [node.value]
        for arg in central:
            found += [f"{where}:{node.lineno}: escaped twice: {b}" for b in _escaped_twice(arg)]
        args: list[tuple[ast.AST, bool]] = []
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in CELL_SINKS:
                args += [(a, True) for a in node.args]
            elif name in PRINT_SINKS:
                args += [(a, False) for a in node.args]
            if name in CELL_SINKS | PRINT_SINKS | TITLED:
                args += [(k.value, True) for k in node.keywords if k.arg in SINK_KEYWORDS]
        elif isinstance(node, ast.Assign):
            args += [(node.value, True) for t in node.targets
                     if isinstance(t, ast.Attribute) and t.attr in SINK_ATTRIBUTES]
        for arg, strict in args:
            for bad in _unsafe(arg, strict):
                if (where, bad) not in EXEMPT:
                    found.append(f"{where}:{node.lineno}: {bad}")
    return found


def test_no_markup_is_built_from_user_data_in_the_front_ends():
    found = [f for d in ("cli", "tui") for p in sorted((PACKAGE / d).rglob("*.py")) for f in markup_from_user_data(p)]
    assert found == [], ("wrap these values in fieldcode.safe.plain (markup) or literal (a cell), or, if they are "
                         "numbers or the program's own text, add them to SAFE_NAMES/EXEMPT:\n" + "\n".join(found))


def test_the_markup_scan_catches_user_data(tmp_path):
    bad = tmp_path / "screen.py"
    bad.write_text(
        "def f(out, t, self, matcher, name, arm, n, code):\n"
        "    out.print(f'wrote {name}: {n:,} rows, {len(name)} chars')\n"           # name: caught; numbers: fine
        "    out.print(f'wrote {plain(name)}')\n"                                    # fine
        "    t.add_column(arm)\n"                                                   # caught (a header is markup)
        "    t.add_row(str(code.id), ', '.join(code.coders))\n"                     # join caught, id fine
        "    Static(f'coder {self.coder}')\n"                                       # caught
        "    self.notify(f'saved {plain(name)}')\n"                                 # escaped twice
        "    yield Hit(1, matcher.highlight(name), None)\n"                         # Matcher.highlight reads markup
        "    yield Hit(1, highlight(matcher, name), None)\n"                        # fine
        "    self.sub_title = f'coder: {name}'\n"                                   # fine (format_title cleans)
        "    Table(title=f'Agreement of {name}')\n")                                # caught
    assert sorted(f.split(":", 1)[1] for f in markup_from_user_data(bad)) == [
        "11: name", "2: name", "4: arm", "5: ', '.join(code.coders)", "6: self.coder",
        "7: escaped twice: plain(name)", "8: matcher.highlight(name)"]


def test_escape_in_the_front_ends_is_the_one_helper():
    """``escape`` in cli/ and tui/ is fieldcode.safe.plain: Rich's own escape leaves terminal
    controls in and '[Laughs]' unescaped (Textual drops it)."""
    found = []
    for p in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("rich.markup", "textual.markup"):
                found.append(f"{_where(p)}:{node.lineno}")
    assert found == []


# --- what the commands print and write ----------------------------------------------------------

def cli(p, *args, env=None):
    return CliRunner().invoke(app, ["--project", str(p.root), "--db", p.store.url, *[str(a) for a in args]],
                              env=env)


@pytest.fixture
def formula_coders(mini):
    """Two coders whose names a spreadsheet would run (allowed: no control characters)."""
    text = mini.store.interview("a").text
    s1, s2 = text.find("Twenty years."), text.find("We meet on Tuesdays.")
    mini.store.add_coding("a", "leadership", s1, s1 + len("Twenty years."), "@ana")
    mini.store.add_coding("a", "leadership", s1, s2 + len("We meet on Tuesdays."), "=ben")
    return mini


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not re.fullmatch(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?", c)]


def test_agreement_csv_neutralises_formula_cells(formula_coders, tmp_path):
    r = cli(formula_coders, "agreement", "--unit", "turn", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    # coders sorted: '=' (61) before '@' (64); one set of two coders, so every data row names it
    assert {row[5] for row in rows[1:]} == {"'=ben+@ana"}
    assert _formula_cells(rows) == []
    out = tmp_path / "agreement.csv"
    r = cli(formula_coders, "export", "agreement", "-o", out, "--unit", "turn")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert {row[5] for row in rows[1:]} == {"'=ben+@ana"} and _formula_cells(rows) == []
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["csv_text"].startswith("formula-like cells neutralised")   # the sidecar says so


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    from openpyxl import load_workbook

    from fieldcode.analysis.export import write_xlsx

    path = tmp_path / "x.xlsx"
    assert write_xlsx(path, ["a", "=b", "c", "d", "e", "f"], [["=1+1", 3, "+x", "@SUM(A1)", "plain\x01", "#N/A"]],
                      sheet="s")
    ws = load_workbook(path)["s"]
    assert [c.value for c in ws[1]] == ["a", "=b", "c", "d", "e", "f"] and {c.data_type for c in ws[1]} == {"s"}
    row = ws[2]
    assert [c.value for c in row] == ["=1+1", 3, "+x", "@SUM(A1)", "plain", "#N/A"]
    assert [c.data_type for c in row] == ["s", "n", "s", "s", "s", "s"]


HOSTILE_CODER = f"ana[/]{OSC52}[Laughs]"   # written before names were checked (an old database)


def test_coder_names_in_the_database_are_printed_safely(mini, monkeypatch):
    text = mini.store.interview("a").text
    s1, s2 = text.find("Twenty years."), text.find("We meet on Tuesdays.")
    mini.store.add_coding("a", "leadership", s1, s1 + len("Twenty years."), HOSTILE_CODER)
    mini.store.add_coding("a", "place", s2, s2 + len("We meet on Tuesdays."), "ben")
    monkeypatch.setenv("COLUMNS", "200")                      # wide: interviews shows its coders column
    for args in (["interviews"], ["agreement", "--unit", "turn"], ["summary"],
                 ["disagreements", "--coders", f"{HOSTILE_CODER},ben", "--unit", "turn"]):
        r = cli(mini, *args)
        assert r.exit_code == 0, (args, r.output)
        assert ESC not in r.output and "\x07" not in r.output, args
        flat = re.sub(r"[\s│┃|]+", " ", r.stdout)
        assert "ana[/][Laughs]" in flat, (args, r.stdout)


def test_brackets_in_arm_labels_and_attribute_names(mini, monkeypatch):
    attrs = {Path(i.name).stem: (i.id, i.attributes) for i in mini.store.interview_infos()}
    (a, a_attrs), (b, b_attrs) = attrs["a"], attrs["b"]
    mini.store.set_attributes(a, {**a_attrs, "arm": "[/]", "[/]note": "[Pause]"})
    mini.store.set_attributes(b, {**b_attrs, "arm": "[Laughs]"})
    cb = mini.root / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace("arms: [improving, lagging]", 'arms: ["[/]", "[Laughs]"]'),
                  encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    for args in (["interviews"], ["summary"]):
        r = cli(mini, *args)
        assert r.exit_code == 0, (args, r.output)
        assert "Traceback" not in r.output
    out = cli(mini, "interviews").stdout
    assert "[/]note" in out and "[Pause]" in out and "Leeds · [/] · Ashcliffe" in out
    flat = re.sub(r"[\s│┃|]+", " ", cli(mini, "summary").stdout)
    assert " pair [/] [Laughs] " in flat, flat

"""Layer rules: no module outside fieldcode/tui imports textual (checked in a fresh interpreter
per module, and by import-linter's contract in pyproject.toml)."""

import pkgutil
import subprocess
import sys

import pytest

import fieldcode

HEADLESS = sorted(
    m.name for m in pkgutil.walk_packages(fieldcode.__path__, "fieldcode.")
    if not m.name.startswith("fieldcode.tui") and not m.name.startswith("fieldcode.store.migrations.versions")
    and m.name != "fieldcode.store.migrations.env"
)


def test_headless_module_list_is_complete():
    for name in ("fieldcode.store", "fieldcode.project", "fieldcode.cli", "fieldcode.exchange.importer", "fieldcode.ingest.readers"):
        assert name in HEADLESS


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_load_textual(module):
    code = f"import sys, {module}; sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, f"{module} loads textual (or failed to import): {r.stderr[-500:]}"


def test_import_linter_contract():
    from importlinter.cli import lint_imports

    assert lint_imports() == 0


# --- the house (issue 18): layers, no cycles, no private names across modules ---------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

PACKAGE = Path(fieldcode.__file__).parent
GROUND_FLOOR = {"__init__", "text", "spans", "errors", "safe", "lazy", "runinfo", "project"}
ROOMS = {"cli", "tui", "report", "analysis", "team", "find", "exchange", "privacy", "store", "ingest", "study", "protocol"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts)


def test_the_top_level_holds_only_the_ground_floor_and_the_project():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert modules == GROUND_FLOOR
    assert packages == ROOMS


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_every_room_says_what_it_is_for_and_what_it_may_import(room):
    doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 80, f"fieldcode.{room} has no docstring saying what it is for"
    if room != "tui":  # the tui's rule is the textual contract: only it imports textual
        assert "may import" in doc.lower() or "layer" in doc.lower(), f"fieldcode.{room}'s docstring names no layer"


def import_graph() -> dict[str, set[str]]:
    """Every module's fieldcode imports (module level, inside functions and under TYPE_CHECKING),
    read from the source with ast: a second reading beside import-linter's."""
    names = {module_name(p) for p in package_sources()}
    graph: dict[str, set[str]] = {}
    for p in package_sources():
        me = module_name(p)
        is_pkg = p.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("fieldcode.")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = me.split(".") if is_pkg else me.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("fieldcode"):
                    continue
                for a in node.names:
                    deps.add(f"{target}.{a.name}" if f"{target}.{a.name}" in names else target)
        graph[me] = {d for d in deps if d in names and d != me}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import circles.
    A package importing its own submodules is not a circle unless a submodule imports it back."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_fieldcode():
    graph = import_graph()
    assert "fieldcode.cli.base" in graph and graph["fieldcode.cli.base"], "the graph reader found no imports"
    assert cycles(graph) == []


def test_no_private_name_is_imported_across_modules():
    """``from fieldcode.x import _name`` or ``module._name`` on an imported fieldcode module:
    a private name used elsewhere is a public name in hiding."""
    offences = []
    for p in package_sources():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        modules: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fieldcode"):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        offences.append(f"{p.relative_to(PACKAGE.parent)}:{node.lineno} imports {a.name}")
                    modules.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                modules |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("fieldcode")}
            elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                  and getattr(node.value.func, "id", "") == "lazy_module"):
                modules |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                offences.append(f"{p.relative_to(PACKAGE.parent)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offences == []

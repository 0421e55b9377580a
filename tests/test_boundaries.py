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

"""Modules loaded on first use, so ``fieldcode --help`` and light commands start fast.

``analysis = lazy_module("fieldcode.analysis")`` at the top of a CLI module binds a module
object whose code runs the first time one of its attributes is read (importlib's
``LazyLoader``); a command that never touches it never pays for pandas, SQLAlchemy or spaCy.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType

__all__ = ["lazy_module"]

# the specs of the modules made lazy here: reading a lazy module's own __spec__ would run it
_lazy_specs: dict[str, importlib.machinery.ModuleSpec] = {}


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module that is executed on first attribute access (already imported
    modules are returned as they are)."""
    if name in sys.modules:
        return sys.modules[name]
    parent = name.rpartition(".")[0]
    if parent and (parent not in sys.modules or parent in _lazy_specs):
        # find the module without running its package's __init__ (fieldcode.analysis's imports
        # the database layer): a lazy fieldcode.analysis.export must cost nothing either
        parent_spec = _lazy_specs.get(parent) or importlib.util.find_spec(parent)
        locations = parent_spec.submodule_search_locations if parent_spec else None
        spec = importlib.machinery.PathFinder.find_spec(name, locations) if locations else None
    else:
        spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    _lazy_specs[name] = spec
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

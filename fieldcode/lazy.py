"""Modules loaded on first use, so ``fieldcode --help`` and light commands start fast.

``analysis = lazy_module("fieldcode.analysis")`` at the top of a CLI module binds a module
object whose code runs the first time one of its attributes is read (importlib's
``LazyLoader``); a command that never touches it never pays for pandas, SQLAlchemy or spaCy.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ["lazy_module"]


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module that is executed on first attribute access (already imported
    modules are returned as they are)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

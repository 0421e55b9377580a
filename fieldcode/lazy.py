"""Modules loaded on first use, so ``fieldcode --help`` and light commands start fast.

``analysis = lazy_module("fieldcode.analysis")`` at the top of a CLI module binds a stand-in
that imports the real module, the ordinary way, the first time one of its attributes is read;
a command that never touches it never pays for pandas, SQLAlchemy or spaCy.

The stand-in is never put in ``sys.modules``.  (importlib's ``LazyLoader`` puts a half-made
module there; for a package that breaks the import system: importing a submodule of a lazy
package runs the package's ``__init__`` only when the submodule's import reads the package's
``__path__``, after it has checked that the submodule is not loaded yet, so a submodule the
``__init__`` imports is loaded twice, and SQLModel's tables are then defined twice.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


class _Deferred(ModuleType):
    """Stands for the module of its name until an attribute is read."""

    def __getattr__(self, attr: str) -> Any:
        module = sys.modules.get(self.__name__)
        if module is None or module is self:
            module = importlib.import_module(self.__name__)
        return getattr(module, attr)

    def __setattr__(self, attr: str, value: Any) -> None:   # tests patch the real module
        setattr(importlib.import_module(self.__name__), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module imported on first attribute access (an already imported module is
    returned as it is).  Raises ImportError at once if there is no such module."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name.partition(".")[0]) is None:
        raise ImportError(f"no module named {name!r}")
    return _Deferred(name)

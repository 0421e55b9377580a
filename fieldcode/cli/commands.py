"""The command line (Typer).  Thin: every command calls Project/Store functions and prints.

Every command finds its project from the current folder upwards (as git does) or from
``--project``; the database is ``fieldcode.db`` in the project folder unless ``--db`` or
``FIELDCODE_DB`` names another SQLAlchemy URL.

This module is the whole app: it imports every command module, each of which registers its
commands on the shared app in fieldcode.cli.base.  The ``fieldcode`` console script
(fieldcode.cli.index.main) instead imports and builds only the command it runs.
"""

from __future__ import annotations

import importlib

from fieldcode.cli.base import State, app, err, out, state  # noqa: F401  (out, err: tests)
from fieldcode.cli.index import ALL_MODULES
from fieldcode.cli.index import main as main  # noqa: PLC0414  the console script

for _module in ALL_MODULES:  # registration order = help order within each group
    importlib.import_module(_module)

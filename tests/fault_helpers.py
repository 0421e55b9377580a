"""Shared by the fault suites (test_fault_*.py): what 'nothing changed' is checked against."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def dump(db: Path) -> str:
    """The whole database as SQL text (schema, every row): equal dumps, unchanged database."""
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()

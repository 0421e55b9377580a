"""Shared by the fault suites (test_fault_*.py): what 'nothing changed' is checked against."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# the study every bad case starts from: one code, one interview by one participant
GOOD_CODEBOOK = """\
study:
  name: Fault study
  arms: [improving, lagging]
codes:
  - key: housing
    name: Housing
    colour: "#1f77b4"
"""
GOOD = """\
---
pair: Leeds
neighbourhood: Ashcliffe
arm: improving
role: resident
---
Interviewer: How long have you lived here?

Jean: Twenty years. The tenants' group runs everything now.
"""


def dump(db: Path) -> str:
    """The whole database as SQL text (schema, every row): equal dumps, unchanged database."""
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()

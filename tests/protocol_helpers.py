"""Helpers of the coding-protocol tests (pins, re-check, codebook history, split): the CLI as a
named coder on a given database, plain SQL, and a quote's span in an interview."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from fieldcode.cli import app

runner = CliRunner()


def cli(root, db, coder, *args, ok=True):  # noqa: ANN001, ANN201
    """``fieldcode --project ROOT --db DB --coder CODER ARGS``; with ``ok``, exit 0 is asserted."""
    r = runner.invoke(app, ["--project", str(root), "--db", db, "--coder", coder, *args], env={})
    if ok:
        assert r.exit_code == 0, r.output
    return r


def sql(store, q, **kw):  # noqa: ANN001, ANN201
    """Rows of a plain SQL query, as tuples."""
    with store.engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(q), kw)]


def span(p, iv, quote):  # noqa: ANN001, ANN201
    """(start, end) of ``quote``'s first occurrence in interview ``iv``'s stored text."""
    t = p.store.interview(iv).text
    i = t.index(quote)
    return i, i + len(quote)

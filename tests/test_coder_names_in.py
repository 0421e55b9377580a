"""Coder names that come in from another copy (``fieldcode merge``) or name a consensus coder
(``fieldcode review --as``) are checked as ``--coder`` is: a name holding a terminal escape is
refused with the place it came from, and nothing is merged."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from fieldcode import cli
from fieldcode.project import Project

OSC52 = "\x1b]52;c;ZXZpbCBjb21tYW5k\x07"


def span(p, iv, quote):
    text = p.store.interview(iv).text
    i = text.find(quote)
    return i, i + len(quote)


def codings(store):
    return sorted((c.uid, c.coder, c.start, c.end) for c in store.codings())


def test_merge_refuses_a_copy_with_an_escape_in_a_coder_name(mini_dir, tmp_path):
    a = Project.open(mini_dir, coder="ana")
    assert a.import_files().ok
    a.store.add_coding("a", "leadership", *span(a, "a", "Twenty years."), "ana")
    a.close()
    b_dir = tmp_path / "laptop-b"
    shutil.copytree(mini_dir, b_dir)
    b = Project.open(b_dir, coder="ben")
    b.store.add_coding("b", "housing", *span(b, "b", "The flats are damp."), "ben")     # a good coder too
    bad = b.store.add_coding("a", "place", *span(b, "a", "We meet on Tuesdays."), f"cy{OSC52}")  # an old database
    b.close()
    a = Project.open(mini_dir, coder="ana")
    before = codings(a.store)
    a.close()
    r = CliRunner().invoke(cli.app, ["--project", str(mini_dir), "merge", str(b_dir)])
    assert r.exit_code == 2, r.output
    assert f"coding {bad.uid}: the coder name" in r.output and "U+001B" in r.output
    assert "\x1b" not in r.output and "Traceback" not in r.output
    a = Project.open(mini_dir, coder="ana")
    assert codings(a.store) == before                          # ben's good coding is not half-merged
    a.close()


def test_review_refuses_a_consensus_coder_with_an_escape(mini):
    r = CliRunner().invoke(cli.app, ["--project", str(mini.root), "--db", mini.store.url, "review",
                                     "--coders", "ana,ben", "--as", f"consensus{OSC52}"])
    assert r.exit_code == 2, r.output
    assert "--as: the coder name" in r.output and "\x1b" not in r.output

"""A re-import and another coder's writes, in separate processes (SQLite and PostgreSQL).

``fieldcode import --reanchor`` plans where every coding goes from the codings it reads, then
writes.  Another coder's ``code change`` or ``code remove`` can land in two windows:

* **plan**: after the import planned, before its write transaction.  The change commits first;
  the import must see it in its locked transaction and move the coding from where it is *now*
  (never put it back where it was when planning), and a removed coding must not break it.
* **write**: while the import's write transaction holds the interview.  The change waits for
  it.  A span change counted in the old text is then refused with a message (its offsets no
  longer mean the words the coder chose); a removal is applied to the re-anchored coding.

Either way the coder's undo works afterwards.  The import process is paused at the window by a
hook (a wrapper around ``Store.save_interview``, or a statement hook on ``UPDATE interview``)
and resumed once the coder's process has done its part, so each run takes the same path.

The coding screen's side of the race (a selection made on the old text) is tested with a
Textual pilot at the end.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fieldcode.project import Project

REPO = Path(__file__).resolve().parents[1]

from race_helpers import CODEBOOK, FRONT, INSERTED, NEW, OLD  # noqa: F401

FIRST = "It was alright in the eighties"       # ana's coding
SECOND = "Everyone knew everyone"              # where ana moves it
BENS = "tenants' group runs everything"        # ben's coding, never touched by ana


def span(text: str, quote: str) -> tuple[int, int]:
    i = text.index(quote)
    return i, i + len(quote)


def spawn(code: str, *, stdin: bool = False) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin else None, text=True,
                            env=env, cwd=REPO)


# The CLI, with a line on stderr just before its write transaction begins (the coder's process
# has read what it reads and now waits for the import's lock, if the import holds it).
CLI = """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def _begin(conn):
        if conn.get_execution_options().get("fieldcode_write"):
            print("WRITING", file=sys.stderr, flush=True)
    event.listen(Engine, "begin", _begin)
    from fieldcode.cli import main
    sys.argv = ["fieldcode", *{args!r}]
    main()
"""

# `import --reanchor` that stops at the window and prints PAUSED, then goes on at a line on stdin.
IMPORTER = """
    import sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from fieldcode.store import Store

    window = {window!r}
    paused = []

    def pause():
        if not paused:
            paused.append(1)
            print("PAUSED", file=sys.stderr, flush=True)
            sys.stdin.readline()

    if window == "plan":
        original = Store.save_interview
        def save_interview(self, *a, **k):
            pause()
            return original(self, *a, **k)
        Store.save_interview = save_interview
    else:
        def _hook(conn, cursor, statement, *rest):
            if statement.lstrip().upper().startswith("UPDATE INTERVIEW"):
                pause()
        event.listen(Engine, "before_cursor_execute", _hook)
    from fieldcode.cli import main
    sys.argv = ["fieldcode", "-C", {root!r}, "--db", {db!r}, "--coder", "cy", "import", "--reanchor"]
    main()
"""


def wait_for(proc: subprocess.Popen, marker: str, timeout: float = 60) -> None:
    """Read proc's stderr until a line equal to ``marker`` (fails if the process ends first)."""
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {marker}: {''.join(seen)}")
        if line.strip() == marker:
            return
        seen.append(line)
    raise AssertionError(f"no {marker} within {timeout} s")


@pytest.fixture
def study(tmp_path, db_url):
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(FRONT + OLD, encoding="utf-8")
    p = Project.open(root, db=db_url, coder="ana")
    assert p.import_files().ok
    text = p.store.interview("a.md").text
    ana = p.store.add_coding("a.md", "leadership", *span(text, FIRST), "ana")
    p.store.add_coding("a.md", "housing", *span(text, BENS), "ben")
    p.close()
    return root, db_url, ana.id, text


def fresh(root, db_url) -> Project:
    return Project.open(root, db=db_url, coder="ana")


def quotes(p: Project) -> dict[str, list[tuple[int, str]]]:
    text = p.store.interview("a.md").text
    out: dict[str, list[tuple[int, str]]] = {}
    for c in p.store.codings():
        out.setdefault(c.coder, []).append((c.id, text[c.start:c.end]))
    return out


def run_race(root: Path, db: str, window: str, coder_args: list[str]):
    """The import paused at ``window``; the coder's command run in it; the import finished."""
    (root / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")
    imp = spawn(IMPORTER.format(window=window, root=str(root), db=db), stdin=True)
    wait_for(imp, "PAUSED")
    cli = spawn(CLI.format(args=["-C", str(root), "--db", db, "--coder", "ana", *coder_args]))
    if window == "plan":
        cli_out, cli_err = cli.communicate(timeout=120)     # it runs to the end before the import writes
        imp.stdin.write("go\n")
        imp.stdin.flush()
    else:
        wait_for(cli, "WRITING")
        time.sleep(1.0)                                      # now waiting for the import's lock
        imp.stdin.write("go\n")
        imp.stdin.flush()
        cli_out, cli_err = cli.communicate(timeout=120)
    imp_out, imp_err = imp.communicate(timeout=180)
    return (cli.returncode, cli_out + cli_err), (imp.returncode, imp_out + imp_err)


def cli(root: Path, db: str, *args: str) -> tuple[int, str]:
    pr = spawn(CLI.format(args=["-C", str(root), "--db", db, "--coder", "ana", *args]))
    out, err = pr.communicate(timeout=120)
    return pr.returncode, out + err.replace("WRITING\n", "")


@pytest.mark.parametrize("window", ["plan", "write"])
def test_span_change_during_reanchor_is_never_overwritten(study, window):
    root, db, cid, old_text = study
    a, b = span(old_text, SECOND)
    (code, out), (icode, iout) = run_race(root, db, window, ["code", "change", str(cid),
                                                             "--start", str(a), "--end", str(b)])
    assert "Traceback" not in out and "Traceback" not in iout, (out, iout)
    assert icode == 0, iout
    p = fresh(root, db)
    try:
        assert p.store.interview("a.md").text.endswith(NEW)
        assert quotes(p)["ben"] == [(cid + 1, BENS)]
        if window == "plan":
            # the change came first: the import moved the coding from where the coder put it
            assert code == 0, out
            assert quotes(p)["ana"] == [(cid, SECOND)]
        else:
            # the change came after, counted in the old text: refused, saying why
            assert code == 3, out
            assert "re-imported" in out and "nothing was changed" in out.lower()
            assert quotes(p)["ana"] == [(cid, FIRST)]
            a2, b2 = span(p.store.interview("a.md").text, SECOND)
            p.close()
            code2, out2 = cli(root, db, "code", "change", str(cid), "--start", str(a2), "--end", str(b2))
            assert code2 == 0, out2
            p = fresh(root, db)
            assert quotes(p)["ana"] == [(cid, SECOND)]
        p.close()
        code3, out3 = cli(root, db, "undo")        # undo works after either
        assert code3 == 0 and "undid update" in out3, out3
        p = fresh(root, db)
        assert quotes(p)["ana"] == [(cid, FIRST)]
        assert quotes(p)["ben"] == [(cid + 1, BENS)]
    finally:
        p.close()


@pytest.mark.parametrize("window", ["plan", "write"])
def test_remove_during_reanchor(study, window):
    root, db, cid, _old = study
    (code, out), (icode, iout) = run_race(root, db, window, ["code", "remove", str(cid)])
    assert "Traceback" not in out and "Traceback" not in iout, (out, iout)
    assert code == 0, out
    assert icode == 0, iout
    p = fresh(root, db)
    try:
        assert p.store.interview("a.md").text.endswith(NEW)
        assert "ana" not in quotes(p)
        assert quotes(p)["ben"] == [(cid + 1, BENS)]
        p.close()
        code3, out3 = cli(root, db, "undo")
        assert code3 == 0 and "undid remove" in out3, out3
        p = fresh(root, db)
        assert quotes(p)["ana"] == [(cid, FIRST)]     # back, on its words in the new text
    finally:
        p.close()


# -- the coding screen ----------------------------------------------------------------------------

def reimport_from_another_process(root: Path, db: str) -> None:
    """Another shell re-imports a.md with a paragraph inserted (a second Project on the database)."""
    (root / "interviews" / "a.md").write_text(FRONT + NEW, encoding="utf-8")
    other = Project.open(root, db=db, coder="cy")
    try:
        rep = other.import_files(reanchor=True)
        assert rep.ok and [o.status for o in rep.outcomes] == ["reanchored"], rep.outcomes
    finally:
        other.close()


def said(app) -> str:  # noqa: ANN001
    return " | ".join(str(n.message) for n in app._notifications)


def on_screen(root: Path, db: str, monkeypatch, check) -> None:  # noqa: ANN001
    """Run ``check(app, pilot, project)`` on the coding screen of a.md.  The screen's own poll
    is slowed down so that each test decides when the screen learns of the re-import."""
    from fieldcode.tui import coding as coding_screen
    from fieldcode.tui import make_app

    monkeypatch.setattr(coding_screen, "POLL_SECONDS", 3600)
    p = fresh(root, db)
    app = make_app(p, "a.md")

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, coding_screen.CodingScreen)
            await check(app, pilot, p)

    try:
        asyncio.run(run())
    finally:
        p.close()


def test_coding_screen_refuses_a_selection_made_on_the_old_text(study, monkeypatch):
    root, db, _cid, old_text = study

    async def check(app, pilot, p):  # noqa: ANN001, ANN202
        screen = app.screen
        assert screen.text == old_text
        screen.transcript.select_offsets(*span(old_text, SECOND))
        await pilot.pause()
        reimport_from_another_process(root, db)
        before = {c.id for c in p.store.codings()}
        await pilot.press("1")                          # Leadership on the (old) selection
        await pilot.pause()
        assert {c.id for c in p.store.codings()} == before    # nothing stored on the wrong words
        new_text = p.store.interview("a.md").text
        assert screen.text == new_text and screen.transcript.text == new_text   # the new text is shown
        assert "re-imported" in said(app) and "was not coded" in said(app), said(app)
        # the same words selected again, in the new text, are coded
        screen.transcript.select_offsets(*span(new_text, SECOND))
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        added = [c for c in p.store.codings() if c.id not in before]
        assert [(new_text[c.start:c.end], c.coder) for c in added] == [(SECOND, "ana")]

    on_screen(root, db, monkeypatch, check)


def test_coding_screen_refuses_a_resize_made_on_the_old_text(study, monkeypatch):
    root, db, cid, old_text = study

    async def check(app, pilot, p):  # noqa: ANN001, ANN202
        screen = app.screen
        a, _ = span(old_text, FIRST)
        _, b = span(old_text, SECOND)
        screen.transcript.select_offsets(a, b)          # ana's coding, widened to the next sentence
        await pilot.pause()
        reimport_from_another_process(root, db)
        await pilot.press("equals_sign")                # fit the coding to the selection
        await pilot.pause()
        new_text = p.store.interview("a.md").text
        assert quotes(p)["ana"] == [(cid, FIRST)]       # moved with its words by the re-import, no more
        assert screen.text == new_text
        assert "re-imported" in said(app) and "not stored" in said(app), said(app)

    on_screen(root, db, monkeypatch, check)


def test_coding_screen_notices_a_reimport_by_itself(study, monkeypatch):
    root, db, cid, old_text = study

    async def check(app, pilot, p):  # noqa: ANN001, ANN202
        screen = app.screen
        reimport_from_another_process(root, db)
        screen._poll()
        await pilot.pause()
        new_text = p.store.interview("a.md").text
        assert screen.text == new_text and screen.transcript.text == new_text
        assert "re-imported by another process" in said(app), said(app)
        mine = [sp for sp in screen.all_spans if sp.coder == "ana"]
        assert [(sp.id, new_text[sp.start:sp.end]) for sp in mine] == [(cid, FIRST)]

    on_screen(root, db, monkeypatch, check)

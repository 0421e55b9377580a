"""Nothing lost: the app runs in a subprocess, codes through real key presses and reports each
coding once the screen shows it as done; it is then killed with SIGKILL and every reported coding
must be in the database.  Two instances (two coders) on one SQLite file both keep all their work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import copy_study
from fieldcode.project import Project
from fieldcode.study.settings import Settings

REPO = Path(__file__).resolve().parents[1]
IV = "leeds-improving-01-resident"

RUNNER = textwrap.dedent('''
    import asyncio, sys
    from fieldcode.project import Project
    from fieldcode.study.settings import Settings
    from fieldcode.tui import make_app
    from fieldcode.tui.coding import CodingScreen

    async def main(root, coder, interview, n, hotkey):
        p = Project.open(root, coder=coder, settings=Settings())
        app = make_app(p, interview)
        async with app.run_test(size=(100, 30)) as pilot:
            while not (isinstance(app.screen, CodingScreen) and app.screen.iv_id):
                await pilot.pause()
            screen = app.screen
            tr = screen.transcript
            print("READY", flush=True)
            for i in range(n):
                before = {s.id for s in screen.all_spans}
                await pilot.press("s", hotkey)
                new = [s for s in screen.all_spans if s.id not in before and s.coder == coder]
                if new:
                    sp = new[0]
                    row = tr.lines.to_location(sp.start)[0]
                    # shown as done: the transcript paints it
                    assert any(sp in run[2] for run in tr.runs(row)), "coding not painted"
                    print(f"CODED {sp.id} {sp.start} {sp.end}", flush=True)
                await pilot.press("right", "right")
            print("DONE", flush=True)

    root, coder, interview, n, hotkey = sys.argv[1:]
    asyncio.run(main(root, coder, interview, int(n), hotkey))
''')


@pytest.fixture
def study(bundled_imported, tmp_path) -> Path:
    return copy_study(bundled_imported, tmp_path / "study")


def spawn(tmp_path: Path, study: Path, coder: str, n: int, hotkey: str) -> subprocess.Popen:
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    env = dict(os.environ)
    env.pop("FIELDCODE_CODER", None)
    return subprocess.Popen([sys.executable, str(runner), str(study), coder, IV, str(n), hotkey],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def read_until(proc: subprocess.Popen, want_coded: int, timeout: float = 90) -> list[tuple[int, int, int]]:
    coded: list[tuple[int, int, int]] = []
    deadline = time.monotonic() + timeout
    while len(coded) < want_coded:
        if time.monotonic() > deadline:
            raise AssertionError(f"runner too slow; got {coded}")
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"runner ended early: {proc.stderr.read()[-3000:]}")
        if line.startswith("CODED"):
            _, cid, a, b = line.split()
            coded.append((int(cid), int(a), int(b)))
    return coded


def test_sigkill_loses_nothing_shown(study, tmp_path):
    proc = spawn(tmp_path, study, "ana", 1000, "1")
    try:
        coded = read_until(proc, 6)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(study / "fieldcode.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = {r[0]: (r[1], r[2], r[3]) for r in con.execute("SELECT id, start, \"end\", coder FROM coding")}
    con.close()
    for cid, a, b in coded:
        assert rows.get(cid) == (a, b, "ana"), f"coding #{cid} [{a},{b}) was shown as done but is not stored"
    # and the event log has each of them, so undo works after the crash
    p = Project.open(study, coder="ana", settings=Settings())
    assert {e.coding_id for e in p.store.events(coder="ana", limit=1000) if e.action == "add"} >= {c[0] for c in coded}
    ev = p.store.undo("ana")
    assert ev is not None and ev.coding_id in rows
    p.close()


def test_two_coders_on_one_sqlite_file(study, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    n = 12
    pa = spawn(tmp_path / "a", study, "ana", n, "1")
    pb = spawn(tmp_path / "b", study, "ben", n, "2")
    outs = {}
    for name, proc in (("ana", pa), ("ben", pb)):
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
        assert "DONE" in out
        outs[name] = [tuple(map(int, line.split()[1:])) for line in out.splitlines() if line.startswith("CODED")]
    assert len(outs["ana"]) >= n // 2 and len(outs["ben"]) >= n // 2
    p = Project.open(study, settings=Settings())
    for coder, coded in outs.items():
        stored = {(r.id, r.start, r.end) for r in p.store.codings(coder=coder)}
        assert stored == set(coded), coder
    p.close()

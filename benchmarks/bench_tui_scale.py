"""Benchmark: the coding screen at scale, beside a bare read-only TextArea in the same run.

1. A 200,000-word transcript holding 10,000 codings of two coders (the shape of
   ``bench_tui.py``'s, four times longer, five times the codings): first paint and key ->
   repaint (a code hotkey applied to the selected sentence, commit included), against the bare
   widget's first paint and cursor move; and ``o`` (whose codings: a full repaint and a new
   layout of every stripe) -> repaint.
2. A study of 1,000 interviews (300 words each, ``corpus.py``) with 20,000 codings of two coders:
   the coding screen's first paint with the navigator filled, the navigator's refresh (after
   every coding the navigator's counts are refreshed), and ``}`` (next interview) -> the next
   transcript painted.

Run:  .venv/bin/python benchmarks/bench_tui_scale.py [--rounds 3] [--keys 15]
      .venv/bin/python benchmarks/bench_tui_scale.py --quick    # small sizes: does it still work?
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_tui as bt  # noqa: E402  (its instrumentation of TextArea.render_line is installed on import)
from corpus import generate  # noqa: E402

from fieldcode.project import Project  # noqa: E402
from fieldcode.study.settings import Settings  # noqa: E402
from fieldcode.tui import make_app  # noqa: E402
from fieldcode.tui.coding import CodingScreen  # noqa: E402
from fieldcode.tui.widgets import Navigator  # noqa: E402


def ms(x: float) -> str:
    return f"{x * 1000:8.1f} ms"


async def ready(app, pilot) -> CodingScreen:  # noqa: ANN001
    for _ in range(3000):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id:
            return app.screen
    raise RuntimeError("the coding screen did not open")


async def toggle_to_repaint(project, n: int) -> list[float]:  # noqa: ANN001
    """``o`` (whose codings are shown) -> the last transcript line painted: everything repaints."""
    out = []
    app = make_app(project, "big")
    async with app.run_test(size=bt.SIZE) as pilot:
        await ready(app, pilot)
        await pilot.pause(0.5)
        for _ in range(n):
            bt.PAINTS.clear()
            t0 = time.perf_counter()
            await pilot.press("o")
            await pilot.pause()
            if bt.PAINTS:
                out.append(bt.PAINTS[-1] - t0)
    return out


async def long_transcript(rounds: int, n_keys: int, n_words: int, n_codings: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="fieldcode-scale-"))
    try:
        t = time.perf_counter()
        project, text = bt.build(tmp, n_words, n_codings)
        print(f"1. one transcript: {len(text.split()):,} words, {n_codings:,} codings of two coders "
              f"(built in {time.perf_counter() - t:.1f}s)")
        bare_fp, fc_fp = [], []
        for _ in range(rounds):
            bare_fp.append(await bt.first_paint(lambda: bt.Bare(text)))
            fc_fp.append(await bt.first_paint(lambda: make_app(project, "big")))
        bare_k = await bt.key_to_repaint(lambda: bt.Bare(text), False, n_keys)
        fc_k = await bt.key_to_repaint(lambda: make_app(project, "big"), True, n_keys)
        fc_o = await toggle_to_repaint(project, max(3, n_keys // 3))
        bfp, ffp = statistics.median(bare_fp), statistics.median(fc_fp)
        bk, fk = statistics.median(bare_k), statistics.median(fc_k)
        print(f"   first paint     bare TextArea {ms(bfp)}   fieldcode {ms(ffp)}   ratio {ffp / bfp:5.2f}x")
        print(f"   key -> repaint  bare TextArea {ms(bk)}   fieldcode {ms(fk)}   ratio {fk / bk:5.2f}x   "
              f"[medians of {len(bare_k)} / {len(fc_k)}]")
        print(f"   o -> repaint (every line and stripe anew): fieldcode {ms(statistics.median(fc_o))} "
              f"[median of {len(fc_o)}]")
        project.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_study(root: Path, n_interviews: int, words: int, per_interview: int) -> Project:
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    generate(root / "interviews", n_interviews, words)
    p = Project.open(root, coder="ana", settings=Settings())
    rep = p.import_files()
    assert rep.ok, rep
    codes = [c.id for c in p.store.codes()]
    con = sqlite3.connect(root / "fieldcode.db")
    rng = random.Random(5)
    rows, now, n = [], "2025-05-01 10:00:00.000000", 0
    ivs = con.execute("SELECT id, text FROM interview").fetchall()
    for iv_id, text in ivs:
        sents = con.execute('SELECT start, "end" FROM sentence WHERE interview_id = ? ORDER BY start',
                            (iv_id,)).fetchall()
        for _ in range(per_interview):
            a = rng.randrange(len(sents))
            st, en = sents[a][0], sents[min(len(sents) - 1, a + rng.randint(0, 2))][1]
            q = text[st:en]
            rows.append((iv_id, rng.choice(codes), rng.choice(["ana", "ben"]), st, en, q[:80],
                         hashlib.sha256(q.encode()).hexdigest(), "", now, now, f"{n:032x}"))
            n += 1
    con.executemany('INSERT INTO coding (interview_id, code_id, coder, start, "end", quote_prefix, quote_sha256, '
                    "memo, created_at, updated_at, uid) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    return p


async def big_study(n_interviews: int, words: int, per_interview: int, rounds: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="fieldcode-scale-"))
    try:
        t = time.perf_counter()
        project = build_study(tmp, n_interviews, words, per_interview)
        print(f"2. a study of {n_interviews:,} interviews x {words} words, {n_interviews * per_interview:,} codings "
              f"of two coders (built in {time.perf_counter() - t:.1f}s)")
        first = project.store.interview_infos()[0].name
        paints, fills, refreshes, nexts = [], [], [], []
        for _ in range(rounds):
            bt.PAINTS.clear()
            t0 = time.perf_counter()
            app = make_app(project, first)
            async with app.run_test(size=(200, 60)) as pilot:
                screen = await ready(app, pilot)
                nav = screen.query_one(Navigator)
                for _ in range(3000):
                    if bt.PAINTS and len(nav.order) == n_interviews:
                        break
                    await pilot.pause(0.001)
                paints.append(bt.PAINTS[0] - t0)
                fills.append(time.perf_counter() - t0)
                await pilot.pause(0.3)
                for _ in range(3):
                    t1 = time.perf_counter()
                    screen.refresh_navigator()
                    refreshes.append(time.perf_counter() - t1)
                    await pilot.pause()
                screen.transcript.focus()
                for _ in range(5):
                    before = screen.iv_id
                    bt.PAINTS.clear()
                    t1 = time.perf_counter()
                    await pilot.press("right_curly_bracket")
                    for _ in range(2000):
                        await pilot.pause()
                        if screen.iv_id != before and bt.PAINTS:
                            break
                    await pilot.pause()
                    nexts.append(bt.PAINTS[-1] - t1)
        print(f"   first paint of the transcript  {ms(statistics.median(paints))}   "
              f"navigator filled ({n_interviews:,} interviews) {ms(statistics.median(fills))}   [medians of {rounds}]")
        print(f"   navigator refresh (counts and shares of every interview) {ms(statistics.median(refreshes))}   "
              f"[median of {len(refreshes)}]")
        print(f"   }} (next interview) -> its transcript painted {ms(statistics.median(nexts))}   "
              f"[median of {len(nexts)}]")
        project.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def main(args: argparse.Namespace) -> None:
    if args.quick:
        await long_transcript(1, 2, 3_000, 200)
        await big_study(20, 200, 5, 1)
        return
    if not args.study_only:
        await long_transcript(args.rounds, args.keys, 200_000, 10_000)
    await big_study(1_000, 300, 20, args.rounds)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=15)
    ap.add_argument("--study-only", action="store_true", help="only part 2 (1,000 interviews)")
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds: the test suite's check that it runs")
    asyncio.run(main(ap.parse_args()))

"""Benchmark: keystrokes per coding in the coding screen, on a real transcript.

A fixed coding task on ``qualitative-coding_admin-1.txt`` from the shared corpus (a research
interview with ``Name:`` speaker labels), done by a scripted coder pressing real keys through
Textual's Pilot.  The task comes from the stored turns and sentences, never from the screen:
for the participant's turns in reading order, by turn number modulo 4,

* 0: the whole turn (hotkey 1), then a second code on the same passage (hotkey 2);
* 1: its first sentence (hotkey 3), then the next two sentences as one coding (hotkey 4);
* 2: the first three words of its first sentence (hotkey 5), then that whole sentence (hotkey 6);
* 3: its last sentence (hotkey 7).

The scripted coder looks only at the screen's selection and cursor and picks its next key by one
fixed policy (the same for every version of the screen): a unit key when the cursor is in the
target unit (``t`` turn, ``s`` sentence, ``w`` word), ``)``/``(`` to step by sentences towards
it, ``S`` to extend by a sentence, ``W`` to extend by a word where the screen has it (else
``ctrl+shift+right``), ``left`` to drop a selection to its start, then the code's hotkey.  Every
coding is checked in the database (exact span and code) before the next one starts.

Prints the keys per coding (median, mean, total) and the codings that needed more than 40 keys.

Run:  .venv/bin/python benchmarks/bench_coding_keys.py [--turns 40]
      .venv/bin/python benchmarks/bench_coding_keys.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
from bisect import bisect_right
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fieldcode.project import Project  # noqa: E402
from fieldcode.study.settings import Settings  # noqa: E402
from fieldcode.text import WORD_RE  # noqa: E402
from fieldcode.tui import make_app  # noqa: E402
from fieldcode.tui.coding import CodingScreen  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "transcripts" / "qualitative-coding_admin-1.txt"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus/transcripts/qualitative-coding_admin-1.txt")
PARTICIPANT = "admin-1"
MAX_KEYS = 40


def build(root: Path) -> Project:
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    (root / "interviews").mkdir()
    shutil.copy(CORPUS, root / "interviews" / "admin-1.txt")
    p = Project.open(root, coder="ana", settings=Settings())
    rep = p.import_files()
    assert rep.ok, rep
    return p


def task(p: Project, n_turns: int) -> tuple[int, list[tuple[str, int, int, str]]]:
    """(interview id, [(kind, start, end, hotkey)]) worked out from the stored units."""
    iv = p.store.interview("admin-1")
    text = iv.text
    sents = p.store.sentence_spans(iv.id)
    turns = [t for t in p.store.turn_spans(iv.id) if t[3] == PARTICIPANT]
    out: list[tuple[str, int, int, str]] = []
    for n, (_start, end, content, _who, _iv) in enumerate(turns[:n_turns]):
        inside = [s for s in sents if s[0] >= content and s[1] <= end]
        if not inside:
            continue
        kind = n % 4
        if kind == 0:
            out += [("turn", content, inside[-1][1], "1"), ("same", content, inside[-1][1], "2")]
        elif kind == 1:
            out.append(("sents", *inside[0], "3"))
            if len(inside) >= 3:
                out.append(("sents", inside[1][0], inside[2][1], "4"))
        elif kind == 2:
            words = list(WORD_RE.finditer(text, inside[0][0], inside[0][1]))
            if len(words) >= 4:
                out.append(("phrase", words[0].start(), words[2].end(), "5"))
            out.append(("sents", *inside[0], "6"))
        else:
            out.append(("sents", *inside[-1], "7"))
    return iv.id, out


def sentence_of(sents: list[tuple[int, int]], pos: int) -> int:
    i = bisect_right([s[0] for s in sents], pos) - 1
    return max(i, 0)


def choose(screen: CodingScreen, target: tuple[str, int, int, str], has_word_key: bool) -> str:
    """The scripted coder's next key, from what the screen shows."""
    kind, a, b, hotkey = target
    tr = screen.transcript
    sel = tr.selection_offsets
    empty = sel[0] == sel[1]
    pos = tr.cursor_offset if empty else sel[0]
    sents = screen.sentences
    if kind == "same" or sel == (a, b):
        return hotkey
    if kind == "turn":
        units = [(u[0], u[1]) for u in screen.all_units]
        i = bisect_right([u[0] for u in units], pos) - 1
        if i >= 0 and units[i][0] <= pos < units[i][1] and screen.all_units[i][2] == a:
            return "t"
        return "right_parenthesis" if pos < a else "left_parenthesis"
    if kind == "phrase":
        if not empty and sel[0] == a:
            if sel[1] < b:
                return "W" if has_word_key else "ctrl+shift+right"
            return "shift+left" if sel[1] - b <= 2 else "left"
        if empty and pos == a:
            return "w"
    if not empty and sel[0] == a:
        return "S" if sel[1] < b else "D"
    first = sents[sentence_of(sents, a)]
    if empty and sents[sentence_of(sents, pos)] == first and sents[sentence_of(sents, pos)][0] <= pos:
        return "s"
    return "right_parenthesis" if pos < a else "left_parenthesis"


async def run(p: Project, iid: int, targets, *, verbose: bool = False) -> list[int]:
    app = make_app(p, "admin-1")
    counts: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause()
            if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None:
                break
        screen = app.screen
        await pilot.pause()
        has_word_key = any(b.action == "extend_word" for b in screen._bindings.key_to_bindings.get("W", []))
        codes = {c.hotkey: c.id for c in screen.codes.values() if c.hotkey}
        for target in targets:
            kind, a, b, hotkey = target
            n = 0
            while n < MAX_KEYS:
                key = choose(screen, target, has_word_key)
                await pilot.press(key)
                await pilot.pause()
                n += 1
                if key == hotkey:
                    break
            got = p.store.coding_tuples(iid)
            ok = any(r[1] == codes[hotkey] and (r[3], r[4]) == (a, b) for r in got)
            if verbose or not ok:
                print(f"{'ok  ' if ok else 'MISS'} {kind:<6} [{a}, {b}) {n} keys")
            counts.append(n if ok else MAX_KEYS)
            if not ok:
                # put the coding in place so the next target starts from the same state
                p.store.add_coding(iid, codes[hotkey], a, b, "ana")
                screen.reload_spans()
                screen.transcript.move_to_offset(b)
                await pilot.pause()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=40, help="participant turns in the task (default 40)")
    ap.add_argument("--quick", action="store_true", help="8 turns: does it still work?")
    ap.add_argument("--verbose", action="store_true", help="one line per coding")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is not here (the shared corpus)")
        return
    n_turns = 8 if args.quick else args.turns
    with tempfile.TemporaryDirectory() as tmp:
        p = build(Path(tmp))
        try:
            iid, targets = task(p, n_turns)
            counts = asyncio.run(run(p, iid, targets, verbose=args.verbose))
        finally:
            p.close()
    misses = sum(1 for c in counts if c >= MAX_KEYS)
    print(f"codings: {len(counts)} on {CORPUS.name} ({n_turns} participant turns)")
    print(f"keys per coding: median {statistics.median(counts):g}, mean {statistics.mean(counts):.2f}, "
          f"total {sum(counts)}")
    print(f"codings not reached within {MAX_KEYS} keys: {misses}")


if __name__ == "__main__":
    main()

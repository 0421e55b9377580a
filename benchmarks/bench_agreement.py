"""Intercoder agreement at scale, as a ratio against a plain numpy computation in the same run.

    .venv/bin/python benchmarks/bench_agreement.py                  # 500 interviews, 3 coders, 300,000 codings
    .venv/bin/python benchmarks/bench_agreement.py --interviews 50 --codings 30000   # quick run
    .venv/bin/python benchmarks/bench_agreement.py --quick         # seconds: does it still work?

The corpus is generated deterministically (seeded): interviews alternate Interviewer and
respondent turns, with a sentence every ten words (stored as sentences); codings are
word-aligned random spans (1-40 words) with random codes, by three coders, bulk-inserted
straight into the coding table.  Every coder codes every interview.

fieldcode: ``fieldcode.team.reliability.agreement`` (codings from the database as packed strings,
offsets compressed to analysed text, unit ranges, a sweep into coder sets, statistics from the
histogram), at the sentence and the character unit, interviewer turns left out (the default).

Baseline (no fieldcode code): raw ``sqlite3`` fetches of the codings, turns, sentences and text
lengths, then plain numpy over dense arrays: a boolean "analysed" mask over every character of
the corpus (participant turn bodies only: no labels, interviewer turns or blank lines between
turns; a transcript without turns whole); per code and coder, a coverage array from a difference array (``bincount`` of starts
and ends, ``cumsum``); sentence units from prefix sums of coverage; then per code the
coincidence counts, Krippendorff's alpha, observed and positive agreement, and Cohen's kappa for
each pair.  The two results are checked equal (1e-9) before the times are printed.
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fieldcode import text as textmod  # noqa: E402
from fieldcode.project import Project  # noqa: E402
from fieldcode.store import PreparedInterview  # noqa: E402

WORDS = ("the estate council jobs bus town work housing people school kids hub college we they it was "
         "really never always money training employer factory shop street park rubbish police trust "
         "proud going better worse manager volunteer meeting chair residents group centre city").split()
PAIRS = ["Liverpool", "Leeds", "Middlesbrough", "Bradford", "Hull"]
CODERS = ["ana", "ben", "cy"]


def make_text(rng: random.Random, n_words: int) -> str:
    parts: list[str] = []
    left, who = n_words, 0
    while left > 0:
        n = min(left, rng.randint(8, 20) if who == 0 else rng.randint(40, 160))
        label = "Interviewer" if who == 0 else "Resident"
        words = [rng.choice(WORDS) for _ in range(n)]
        for i in range(9, len(words), 10):
            words[i] += "."
        parts.append(f"{label}: " + " ".join(words) + ".")
        left -= n
        who ^= 1
    return "\n\n".join(parts) + "\n"


def sentences_of(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == ".":
            out.append((start, i + 1))
            start = i + 2 if i + 1 < len(text) and text[i + 1] == " " else i + 1
        elif ch == "\n" and start == i:
            start = i + 1
    return [(a, b) for a, b in out if b > a]


def build(folder: Path, n_interviews: int, n_codings: int, words_per_interview: int, seed: int = 3) -> Project:
    rng = random.Random(seed)
    shutil.copy(REPO / "codebook.yaml", folder / "codebook.yaml")
    (folder / "interviews").mkdir(exist_ok=True)
    p = Project.open(folder, coder="bench")
    labels = p.study.interviewer_speakers
    ivs = []
    for i in range(n_interviews):
        pair = PAIRS[i % len(PAIRS)]
        arm = p.study.arms[(i // len(PAIRS)) % 2]
        body = textmod.normalise(make_text(rng, words_per_interview))
        turns = textmod.detect_turns(body)
        iid = p.store.save_interview(PreparedInterview(
            name=f"iv{i:04d}.md", source_path=f"interviews/iv{i:04d}.md", format="md", encoding="utf-8",
            text=body, turns=turns, interviewer_turns=[textmod.is_interviewer(t.speaker, labels) for t in turns],
            sentences=sentences_of(body), attributes={"pair": pair, "arm": arm}))
        idx = textmod.WordIndex.of(body)
        ivs.append((iid, idx.starts, idx.ends))
    code_ids = [c.id for c in p.store.codes()]
    per = max(1, n_codings // n_interviews)
    rows = []
    for k in range(n_codings):
        iid, starts, ends = ivs[min(k // per, n_interviews - 1)]
        w = rng.randrange(len(starts))
        w2 = min(len(starts) - 1, w + rng.randint(0, 39))
        rows.append((uuid.UUID(int=rng.getrandbits(128)).hex, iid, rng.choice(code_ids), CODERS[k % 3],
                     starts[w], ends[w2], "", "x" * 64, ""))
    con = sqlite3.connect(folder / "fieldcode.db")
    con.execute("PRAGMA synchronous=OFF")
    cols = {r[1] for r in con.execute("PRAGMA table_info(coding)")}
    if "uid" in cols:
        con.executemany(
            "INSERT INTO coding (uid, interview_id, code_id, coder, start, \"end\", quote_prefix, quote_sha256, memo, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')", rows)
    else:
        con.executemany(
            "INSERT INTO coding (interview_id, code_id, coder, start, \"end\", quote_prefix, quote_sha256, memo, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            [r[1:] for r in rows])
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return p


# --- the baseline: raw sqlite3 + plain dense numpy ------------------------------------------------

def baseline(db: Path, unit: str, code_ids: list[int]) -> dict:
    con = sqlite3.connect(db)
    ivs = con.execute("SELECT id, n_chars FROM interview ORDER BY name").fetchall()
    pos = {iid: k for k, (iid, _n) in enumerate(ivs)}
    lens = np.array([n for _i, n in ivs], dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(lens)])
    total = int(off[-1])
    # the analysed text (DESIGN: participant turn bodies, from the end of the label to the
    # turn's end; no labels, interviewer turns or blank lines between turns; a transcript
    # without turns is analysed whole)
    analysed = np.zeros(total, dtype=bool)
    with_turns = set()
    for iid, cs, en, inter in con.execute("SELECT interview_id, content_start, \"end\", is_interviewer FROM turn"):
        with_turns.add(iid)
        if not inter:
            o = off[pos[iid]]
            analysed[o + cs:o + en] = True
    for iid, k in pos.items():
        if iid not in with_turns:
            analysed[off[k]:off[k + 1]] = True
    rated = np.zeros((len(ivs), len(CODERS)), dtype=bool)
    cods = np.array(con.execute(
        "SELECT interview_id, CASE coder " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CODERS))
        + " END, code_id, start, \"end\" FROM coding").fetchall(), dtype=np.int64)
    iv_index = np.zeros(max(pos) + 1, dtype=np.int64)
    iv_index[list(pos)] = list(pos.values())
    civ = iv_index[cods[:, 0]]
    ccoder, ccode = cods[:, 1], cods[:, 2]
    cs_ = off[civ] + cods[:, 3]
    ce_ = off[civ] + cods[:, 4]
    rated[civ, ccoder] = True
    iv_of_char = np.repeat(np.arange(len(ivs)), lens)
    if unit == "sentence":
        srows = np.array(con.execute("SELECT interview_id, start, \"end\" FROM sentence").fetchall(), dtype=np.int64)
        ss = off[[pos[i] for i in srows[:, 0]]] + srows[:, 1]
        se = off[[pos[i] for i in srows[:, 0]]] + srows[:, 2]
        acum = np.concatenate([[0], np.cumsum(analysed)])
        keep = acum[se] - acum[ss] > 0
        ss, se = ss[keep], se[keep]
        unit_iv = iv_of_char[ss]
    else:
        unit_iv = iv_of_char[analysed]
    con.close()
    unit_rated = rated[unit_iv]                      # units x coders
    m = unit_rated.sum(axis=1)
    out = {}
    for code_id in code_ids:
        xs = []
        for c in range(len(CODERS)):
            sel = (ccode == code_id) & (ccoder == c)
            diff = np.bincount(cs_[sel], minlength=total + 1) - np.bincount(ce_[sel], minlength=total + 1)
            cov = (np.cumsum(diff[:-1]) > 0) & analysed
            if unit == "sentence":
                ccum = np.concatenate([[0], np.cumsum(cov)])
                xs.append((ccum[se] - ccum[ss]) > 0)
            else:
                xs.append(cov[analysed])
        x = np.stack(xs, axis=1) & unit_rated
        k = np.count_nonzero(x, axis=1)
        # units by (raters, coders who coded): the coincidences are closed forms of that histogram
        hist = np.bincount(m * (len(CODERS) + 1) + k, minlength=(len(CODERS) + 1) ** 2).reshape(len(CODERS) + 1, -1)
        o11 = o00 = o01 = 0.0
        for mm in range(2, len(CODERS) + 1):
            for kk in range(mm + 1):
                h = float(hist[mm, kk])
                o11 += h * kk * (kk - 1) / (mm - 1)
                o00 += h * (mm - kk) * (mm - kk - 1) / (mm - 1)
                o01 += h * kk * (mm - kk) / (mm - 1)
        n0, n1 = o00 + o01, o11 + o01
        n = n0 + n1
        alpha = 1 - (n - 1) * o01 / (n0 * n1) if n0 > 0 and n1 > 0 else float("nan")
        kappas = {}
        for a, b in combinations(range(len(CODERS)), 2):
            both = unit_rated[:, a] & unit_rated[:, b]
            nn = float(np.count_nonzero(both))
            na = float(np.count_nonzero(x[:, a] & both))
            nb = float(np.count_nonzero(x[:, b] & both))
            nab = float(np.count_nonzero(x[:, a] & x[:, b]))
            po = (nn - na - nb + 2 * nab) / nn if nn else float("nan")
            pe = (na * nb + (nn - na) * (nn - nb)) / (nn * nn) if nn else 1.0
            kappas[(CODERS[a], CODERS[b])] = (po - pe) / (1 - pe) if pe < 1 else float("nan")
        out[code_id] = {"alpha": alpha, "observed": (o00 + o11) / n, "positive": o11 / n1 if n1 else float("nan"),
                        "kappa": kappas}
    return out


def timed(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interviews", type=int, default=500)
    ap.add_argument("--codings", type=int, default=300_000)
    ap.add_argument("--words", type=int, default=4000, help="words per interview")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the corpus in this folder")
    ap.add_argument("--quick", action="store_true",
                    help="a tiny corpus (10 interviews x 500 words, 2,000 codings by 3 coders, 1 repeat) that runs in seconds: "
                         "the test suite's check that the script still works (its times mean nothing)")
    args = ap.parse_args()
    if args.quick:
        args.interviews, args.codings, args.words, args.repeat = 10, 2000, 500, 1

    from fieldcode.team.reliability import ALL, agreement

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fieldcode-bench-agreement-"))
    if not args.keep:   # removed however the run ends (a failed check included)
        atexit.register(shutil.rmtree, folder, True)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if (folder / "fieldcode.db").exists() and args.keep:
        p = Project.open(folder, coder="bench")
        print(f"reusing {folder}")
    else:
        p = build(folder, args.interviews, args.codings, args.words)
        print(f"built {args.interviews} interviews x {len(CODERS)} coders, {args.codings:,} codings in "
              f"{time.perf_counter() - t0:.1f} s ({folder})")
    db = folder / "fieldcode.db"
    codes = [c for c in p.store.codes()]
    for unit in ("sentence", "char"):
        t_base, base = timed(lambda: baseline(db, unit, [c.id for c in codes]), args.repeat)
        t_fc, res = timed(lambda: agreement(p.store, unit=unit, coders=CODERS), args.repeat)
        rows = {r.key: r for r in res.rows}
        for c in codes:
            r, b = rows[c.key], base[c.id]
            e = r.everyone[ALL]
            assert same(e.alpha, b["alpha"]) and same(e.observed, b["observed"]) and same(e.positive, b["positive"]), \
                (unit, c.key, e, b)
            for pk, kap in b["kappa"].items():
                assert same(r.pairs[pk][ALL].kappa, kap), (unit, c.key, pk)
        n_units = rows[codes[0].key].everyone[ALL].units
        print(f"{unit:9s} units {n_units:>12,}: baseline (sqlite3 + dense numpy) {t_base:.3f} s, "
              f"fieldcode agreement {t_fc:.3f} s, ratio {t_fc / t_base:.2f}x (target <= 1.5x); results equal")
    p.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

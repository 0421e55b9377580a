"""Import throughput: fieldcode against raw spaCy + raw sqlite3, measured in the same run.

    .venv/bin/python benchmarks/bench_import.py                      # 500 x 8,000 words
    .venv/bin/python benchmarks/bench_import.py --interviews 50 --words 2000
    .venv/bin/python benchmarks/bench_import.py --probe              # + in-place function timings
    .venv/bin/python benchmarks/bench_import.py --profile prof.out   # + one cProfile'd import

A deterministic corpus (``benchmarks/corpus.py``) is written to a temporary folder.  Each round
then imports it twice, once per side, each side into its own fresh SQLite file:

baseline
    Read each file (UTF-8), split off the front matter, cut the body into the blocks fieldcode
    segments (each non-empty line minus its ``Name:`` label), run *the same* spaCy pipeline
    object (``fieldcode.ingest.segment.load_pipeline(None)``) over all blocks in one ``nlp.pipe`` per
    import call (batch 256, as fieldcode), and store each interview with the ``sqlite3`` module
    in one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): one ``INSERT`` of the interview row
    (name and text) and one ``executemany`` of its sentence offsets, into tables shaped like
    fieldcode's ``interview`` and ``sentence`` (same index), with fieldcode's connection settings
    (WAL, synchronous=FULL, foreign keys on).  It does not detect turns and stores no turns or
    attributes: those are part of the work fieldcode is asked to do within the 1.5x.

fieldcode
    ``Project.open(root)`` on a fresh project (codebook.yaml copied from the repository; the
    user's settings and FIELDCODE_DB are ignored), then ``project.import_files(files)``.  Only
    ``import_files`` is timed; opening the project (migrations, codebook sync) is reported
    separately as setup.  With the built-in pipeline fieldcode calls ``nlp.pipe`` with the
    lookup lemmatizer disabled and looks each distinct word form up in that lemmatizer's table
    once (the same lemmas: tests/test_segment.py), so its spaCy time is less than the baseline's.

reference (``--reference``, on by default; not the target's baseline)
    The baseline again, in the same rounds and chunk rotation, with ``disable=["lemmatizer"]``:
    the cost of sentences alone.  fieldcode against it shows what fieldcode's own work (turns,
    attributes, counts, the search index) costs beside spaCy's sentencizer.

Order and noise.  The corpus is split into ``--chunks`` (default 10) interleaved slices; the two
sides import slice by slice into their databases, and which side goes first alternates from one
slice to the next and between rounds (ABBA...).  Load from other processes on the machine thus
falls on both sides alike, and no side always runs on a warmer or cooler cache.  A side's time is
the sum over its slices; the summary uses each side's fastest round, and also prints every round's
ratio and the median and spread of the paired per-slice ratios.  ``--chunks 1`` gives one
``import_files`` call per side.  The spaCy pipeline is built and warmed, and both code paths run
once on a two-file corpus, before anything is timed.  After each round the sentence offsets both
sides stored are compared (they must be identical).

Breakdown.  Time in spaCy is the time spent inside ``nlp.pipe``'s iterator (wrapped, both sides);
fieldcode's store time is the time inside ``Store.save_interview`` (wrapped on the instance), and
the search index's batched writes are the time inside ``IndexBatch.flush`` (counted there, not in
``save_interview``, when a batch fills up during a save); its
read phase is measured through the importer's progress callback; cyclic-GC time comes from
``gc.callbacks``; CPU time is ``time.process_time``.  ``--probe`` runs one more (untimed for the
ratio) import with the functions in ``PROBES`` wrapped by timers.  fieldcode's source is never
modified; to measure a candidate change, put a patched copy of the package first on PYTHONPATH
(the run prints which fieldcode it imported).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpusmod  # noqa: E402

REPO = HERE.parent
BATCH_SIZE = 256  # fieldcode.ingest.segment.segment_many's default
TARGET = 1.5
REFERENCE = "reference"   # the baseline without spaCy's lemmatizer (--reference)

MINIMAL_CODEBOOK = """\
study:
  name: "import benchmark"
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
  required_attributes: [pair, neighbourhood, arm, role]
codes:
  - key: place
    name: Place
    colour: "#5f87ff"
"""


# --------------------------------------------------------------------------- measuring helpers

class TimedIter:
    """Wraps an iterator and adds up the time spent inside ``next()``."""

    def __init__(self, it: Iterator) -> None:
        self._it = iter(it)
        self.seconds = 0.0

    def __iter__(self) -> "TimedIter":
        return self

    def __next__(self):
        t = time.perf_counter()
        try:
            return next(self._it)
        finally:
            self.seconds += time.perf_counter() - t


class PipeTimer:
    """Times every ``nlp.pipe`` iteration on one (shared, cached) Language instance by shadowing
    the bound method with an instance attribute; ``restore()`` removes the shadow."""

    def __init__(self, nlp) -> None:
        self.nlp = nlp
        self.iters: list[TimedIter] = []
        original = type(nlp).pipe

        def pipe(*args, **kwargs):
            it = TimedIter(original(nlp, *args, **kwargs))
            self.iters.append(it)
            return it

        nlp.pipe = pipe

    @property
    def seconds(self) -> float:
        return sum(i.seconds for i in self.iters)

    def restore(self) -> None:
        self.nlp.__dict__.pop("pipe", None)


class GcTimer:
    """Time spent in the cyclic garbage collector (``gc.callbacks``) while active."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._t = 0.0

    def _cb(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._t
            self.collections[info["generation"]] += 1

    def __enter__(self) -> "GcTimer":
        gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._cb)


# Functions timed in place by --probe (module attribute lookups at call time, so wrapping the
# attribute catches every call the importer and store make).  Times are inclusive and overlap.
PROBES = [
    ("fieldcode.exchange.importer", "read_document"),
    ("fieldcode.text", "normalise"),
    ("fieldcode.text", "split_front_matter"),
    ("fieldcode.exchange.importer", "parse_front_matter"),
    ("fieldcode.text", "detect_turns"),
    ("fieldcode.text", "sha256"),
    ("fieldcode.text", "count_words"),
    ("fieldcode.ingest.segment", "blocks"),
]


class Probes:
    """Wraps module-level functions with call counters and timers; ``restore()`` undoes it."""

    def __init__(self, targets, extra: dict | None = None) -> None:
        import importlib

        self.stats: dict[str, list] = {}
        self._undo = []
        for mod_name, attr in targets:
            mod = importlib.import_module(mod_name)
            self._wrap(mod, attr, f"{mod_name.split('.')[-1]}.{attr}")
        for label, (obj, attr) in (extra or {}).items():
            self._wrap(obj, attr, label)

    def _wrap(self, obj, attr: str, label: str) -> None:
        original = getattr(obj, attr)
        stat = self.stats.setdefault(label, [0, 0.0])

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stat[0] += 1
                stat[1] += time.perf_counter() - t

        self._undo.append((obj, attr, original, attr in getattr(obj, "__dict__", {})))
        setattr(obj, attr, wrapper)

    def restore(self) -> None:
        for obj, attr, original, own in reversed(self._undo):
            if own:
                setattr(obj, attr, original)
            else:  # a method looked up on the class: drop the instance's shadow
                delattr(obj, attr)
        self._undo.clear()


@dataclass
class RunResult:
    side: str
    round: int
    seconds: float                     # headline: the import itself
    parts: dict[str, float] = field(default_factory=dict)
    setup_seconds: float = 0.0         # not in the headline (schema / project open)
    n_sentences: int = 0
    sentences_sha256: str = ""
    n_words: int = 0
    cpu_seconds: float = 0.0           # process CPU time over the same span as ``seconds``
    gc_seconds: float = 0.0            # of ``seconds``, time in the cyclic GC
    gc_collections: tuple = ()         # collections of generation 0, 1, 2
    probes: dict = field(default_factory=dict)  # --probe: function -> [calls, seconds]

    @property
    def words_per_s(self) -> float:
        return self.n_words / self.seconds if self.seconds else 0.0


def sentences_digest(db: Path, sql: str) -> tuple[int, str]:
    """(count, SHA-256) of (interview name, idx, start, end) rows, ordered, from ``db``."""
    h = hashlib.sha256()
    n = 0
    con = sqlite3.connect(db)
    try:
        for row in con.execute(sql):
            h.update(("%s\t%d\t%d\t%d\n" % row).encode())
            n += 1
    finally:
        con.close()
    return n, h.hexdigest()


# --------------------------------------------------------------------------- baseline

_LINE_RE = re.compile(r"[^\n]+")
# Enough of fieldcode's label grammar for the generated corpus ("Interviewer: ", "Shazia: ").
_LABEL_RE = re.compile(r"[A-Z][\w.'\-]*(?: [\w.'\-()]+){0,3}:[ \t]+(?=\S)")

BASELINE_SCHEMA = """
CREATE TABLE interview (
    id INTEGER PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    text TEXT NOT NULL
);
CREATE TABLE sentence (
    id INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interview(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE INDEX ix_sentence_interview_start ON sentence (interview_id, start);
"""


def _split_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end != -1:
            return text[end + 5:].lstrip("\n")
    return text


def _blocks(body: str) -> list[tuple[int, int]]:
    # Raw per-line blocks.  fieldcode cuts paragraphs (blank lines) and speaker labels; the
    # generated corpus has one paragraph per line, so these are the same spans, and every round
    # checks that both sides stored identical sentences.
    out = []
    for m in _LINE_RE.finditer(body):
        s, e = m.span()
        lm = _LABEL_RE.match(body, s, e)
        if lm:
            s = lm.end()
        while s < e and body[s].isspace():
            s += 1
        while e > s and body[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


class _Side:
    """One side of the comparison, importing the corpus chunk by chunk into one database."""

    name = ""

    def __init__(self, workdir: Path, nlp, rnd: int, n_words: int) -> None:
        self.workdir, self.nlp, self.rnd, self.n_words = workdir, nlp, rnd, n_words
        self.seconds = self.cpu = self.gc = 0.0
        self.gc_collections = [0, 0, 0]
        self.parts: dict[str, float] = {}
        self.chunk_seconds: list[float] = []

    def run_chunk(self, files: list[Path], progress=None) -> float:
        gc.collect()
        with GcTimer() as gct:
            c0 = time.process_time()
            t0 = time.perf_counter()
            parts = self._import(files, progress)
            total = time.perf_counter() - t0
            cpu = time.process_time() - c0
        parts[self.OTHER] = total - sum(parts.values())
        for k, v in parts.items():
            self.parts[k] = self.parts.get(k, 0.0) + v
        self.seconds += total
        self.cpu += cpu
        self.gc += gct.seconds
        self.gc_collections = [a + b for a, b in zip(self.gc_collections, gct.collections)]
        self.chunk_seconds.append(total)
        return total

    def result(self) -> RunResult:
        n, digest = sentences_digest(self.db, 'SELECT i.name, s.idx, s.start, s."end" FROM sentence s '
                                              'JOIN interview i ON i.id = s.interview_id ORDER BY i.name, s.idx')
        return RunResult(self.name, self.rnd, self.seconds, dict(self.parts), self.setup, n, digest, self.n_words,
                         self.cpu, self.gc, tuple(self.gc_collections), getattr(self, "probe_stats", {}))


class Baseline(_Side):
    name = "baseline"
    OTHER = "other (doc.sents loop)"

    def __init__(self, workdir: Path, nlp, rnd: int, n_words: int, disable: tuple[str, ...] = ()) -> None:
        super().__init__(workdir, nlp, rnd, n_words)
        self.disable = list(disable)   # pipeline components left out (the reference run only)
        self.db = workdir / "baseline.db"
        t = time.perf_counter()
        self.con = sqlite3.connect(self.db, isolation_level=None)
        self.con.execute("PRAGMA foreign_keys=ON")
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=FULL")
        self.con.executescript(BASELINE_SCHEMA)
        self.setup = time.perf_counter() - t

    def _import(self, files: list[Path], progress) -> dict[str, float]:
        t0 = time.perf_counter()
        docs = []
        for f in files:
            body = _split_front_matter(f.read_bytes().decode("utf-8"))
            docs.append((f.name, body, _blocks(body)))
        t_read = time.perf_counter() - t0

        def texts():
            for _, body, spans in docs:
                for s, e in spans:
                    yield body[s:e]

        con = self.con
        parsed = TimedIter(self.nlp.pipe(texts(), batch_size=BATCH_SIZE, disable=self.disable))
        t_db = 0.0
        for i, (name, body, spans) in enumerate(docs):
            sents = []
            for s, _ in spans:
                doc = next(parsed)
                for sent in doc.sents:
                    a, b = s + sent.start_char, s + sent.end_char
                    if b > a:
                        sents.append((a, b))
            t = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            iid = con.execute("INSERT INTO interview (name, text) VALUES (?, ?)", (name, body)).lastrowid
            con.executemany('INSERT INTO sentence (interview_id, idx, start, "end") VALUES (?, ?, ?, ?)',
                            [(iid, j, a, b) for j, (a, b) in enumerate(sents)])
            con.execute("COMMIT")
            t_db += time.perf_counter() - t
            if progress:
                progress(i + 1, len(docs))
        return {"read + front matter + blocks": t_read, "spaCy (nlp.pipe)": parsed.seconds,
                "sqlite3 inserts + commits": t_db}

    def close(self) -> None:
        self.con.close()


class Fieldcode(_Side):
    name = "fieldcode"
    OTHER = "other (blocks, Sentence objects, counts)"

    def __init__(self, workdir: Path, nlp, rnd: int, n_words: int, probe: bool = False) -> None:
        super().__init__(workdir, nlp, rnd, n_words)
        from fieldcode.project import Project
        from fieldcode.ingest.segment import load_pipeline
        from fieldcode.study.settings import Settings
        from fieldcode.store import sqlite_url

        root = workdir / "project"
        root.mkdir(parents=True)
        src = REPO / "codebook.yaml"
        if src.is_file():
            shutil.copyfile(src, root / "codebook.yaml")
        else:
            (root / "codebook.yaml").write_text(MINIMAL_CODEBOOK, encoding="utf-8")
        self.db = root / "fieldcode.db"
        t = time.perf_counter()
        # Explicit settings and database: the user's settings.toml or FIELDCODE_DB must not leak in.
        self.project = Project.open(root, db=sqlite_url(self.db), coder="bench", settings=Settings())
        self.setup = time.perf_counter() - t
        if load_pipeline(self.project.settings.spacy_model) is not nlp:
            raise SystemExit("fieldcode would use a different spaCy pipeline object than the baseline")

        store = self.project.store
        original_save = store.save_interview
        self._save_seconds = self._flush_seconds = self._flush_in_save = 0.0
        self._saving = False

        def timed_save(*args, **kwargs):
            t = time.perf_counter()
            self._saving = True
            try:
                return original_save(*args, **kwargs)
            finally:
                self._saving = False
                self._save_seconds += time.perf_counter() - t

        store.save_interview = timed_save
        self.probes = Probes(PROBES, {"Store.interview_versions": (store, "interview_versions")}) if probe else None
        self.profiler = None

    def _import(self, files: list[Path], progress) -> dict[str, float]:
        marks: dict[str, float] = {}

        def on_progress(phase: str, i: int, n: int) -> None:
            marks.setdefault(phase, time.perf_counter())
            if progress and phase != "reading":
                progress(i, n)

        self._save_seconds = self._flush_seconds = self._flush_in_save = 0.0
        timer = PipeTimer(self.nlp)
        from fieldcode.store.search_index import IndexBatch

        original_flush = IndexBatch.flush

        def timed_flush(batch):
            t = time.perf_counter()
            try:
                return original_flush(batch)
            finally:
                took = time.perf_counter() - t
                self._flush_seconds += took
                if self._saving:   # a batch filled up inside save_interview: counted once, here
                    self._flush_in_save += took

        IndexBatch.flush = timed_flush
        try:
            t0 = time.perf_counter()
            if self.profiler:
                self.profiler.enable()
            report = self.project.import_files(list(files), progress=on_progress)
            if self.profiler:
                self.profiler.disable()
            t_end = time.perf_counter()
        finally:
            timer.restore()
            IndexBatch.flush = original_flush
        if not report.ok:
            raise SystemExit("fieldcode import failed:\n" + "\n".join(f"{o.path}: {o.message}" for o in report.failed))
        if report.count("imported") != len(files):
            raise SystemExit(f"fieldcode imported {report.count('imported')} of {len(files)} files")
        return {"read + normalise + front matter + turns": marks.get("segmenting and storing", t_end) - t0,
                "spaCy (nlp.pipe)": timer.seconds, "Store.save_interview": self._save_seconds - self._flush_in_save,
                "search index batches (IndexBatch.flush)": self._flush_seconds}

    def close(self) -> None:
        if self.probes:
            self.probe_stats = self.probes.stats
            self.probes.restore()
        self.project.close()


def run_once(side: str, files: list[Path], workdir: Path, nlp, n_words: int, *, probe: bool = False,
             profile: Path | None = None) -> RunResult:
    """One side importing all ``files`` in one call (warm-up, --profile, --probe)."""
    s = Baseline(workdir, nlp, 0, n_words) if side == "baseline" else Fieldcode(workdir, nlp, 0, n_words, probe)
    if profile:
        import cProfile

        s.profiler = cProfile.Profile()
    try:
        s.run_chunk(files)
    finally:
        s.close()
    if profile:
        s.profiler.dump_stats(profile)
    return s.result()


# --------------------------------------------------------------------------- driver

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="fieldcode import throughput vs raw spaCy + sqlite3")
    ap.add_argument("--interviews", type=int, default=500)
    ap.add_argument("--words", type=int, default=8000, help="words per interview")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    ap.add_argument("--chunks", type=int, default=10,
                    help="import the corpus in this many interleaved chunks per side, alternating which side "
                         "goes first, so load from other processes hits both sides alike (default 10; 1 = one "
                         "import call per side)")
    ap.add_argument("--workdir", type=Path, help="where to put the corpus and databases (default: a temp dir, removed)")
    ap.add_argument("--profile", type=Path, metavar="FILE",
                    help="after the timed rounds, run one more fieldcode import under cProfile, write the "
                         "stats to FILE and print the top functions (not used for the ratio)")
    ap.add_argument("--probe", action="store_true",
                    help="after the timed rounds, run one more fieldcode import with the functions in PROBES "
                         "wrapped by timers and print their in-place times (not used for the ratio)")
    ap.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                    help="also time, in the same rounds, the baseline with spaCy's lemmatizer left out (not the "
                         "target's baseline: fieldcode leaves that component out of nlp.pipe itself, so this shows "
                         "the cost of fieldcode's own work beside the sentencizer alone; default on)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="show a progress bar (default: when stdout is a terminal)")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)
    show_progress = sys.stdout.isatty() if args.progress is None else args.progress

    import spacy

    from fieldcode.ingest.segment import load_pipeline

    tmp = None
    if args.workdir:
        base = args.workdir
        base.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="fieldcode-bench-")
        base = Path(tmp.name)
    try:
        t = time.perf_counter()
        corpus_dir = base / "corpus"
        if corpus_dir.exists():
            shutil.rmtree(corpus_dir)
        info = corpusmod.generate(corpus_dir, args.interviews, args.words, args.seed)
        files = sorted(info.files)
        console.print(f"corpus: {len(files)} interviews x ~{args.words:,} words = {info.n_words:,} words, "
                      f"{info.n_bytes / 2**20:.1f} MiB, seed {args.seed} "
                      f"(sha256 {info.digest[:16]}...), generated in {time.perf_counter() - t:.1f} s")

        # Build and warm the pipeline, then run both paths once on two files, untimed.
        t = time.perf_counter()
        # Exactly the call fieldcode makes (segment_many -> load_pipeline(model) with model=None):
        # lru_cache keys load_pipeline() and load_pipeline(None) apart, and both sides must share
        # one pipeline object so its time can be measured.
        nlp = load_pipeline(None)
        warm_dir = base / "warmup"
        if warm_dir.exists():
            shutil.rmtree(warm_dir)
        warm = corpusmod.generate(warm_dir / "corpus", 2, 1500, seed=args.seed + 1)
        run_once("baseline", sorted(warm.files), _fresh(warm_dir / "b"), nlp, warm.n_words)
        run_once("fieldcode", sorted(warm.files), _fresh(warm_dir / "f"), nlp, warm.n_words)
        console.print(f"warm-up (pipeline build + both paths on 2 small files): {time.perf_counter() - t:.1f} s")

        chunks = [files[i::args.chunks] for i in range(args.chunks)] if args.chunks > 1 else [files]
        chunks = [c for c in chunks if c]
        results: list[RunResult] = []
        chunk_ratios: list[float] = []
        reference_runs: list[RunResult] = []
        for rnd in range(1, args.rounds + 1):
            sides = {"baseline": Baseline(_fresh(base / f"round{rnd}-baseline"), nlp, rnd, info.n_words),
                     "fieldcode": Fieldcode(_fresh(base / f"round{rnd}-fieldcode"), nlp, rnd, info.n_words)}
            if args.reference:
                sides[REFERENCE] = Baseline(_fresh(base / f"round{rnd}-reference"), nlp, rnd, info.n_words,
                                            disable=("lemmatizer",))
                sides[REFERENCE].name = REFERENCE
            names = list(sides)
            try:
                for ci, chunk in enumerate(chunks):
                    # Rotate who goes first, chunk by chunk and round by round (ABBA... for two sides).
                    k = (ci + rnd) % len(names)
                    order = names[k:] + names[:k]
                    took = {}
                    for side in order:
                        label = f"round {rnd} chunk {ci + 1}/{len(chunks)}: {side}"
                        with _progress(console, show_progress, label) as cb:
                            took[side] = sides[side].run_chunk(chunk, cb)
                    chunk_ratios.append(took["fieldcode"] / took["baseline"])
            finally:
                for side in sides.values():
                    side.close()
            round_results = {k: v.result() for k, v in sides.items()}
            for side in names:
                r = round_results[side]
                (reference_runs if side == REFERENCE else results).append(r)
                console.print(f"round {rnd} {side:9}: {r.seconds:7.2f} s  {r.words_per_s:10,.0f} words/s  "
                              f"(CPU {r.cpu_seconds:.2f} s, {r.n_sentences:,} sentences)")
            for side in names:
                shutil.rmtree(base / f"round{rnd}-{side}", ignore_errors=True)
            b, f = round_results["baseline"], round_results["fieldcode"]
            same = all(r.sentences_sha256 == b.sentences_sha256 and r.n_sentences == b.n_sentences
                       for r in round_results.values())
            console.print(f"round {rnd} ratio fieldcode/baseline: {f.seconds / b.seconds:.2f}x; "
                          f"stored sentences identical: {'yes' if same else 'NO'}")
            if not same:
                console.print("[red]the sides stored different sentences: the comparison is not like for like[/red]")

        best = {side: min((r for r in results if r.side == side), key=lambda r: r.seconds)
                for side in ("baseline", "fieldcode")}
        ratio = best["fieldcode"].seconds / best["baseline"].seconds

        for side in ("baseline", "fieldcode"):
            r = best[side]
            table = Table(title=f"{side}: fastest round ({r.round}), {r.seconds:.2f} s, "
                                f"{r.words_per_s:,.0f} words/s", title_justify="left")
            table.add_column("part")
            table.add_column("seconds", justify="right")
            table.add_column("share", justify="right")
            for part, sec in r.parts.items():
                table.add_row(part, f"{sec:.2f}", f"{sec / r.seconds:.0%}")
            table.add_row("of the total: cyclic GC (gen0/1/2 collections: "
                          f"{'/'.join(map(str, r.gc_collections))})", f"{r.gc_seconds:.2f}", f"{r.gc_seconds / r.seconds:.0%}")
            table.add_row("process CPU time over the total", f"{r.cpu_seconds:.2f}", f"{r.cpu_seconds / r.seconds:.0%}")
            table.add_row("setup, not in the total (schema / Project.open)", f"{r.setup_seconds:.2f}", "")
            console.print(table)

        spacy_b = best["baseline"].parts["spaCy (nlp.pipe)"]
        spacy_f = best["fieldcode"].parts["spaCy (nlp.pipe)"]
        nonspacy_b = best["baseline"].seconds - spacy_b
        nonspacy_f = best["fieldcode"].seconds - spacy_f
        console.print(f"outside spaCy: baseline {nonspacy_b:.2f} s, fieldcode {nonspacy_f:.2f} s "
                      f"(fieldcode's extra time: {best['fieldcode'].seconds - best['baseline'].seconds:+.2f} s)")
        cpu_ratio = (min(r.cpu_seconds for r in results if r.side == "fieldcode")
                     / min(r.cpu_seconds for r in results if r.side == "baseline"))
        console.print(f"CPU-time ratio fieldcode/baseline (less sensitive to other load on the machine; "
                      f"excludes fsync waits): {cpu_ratio:.2f}x")
        per_round = [f.seconds / b.seconds for b, f in zip(
            [r for r in results if r.side == "baseline"], [r for r in results if r.side == "fieldcode"])]
        console.print(f"per-round ratios: {', '.join(f'{x:.2f}x' for x in per_round)}"
                      + (f" (median {statistics.median(per_round):.2f}x)" if len(per_round) > 1 else ""))
        if len(chunk_ratios) > 1:
            q = statistics.quantiles(chunk_ratios, n=4) if len(chunk_ratios) >= 4 else None
            console.print(f"per-chunk ratios ({len(chunk_ratios)} paired chunks): median "
                          f"{statistics.median(chunk_ratios):.2f}x"
                          + (f", quartiles {q[0]:.2f}x-{q[2]:.2f}x" if q else "")
                          + f", range {min(chunk_ratios):.2f}x-{max(chunk_ratios):.2f}x")
        if reference_runs:
            ref = min(reference_runs, key=lambda r: r.seconds)
            console.print(
                f"reference (not the target's baseline): the baseline with spaCy's lemmatizer left out, "
                f"{ref.seconds:.2f} s (spaCy {ref.parts['spaCy (nlp.pipe)']:.2f} s); fieldcode/reference: "
                f"{best['fieldcode'].seconds / ref.seconds:.2f}x.  fieldcode also leaves the built-in pipeline's "
                "lookup lemmatizer out of nlp.pipe and looks each distinct word form up in its table once, "
                "which gives the same lemmas; this ratio is what fieldcode's own work costs beside spaCy's "
                "sentencizer alone")
        import fieldcode

        env = {
            "fieldcode": str(Path(fieldcode.__file__).parent),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "spacy": spacy.__version__,
            "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(), "machine": platform.machine(),
        }
        console.print(f"environment: fieldcode from {env['fieldcode']}, Python {env['python']}, spaCy {env['spacy']}, "
                      f"SQLite {env['sqlite']}, {env['cpus']} CPUs, {env['date']}")

        if args.profile:
            wd = _fresh(base / "profile")
            console.print(f"profiling one more fieldcode import under cProfile -> {args.profile}")
            run_once("fieldcode", files, wd, nlp, info.n_words, profile=args.profile)
            _print_profile(args.profile)

        probe_stats = {}
        if args.probe:
            wd = _fresh(base / "probe")
            r = run_once("fieldcode", files, wd, nlp, info.n_words, probe=True)
            probe_stats = r.probes
            table = Table(title=f"fieldcode import with probes: {r.seconds:.2f} s (inclusive times, they overlap)",
                          title_justify="left")
            table.add_column("function")
            table.add_column("calls", justify="right")
            table.add_column("seconds", justify="right")
            table.add_column("ms/call", justify="right")
            for label, (calls, sec) in sorted(probe_stats.items(), key=lambda kv: -kv[1][1]):
                table.add_row(label, f"{calls:,}", f"{sec:.2f}", f"{sec / calls * 1000:.3f}" if calls else "")
            for part, sec in r.parts.items():
                table.add_row(f"[dim]part: {part}[/dim]", "", f"{sec:.2f}", "")
            console.print(table)

        if args.json:
            args.json.write_text(json.dumps({
                "interviews": args.interviews, "words_per_interview": args.words, "seed": args.seed,
                "n_words": info.n_words, "corpus_sha256": info.digest, "environment": env,
                "runs": [asdict(r) | {"words_per_s": r.words_per_s} for r in results],
                "chunks": args.chunks, "per_chunk_ratios": chunk_ratios, "probes": probe_stats, "ratio": ratio, "cpu_ratio": cpu_ratio, "per_round_ratios": per_round, "target": TARGET,
                "reference_runs": [asdict(r) for r in reference_runs],
            }, indent=2), encoding="utf-8")

        console.print(f"baseline {best['baseline'].words_per_s:,.0f} words/s, "
                      f"fieldcode {best['fieldcode'].words_per_s:,.0f} words/s "
                      f"({info.n_words:,} words, best of {args.rounds} round(s), {len(chunks)} chunk(s) each)")
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"ratio fieldcode/baseline: {ratio:.2f}x (target <= {TARGET}x: {verdict})", flush=True)
        return 0
    finally:
        if tmp is not None:
            tmp.cleanup()


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


class _progress:
    """A transient rich progress bar fed by ``cb(done, total)``, or nothing."""

    def __init__(self, console, enabled: bool, label: str) -> None:
        self.console, self.enabled, self.label = console, enabled, label

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=self.console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=None)

        def cb(done: int, total: int) -> None:
            self.bar.update(self.task, completed=done, total=total)

        return cb

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.stop()


def _print_profile(path: Path, n: int = 30) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(n)
    stats.sort_stats("tottime").print_stats(n)


if __name__ == "__main__":
    sys.exit(main())

"""Import throughput: fieldcode against raw spaCy + raw sqlite3, measured in the same run.

    .venv/bin/python benchmarks/bench_import.py                      # 500 x 8,000 words
    .venv/bin/python benchmarks/bench_import.py --interviews 50 --words 2000
    .venv/bin/python benchmarks/bench_import.py --probe              # + in-place function timings
    .venv/bin/python benchmarks/bench_import.py --profile prof.out   # + one cProfile'd import
    .venv/bin/python benchmarks/bench_import.py --quick              # seconds: does it still work?

A deterministic corpus (``benchmarks/corpus.py``) is written to a temporary folder.  Each round
then imports it once per side, each side into its own fresh SQLite file.  The target (<= 1.5x)
is fieldcode against the same-work baseline:

same-work baseline (the target's baseline)
    fieldcode's import done by hand with no fieldcode code (``SameWork``): read and decode each
    file, NFC, split off the front matter and read its ``name: value`` lines, find the speaker
    turns and blocks line by line, count words per turn and per interview (fieldcode's word
    pattern), SHA-256 of the text; raw spaCy with the same pipeline object but only its
    ``sentencizer`` run (``nlp.pipe(..., disable=["lemmatizer"])``, batch 256), each block's
    tokens read with ``Doc.to_array``, and the lemma of each distinct word form looked up once
    in the lookup lemmatizer's table (the per-form lookup fieldcode itself uses); then plain
    ``sqlite3`` inserts of the same rows fieldcode stores (the interview with its text, hash
    and counts; attributes; turns; sentences) in one transaction per interview, and the search
    index's rows (one per distinct lemma and form, postings packed as fieldcode packs them:
    ``fieldcode/store/search_index.py``) sorted by lemma, in one transaction per ~1,000,000
    words and at the end, as fieldcode batches them.  Its tables are created from a fresh
    fieldcode database's own DDL, so the schema shape is the same.  After each round every
    stored row of the two sides is compared (interviews, attributes, turns, sentences, the
    index's state and postings, row ids aside); if they differ the run says so and exits 1.

baseline (the former baseline; printed, not the target's)
    Read each file (UTF-8), split off the front matter, cut the body into the blocks fieldcode
    segments (each non-empty line minus its ``Name:`` label), run *the same* spaCy pipeline
    object (``fieldcode.ingest.segment.load_pipeline(None)``) over all blocks in one ``nlp.pipe`` per
    import call (batch 256, as fieldcode), and store each interview with the ``sqlite3`` module
    in one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): one ``INSERT`` of the interview row
    (name and text) and one ``executemany`` of its sentence offsets, into tables shaped like
    fieldcode's ``interview`` and ``sentence`` (same index), with fieldcode's connection settings
    (WAL, synchronous=FULL, foreign keys on).  It does not detect turns and stores no turns,
    attributes or search index, and runs the lookup lemmatizer over every token (which
    fieldcode does not): it does less storing and more spaCy than fieldcode.

fieldcode
    ``Project.open(root)`` on a fresh project (codebook.yaml copied from the repository; the
    user's settings and FIELDCODE_DB are ignored), then ``project.import_files(files)``.  Only
    ``import_files`` is timed; opening the project (migrations, codebook sync) is reported
    separately as setup.  With the built-in pipeline fieldcode calls ``nlp.pipe`` with the
    lookup lemmatizer disabled and looks each distinct word form up in that lemmatizer's table
    once (the same lemmas: tests/test_segment.py), so its spaCy time is less than the baseline's.

reference (``--reference``, on by default; not the target's baseline)
    The former baseline again, in the same rounds and chunk rotation, with
    ``disable=["lemmatizer"]``: the cost of sentences alone.  fieldcode against it shows what fieldcode's own work (turns,
    attributes, counts, the search index) costs beside spaCy's sentencizer.

Order and noise.  The corpus is split into ``--chunks`` (default 10) interleaved slices; the
sides import slice by slice into their databases, and which side goes first alternates from one
slice to the next and between rounds (a rotation).  Load from other processes on the machine thus
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
import unicodedata
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


# --------------------------------------------------------------------------- same-work baseline

SAME_WORK = "same-work"
INTERVIEWER_LABELS = ("interviewer",)    # the codebook's interviewer_speakers, case-folded
PIPELINE_NAME = "blank en + sentencizer + lookup lemmatizer"   # what word_index_state records
INDEX_BATCH_WORDS = 1_000_000             # words per index transaction (as fieldcode's IndexBatch)
SAME_WORK_TABLES = ("interview", "attribute", "turn", "sentence", "word_index", "word_index_state")
_WORD_RE = re.compile(r"\w+(?:['\u2019\-]\w+)*")   # fieldcode's definition of a word (text.WORD_RE)


def schema_of(db: Path, tables=SAME_WORK_TABLES) -> str:
    """The DDL (tables and indexes) of ``tables`` in ``db``: the same-work baseline creates its
    tables from a fresh fieldcode database, so the two always have the same schema shape."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN (%s) AND sql IS NOT NULL"
            % ",".join("?" * len(tables)), tables).fetchall()
    finally:
        con.close()
    order = {t: i for i, t in enumerate(tables)}
    rows.sort(key=lambda r: (r[0] != "table", order.get(r[1], 0)))
    return ";\n".join(sql for _t, _n, sql in rows) + ";\n"


class SameWork(_Side):
    """fieldcode's import done by hand, with no fieldcode code: the same rows (interview with
    its text, hash and counts; attributes; turns with their word counts and interviewer flag;
    sentences; the search index's posting rows and state) in the same tables, written with
    plain ``sqlite3`` in the same transactions (one per interview, then the index rows sorted
    by lemma in one transaction per ~1,000,000 words), from raw spaCy: the sentencizer alone in
    ``nlp.pipe`` (lemmatizer disabled) and the lookup table consulted once per distinct word
    form, as fieldcode does."""

    name = SAME_WORK
    OTHER = "other (token arrays, sentences, words, postings)"

    def __init__(self, workdir: Path, nlp, rnd: int, n_words: int, schema: str) -> None:
        super().__init__(workdir, nlp, rnd, n_words)
        self.db = workdir / "samework.db"
        t = time.perf_counter()
        self.con = sqlite3.connect(self.db, isolation_level=None)
        for pragma in ("foreign_keys=ON", "busy_timeout=30000", "journal_mode=WAL", "synchronous=FULL"):
            self.con.execute(f"PRAGMA {pragma}")
        self.con.executescript(schema)
        self.setup = time.perf_counter() - t
        self.table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")

    def _lemma(self, form: str) -> str:
        """The lower-cased lemma fieldcode indexes for a word form: the lookup table's entry for
        the form as written; a capitalised form the table leaves alone is looked up again in
        lower case (``segment.lemma_function``)."""
        table = self.table
        lem = table.get(form, form)
        if not isinstance(lem, str):
            lem = lem[0]
        low = form.lower()
        if lem == form and form != low:
            lem = table.get(low, low)
            if not isinstance(lem, str):
                lem = lem[0]
        return lem.lower() or low

    def _import(self, files: list[Path], progress) -> dict[str, float]:
        import numpy as np
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH, SENT_START

        t0 = time.perf_counter()
        docs = []
        for f in files:
            raw = f.read_bytes().decode("utf-8")
            text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
            attrs, body = {}, text
            if text.startswith("---\n"):
                end = text.find("\n---\n", 3)
                if end != -1:
                    for line in text[4:end].split("\n"):
                        k, sep, v = line.partition(":")
                        if sep and not k.startswith("#") and v.strip():
                            attrs[k.strip()] = v.strip()
                    body = text[end + 5:].lstrip("\n")
            spans, turn_starts = [], []     # blocks; (line start, content start, speaker)
            for m in _LINE_RE.finditer(body):
                a, e = m.span()
                lm = _LABEL_RE.match(body, a, e)
                s = a
                if lm:
                    s = lm.end()
                    turn_starts.append((a, s, body[a:lm.end()].rstrip().rstrip(":").strip()))
                while s < e and body[s].isspace():
                    s += 1
                while e > s and body[e - 1].isspace():
                    e -= 1
                if e > s:
                    spans.append((s, e))
            turns = []                       # (start, end, content_start, speaker, interviewer, words)
            outside = len(_WORD_RE.findall(body, 0, turn_starts[0][1] if turn_starts else len(body)))
            for k, (a, cs, speaker) in enumerate(turn_starts):
                e = turn_starts[k + 1][0] if k + 1 < len(turn_starts) else len(body)
                while e > a and body[e - 1] in " \t\n":
                    e -= 1
                if k + 1 < len(turn_starts):   # the next label's words are outside every turn's content
                    outside += len(_WORD_RE.findall(body, turn_starts[k + 1][0], turn_starts[k + 1][1]))
                turns.append((a, e, cs, speaker, speaker.casefold() in INTERVIEWER_LABELS,
                              len(_WORD_RE.findall(body, cs, e))))
            n_words = outside + sum(t[5] for t in turns)
            docs.append((f, body, attrs, spans, turns, n_words, hashlib.sha256(body.encode("utf-8")).hexdigest()))
        t_read = time.perf_counter() - t0

        def texts():
            for _f, body, _a, spans, *_ in docs:
                for s, e in spans:
                    yield body[s:e]

        con = self.con
        cols = [IDX, SENT_START, ORTH, LENGTH, IS_PUNCT, IS_SPACE]
        parsed = TimedIter(self.nlp.pipe(texts(), batch_size=BATCH_SIZE, disable=["lemmatizer"]))
        strings = self.nlp.vocab.strings
        pair_of: dict[int, tuple[str, str]] = {}   # form hash -> (lemma, form lower-cased), once per form
        t_db = t_index = 0.0
        pending: list[tuple] = []                  # index rows waiting for their batch
        states: list[tuple] = []
        pending_words = 0

        def write_index() -> float:
            t = time.perf_counter()
            pending.sort(key=lambda r: (r[1], r[2]))
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT INTO word_index_state (interview_id, n_words, pipeline, built_at) "
                            "VALUES (?, ?, ?, ?)", states)
            con.executemany("INSERT INTO word_index (interview_id, lemma, norm, n, postings) VALUES (?, ?, ?, ?, ?)",
                            pending)
            con.execute("COMMIT")
            pending.clear()
            states.clear()
            return time.perf_counter() - t

        for i, (f, body, attrs, spans, turns, n_words, sha) in enumerate(docs):
            arrays = [next(parsed).to_array(cols) for _ in spans]
            if arrays:
                counts = np.array([len(a) for a in arrays])
                arr = np.concatenate(arrays)
                start = arr[:, 0].astype(np.int64) + np.repeat(np.array([s for s, _e in spans], np.int64), counts)
                end = start + arr[:, 3].astype(np.int64)
                first = arr[:, 1] == 1
                first[(np.cumsum(counts) - counts)[counts > 0]] = True   # each block starts a sentence
                space = arr[:, 5] != 0
                # a sentence: from its first to its last non-space token
                sid = (np.cumsum(first) - 1)[~space]
                st_ns, en_ns = start[~space], end[~space]
                head = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]]) if len(sid) else np.zeros(0, np.int64)
                tail = np.r_[head[1:] - 1, len(sid) - 1] if len(sid) else head
                sents = np.stack([st_ns[head], en_ns[tail]], axis=1)
                word = ~space & (arr[:, 4] == 0)
                w_start, w_end, w_orth = start[word], end[word], arr[word, 2]
            else:
                sents = np.zeros((0, 2), np.int64)
                w_start = w_end = w_orth = np.zeros(0, np.int64)
            t = time.perf_counter()
            now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
            con.execute("BEGIN IMMEDIATE")
            iid = con.execute(
                "INSERT INTO interview (name, source_path, format, encoding, sha256, text, n_chars, n_words, "
                "imported_at, updated_at, interviewer_labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f.name, str(f), "md", "utf-8", sha, body, len(body), n_words, now, now, '["Interviewer"]')).lastrowid
            con.executemany('INSERT INTO turn (interview_id, idx, start, "end", content_start, speaker, '
                            "is_interviewer, n_words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(iid, k, a, e, cs, sp[:200], int(it), n) for k, (a, e, cs, sp, it, n) in enumerate(turns)])
            con.executemany('INSERT INTO sentence (interview_id, idx, start, "end") VALUES (?, ?, ?, ?)',
                            [(iid, k, a, b) for k, (a, b) in enumerate(sents.tolist())])
            con.executemany("INSERT INTO attribute (interview_id, name, value) VALUES (?, ?, ?)",
                            [(iid, k, v) for k, v in attrs.items()])
            turn_ids = [r[0] for r in con.execute("SELECT id FROM turn WHERE interview_id = ? ORDER BY idx", (iid,))]
            con.execute("COMMIT")
            t_db += time.perf_counter() - t
            # the index rows: one per distinct (lemma, form lower-cased), postings packed as int32
            n = len(w_start)
            if n:
                forms, inv = np.unique(w_orth, return_inverse=True)
                numbers: dict[tuple[str, str], int] = {}
                form_number = []
                for o in forms.tolist():
                    pair = pair_of.get(o)
                    if pair is None:
                        form = strings[o]
                        pair = pair_of[o] = (self._lemma(form), form.lower())
                    form_number.append(numbers.setdefault(pair, len(numbers)))
                number = np.array(form_number, np.int64)[inv.reshape(-1)]
                order = np.argsort(number, kind="stable")

                def containing(bounds: np.ndarray, labels=None):   # the span each word starts in, -1 none
                    if not len(bounds):
                        return np.full(n, -1)
                    k = np.searchsorted(bounds[:, 0], w_start, side="right") - 1
                    ok = (k >= 0) & (w_start < bounds[np.maximum(k, 0), 1])
                    return np.where(ok, k if labels is None else labels[np.maximum(k, 0)], -1)

                post = np.empty((n, 5), "<i4")
                post[:, 0] = order
                post[:, 1] = w_start[order]
                post[:, 2] = w_end[order]
                post[:, 3] = containing(sents)[order]
                post[:, 4] = containing(np.array([(a, e) for a, e, *_ in turns], np.int64).reshape(-1, 2),
                                        np.array(turn_ids, np.int64))[order]
                blob = post.tobytes()
                sorted_numbers = number[order]
                cut = [0, *(np.flatnonzero(np.diff(sorted_numbers)) + 1).tolist(), n]
                pairs = list(numbers)
                for k, a, b in zip(sorted_numbers[cut[:-1]].tolist(), cut, cut[1:]):
                    lemma, norm = pairs[k]
                    pending.append((iid, lemma[:200], norm[:200], b - a, blob[a * 20:b * 20]))
            states.append((iid, n_words, PIPELINE_NAME, now))
            pending_words += n
            if pending_words >= INDEX_BATCH_WORDS:
                t_index += write_index()
                pending_words = 0
            if progress:
                progress(i + 1, len(docs))
        if states:
            t_index += write_index()
        return {"read + normalise + front matter + turns + counts": t_read, "spaCy (nlp.pipe)": parsed.seconds,
                "sqlite3: interview, turns, sentences, attributes": t_db, "sqlite3: index batches": t_index}

    def close(self) -> None:
        self.con.close()


def content_digests(db: Path) -> dict[str, tuple[int, str]]:
    """(rows, SHA-256) per kind of stored row, in a form both sides share: row ids left out,
    interviews named, a posting's turn given as the turn's number in its interview."""
    import numpy as np

    queries = {
        "interviews": "SELECT name, sha256, n_chars, n_words FROM interview ORDER BY name",
        "attributes": "SELECT i.name, a.name, a.value FROM attribute a JOIN interview i ON i.id = a.interview_id "
                      "ORDER BY i.name, a.name",
        "turns": 'SELECT i.name, t.idx, t.start, t."end", t.content_start, t.speaker, t.is_interviewer, t.n_words '
                 "FROM turn t JOIN interview i ON i.id = t.interview_id ORDER BY i.name, t.idx",
        "sentences": 'SELECT i.name, s.idx, s.start, s."end" FROM sentence s JOIN interview i '
                     "ON i.id = s.interview_id ORDER BY i.name, s.idx",
        "index state": "SELECT i.name, w.n_words, w.pipeline FROM word_index_state w JOIN interview i "
                       "ON i.id = w.interview_id ORDER BY i.name",
    }
    out = {}
    con = sqlite3.connect(db)
    try:
        for kind, sql in queries.items():
            h, n = hashlib.sha256(), 0
            for row in con.execute(sql):
                h.update(repr(tuple(row)).encode())
                n += 1
            out[kind] = (n, h.hexdigest())
        turn_idx = dict(con.execute("SELECT id, idx FROM turn"))
        turn_idx[-1] = -1
        h, n = hashlib.sha256(), 0
        for name, lemma, norm, count, postings in con.execute(
                "SELECT i.name, w.lemma, w.norm, w.n, w.postings FROM word_index w JOIN interview i "
                "ON i.id = w.interview_id ORDER BY i.name, w.lemma, w.norm"):
            post = np.frombuffer(bytes(postings), "<i4").reshape(-1, 5).copy()
            post[:, 4] = [turn_idx[t] for t in post[:, 4].tolist()]
            h.update(repr((name, lemma, norm, count)).encode() + post.tobytes())
            n += 1
        out["index postings"] = (n, h.hexdigest())
    finally:
        con.close()
    return out


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
             profile: Path | None = None, schema: str = "") -> RunResult:
    """One side importing all ``files`` in one call (warm-up, --profile, --probe)."""
    if side == "baseline":
        s = Baseline(workdir, nlp, 0, n_words)
    elif side == SAME_WORK:
        s = SameWork(workdir, nlp, 0, n_words, schema)
    else:
        s = Fieldcode(workdir, nlp, 0, n_words, probe)
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
    ap.add_argument("--quick", action="store_true",
                    help="a tiny corpus (6 interviews x 800 words, 1 round of 2 chunks) that runs in seconds: the "
                         "test suite's check that the script still works and that the same-work baseline still "
                         "stores what fieldcode stores (its times mean nothing)")
    args = ap.parse_args(argv)
    if args.quick:
        args.interviews, args.words, args.rounds, args.chunks = 6, 800, 1, 2

    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 110, soft_wrap=True)
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
        # the same-work baseline's tables: those of a fresh fieldcode database (the same shape)
        schema = schema_of(warm_dir / "f" / "project" / "fieldcode.db")
        run_once(SAME_WORK, sorted(warm.files), _fresh(warm_dir / "s"), nlp, warm.n_words, schema=schema)
        console.print(f"warm-up (pipeline build + both paths on 2 small files): {time.perf_counter() - t:.1f} s")

        chunks = [files[i::args.chunks] for i in range(args.chunks)] if args.chunks > 1 else [files]
        chunks = [c for c in chunks if c]
        results: list[RunResult] = []
        chunk_ratios: list[float] = []        # fieldcode / same-work, per chunk
        chunk_ratios_old: list[float] = []    # fieldcode / baseline, per chunk
        reference_runs: list[RunResult] = []
        like_for_like = True
        for rnd in range(1, args.rounds + 1):
            sides = {SAME_WORK: SameWork(_fresh(base / f"round{rnd}-{SAME_WORK}"), nlp, rnd, info.n_words, schema),
                     "fieldcode": Fieldcode(_fresh(base / f"round{rnd}-fieldcode"), nlp, rnd, info.n_words),
                     "baseline": Baseline(_fresh(base / f"round{rnd}-baseline"), nlp, rnd, info.n_words)}
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
                    chunk_ratios.append(took["fieldcode"] / took[SAME_WORK])
                    chunk_ratios_old.append(took["fieldcode"] / took["baseline"])
            finally:
                for side in sides.values():
                    side.close()
            round_results = {k: v.result() for k, v in sides.items()}
            stored = {k: content_digests(sides[k].db) for k in (SAME_WORK, "fieldcode")}
            differ = [kind for kind in stored["fieldcode"] if stored["fieldcode"][kind] != stored[SAME_WORK][kind]]
            counts = ", ".join(f"{kind} {n:,}" for kind, (n, _h) in stored["fieldcode"].items())
            console.print(f"round {rnd}: same-work baseline and fieldcode stored identical rows: "
                          + ("yes" if not differ else "NO, they differ in " + ", ".join(differ)) + f" ({counts})")
            if differ:
                like_for_like = False
                console.print("[red]the same-work baseline no longer stores what fieldcode stores: fix "
                              "SameWork in benchmarks/bench_import.py before reading its ratio[/red]")
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
            sw = round_results[SAME_WORK]
            console.print(f"round {rnd} ratio fieldcode/same-work baseline: {f.seconds / sw.seconds:.2f}x; "
                          f"fieldcode/baseline: {f.seconds / b.seconds:.2f}x; "
                          f"stored sentences identical on every side: {'yes' if same else 'NO'}")
            if not same:
                like_for_like = False
                console.print("[red]the sides stored different sentences: the comparison is not like for like[/red]")

        best = {side: min((r for r in results if r.side == side), key=lambda r: r.seconds)
                for side in (SAME_WORK, "fieldcode", "baseline")}
        ratio = best["fieldcode"].seconds / best[SAME_WORK].seconds
        ratio_old = best["fieldcode"].seconds / best["baseline"].seconds

        for side in (SAME_WORK, "fieldcode", "baseline"):
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

        spacy_of = {side: best[side].parts["spaCy (nlp.pipe)"] for side in best}
        console.print("outside spaCy: " + ", ".join(f"{side} {best[side].seconds - spacy_of[side]:.2f} s"
                                                    for side in best)
                      + f" (fieldcode's extra time over the same-work baseline: "
                        f"{best['fieldcode'].seconds - best[SAME_WORK].seconds:+.2f} s)")

        def cpu_min(side: str) -> float:
            return min(r.cpu_seconds for r in results if r.side == side)

        cpu_ratio = cpu_min("fieldcode") / cpu_min(SAME_WORK)
        cpu_ratio_old = cpu_min("fieldcode") / cpu_min("baseline")
        console.print(f"CPU-time ratio (less sensitive to other load on the machine; excludes fsync waits): "
                      f"fieldcode/same-work {cpu_ratio:.2f}x, fieldcode/baseline {cpu_ratio_old:.2f}x")

        def per_round_of(side: str) -> list[float]:
            return [f.seconds / b.seconds for b, f in zip(
                [r for r in results if r.side == side], [r for r in results if r.side == "fieldcode"])]

        per_round, per_round_old = per_round_of(SAME_WORK), per_round_of("baseline")
        for label, rounds in (("fieldcode/same-work", per_round), ("fieldcode/baseline", per_round_old)):
            console.print(f"per-round ratios {label}: {', '.join(f'{x:.2f}x' for x in rounds)}"
                          + (f" (median {statistics.median(rounds):.2f}x)" if len(rounds) > 1 else ""))
        for label, cr in (("fieldcode/same-work", chunk_ratios), ("fieldcode/baseline", chunk_ratios_old)):
            if len(cr) > 1:
                q = statistics.quantiles(cr, n=4) if len(cr) >= 4 else None
                console.print(f"per-chunk ratios {label} ({len(cr)} paired chunks): median "
                              f"{statistics.median(cr):.2f}x"
                              + (f", quartiles {q[0]:.2f}x-{q[2]:.2f}x" if q else "")
                              + f", range {min(cr):.2f}x-{max(cr):.2f}x")
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
                "chunks": args.chunks, "per_chunk_ratios": chunk_ratios, "probes": probe_stats, "ratio": ratio,
                "cpu_ratio": cpu_ratio, "per_round_ratios": per_round, "target": TARGET,
                "ratio_baseline": ratio_old, "cpu_ratio_baseline": cpu_ratio_old,
                "per_round_ratios_baseline": per_round_old, "per_chunk_ratios_baseline": chunk_ratios_old,
                "like_for_like": like_for_like, "load_average": os.getloadavg(),
                "reference_runs": [asdict(r) for r in reference_runs],
            }, indent=2), encoding="utf-8")

        console.print(f"same-work baseline {best[SAME_WORK].words_per_s:,.0f} words/s, "
                      f"baseline {best['baseline'].words_per_s:,.0f} words/s, "
                      f"fieldcode {best['fieldcode'].words_per_s:,.0f} words/s "
                      f"({info.n_words:,} words, best of {args.rounds} round(s), {len(chunks)} chunk(s) each; "
                      f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"ratio fieldcode/baseline (spaCy's whole pipeline on every token, sentences stored): "
              f"{ratio_old:.2f}x", flush=True)
        if reference_runs:
            print(f"ratio fieldcode/reference (the sentencizer alone, sentences stored): "
                  f"{best['fieldcode'].seconds / min(r.seconds for r in reference_runs):.2f}x", flush=True)
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"ratio fieldcode/same-work baseline: {ratio:.2f}x (target <= {TARGET}x: {verdict})"
              + ("" if like_for_like else "; NOT like for like: the sides stored different rows"), flush=True)
        return 0 if like_for_like else 1
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

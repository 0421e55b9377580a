"""The search index: how it is written.

* ``word_index`` has one row per word form (lemma and form as written, both lower-cased) of an
  interview, with its postings (:func:`posting_rows`); ``word_index_state`` says which
  interviews are indexed, with their word count and the pipeline that lemmatised them.
* An import writes the index of the interviews it stores in batches (:class:`IndexBatch`),
  after their own transactions; any other writer stores an interview's index in the same
  transaction as the interview (:func:`on_interview_saved`).
* An interview without an index (an interrupted import, a batch that could not be written, a
  migration run without it) is indexed by the next search (:func:`ensure_index`).

Reading the index is ``fieldcode.store.search``'s part.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from fieldcode.store.models import Interview, SentenceRow, Suggestion, TurnRow, WordIndex, WordIndexState, utcnow

_W = WordIndex.__table__
_WS = WordIndexState.__table__
_S = Suggestion.__table__
_IV = Interview.__table__
_TURN = TurnRow.__table__
_SENT = SentenceRow.__table__
MAX_FORM = 200   # longer "words" (a URL, a run of letters) are cut to fit the column
BUILT_IN = "blank en + sentencizer + lookup lemmatizer"


def param_mark(conn: Connection) -> str:
    """The driver's parameter marker for driver-level SQL."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def posting_rows(interview_id: int, words, sentences: Sequence[tuple[int, int]],  # noqa: ANN001
                 turns: Sequence[tuple[int, int, int]]) -> list[tuple]:
    """``(interview_id, lemma, norm, n, postings)`` rows for one interview's
    :class:`fieldcode.ingest.segment.Words`, one per distinct (lemma, form).  A posting is
    ``position, start, end, sentence, turn`` (the 0-based number of the stored sentence and the
    ``turn`` row id the word starts in, -1 for none; ``turns`` are ``(start, end, id)``), packed
    as little-endian int32 (:func:`unpack`).  Turn rows are written, with new ids, only by the
    import that also rewrites the interview's index."""
    import numpy as np

    n = len(words)
    if not n:
        return []
    starts, ends = words.starts, words.ends

    def locate(spans, labels=None):  # noqa: ANN001, ANN202
        """Per word: the number of the span it starts in (or the span's ``labels`` column), -1 for none."""
        if not len(spans):
            return np.full(n, -1, np.int64)
        arr = np.asarray(spans, dtype=np.int64).reshape(len(spans), -1)
        k = np.searchsorted(arr[:, 0], starts, side="right") - 1
        inside = (k >= 0) & (starts < arr[np.maximum(k, 0), 1])
        return np.where(inside, k if labels is None else arr[np.maximum(k, 0), labels], -1)

    # a stable sort of 16-bit numbers is a radix sort, ten times faster than of 64-bit ones
    form = words.form.astype(np.uint16) if len(words.forms) <= 1 << 16 else words.form
    order = np.argsort(form, kind="stable")
    table = np.empty((n, 5), "<i4")
    table[:, 0] = order
    table[:, 1] = starts[order]
    table[:, 2] = ends[order]
    table[:, 3] = locate(sentences)[order]
    table[:, 4] = locate(turns, 2)[order]
    blob = table.tobytes()
    forms_sorted = form[order]
    bounds = [0, *(np.flatnonzero(np.diff(forms_sorted)) + 1).tolist(), n]
    forms = words.forms
    size = 5 * 4
    return [(interview_id, forms[f][0][:MAX_FORM], forms[f][1][:MAX_FORM], b - a, blob[a * size:b * size])
            for f, a, b in zip(forms_sorted[bounds[:-1]].tolist(), bounds, bounds[1:])]


def unpack(postings: bytes):  # noqa: ANN201
    """A row's postings as an (n, 5) int array: position, start, end, sentence, turn."""
    import numpy as np

    return np.frombuffer(bytes(postings), dtype="<i4").reshape(-1, 5)


@dataclass
class _Indexable:
    interview_id: int
    sha256: str
    turns: list[tuple[int, int]]      # (start, end) of the turns it was analysed with
    words: object                     # fieldcode.ingest.segment.Words
    sentences: Sequence[tuple[int, int]]


def _write_rows(conn: Connection, items: Sequence[_Indexable], model: str | None, *, check: bool) -> int:
    """Replace the index of ``items`` inside ``conn``'s transaction, rows sorted by lemma and
    form.  With ``check``, only of the interviews whose stored text and turns are still those
    they were analysed with (a batch written after their own transactions).  Returns how many
    interviews were written."""
    ids = [it.interview_id for it in items]
    stored: dict[int, tuple[str, int]] = {}
    turns: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for k in range(0, len(ids), 900):
        part = ids[k:k + 900]
        for iid, sha, n_words in conn.execute(select(_IV.c.id, _IV.c.sha256, _IV.c.n_words).where(_IV.c.id.in_(part))):
            stored[iid] = (sha, n_words)
        for iid, a, b, tid in conn.execute(
                select(_TURN.c.interview_id, _TURN.c.start, _TURN.c.end, _TURN.c.id)
                .where(_TURN.c.interview_id.in_(part)).order_by(_TURN.c.interview_id, _TURN.c.idx)):
            turns[iid].append((a, b, tid))
    def current(it: _Indexable) -> bool:
        if it.interview_id not in stored:
            return False
        return not check or (stored[it.interview_id][0] == it.sha256
                             and [(a, b) for a, b, _t in turns.get(it.interview_id, [])] == it.turns)

    fresh = [it for it in items if current(it)]
    if not fresh:
        return 0
    fresh_ids = [it.interview_id for it in fresh]
    for k in range(0, len(fresh_ids), 900):
        part = fresh_ids[k:k + 900]
        conn.execute(delete(_W).where(_W.c.interview_id.in_(part)))
        conn.execute(delete(_WS).where(_WS.c.interview_id.in_(part)))
    now, pipeline = utcnow(), (model or BUILT_IN)[:100]
    conn.execute(insert(_WS), [{"interview_id": it.interview_id, "n_words": stored[it.interview_id][1],
                                "pipeline": pipeline, "built_at": now} for it in fresh])
    rows = [row for it in fresh if it.words is not None
            for row in posting_rows(it.interview_id, it.words, it.sentences, turns.get(it.interview_id, []))]
    rows.sort(key=lambda r: (r[1], r[2]))
    if rows:
        mark = param_mark(conn)
        conn.exec_driver_sql(
            f"INSERT INTO word_index (interview_id, lemma, norm, n, postings) VALUES ({', '.join([mark] * 5)})", rows)
    return len(fresh)


def write_index(conn: Connection, interview_id: int, words, sentences: Sequence[tuple[int, int]],  # noqa: ANN001
                model: str | None = None) -> None:
    """Replace an interview's index rows (inside the caller's transaction, after its turns are
    stored)."""
    _write_rows(conn, [_Indexable(interview_id, "", [], words, sentences)], model, check=False)


def on_interview_saved(conn: Connection, interview_id: int, p, *, text_changed: bool,  # noqa: ANN001
                       model: str | None = None) -> None:
    """The hook of any writer but an import (same transaction as the interview ``p``, a
    PreparedInterview): its index written now (or, stored without the pipeline's words, left
    for the first search), and what :func:`on_interview_stored` drops."""
    on_interview_stored(conn, interview_id, replaced=p.words is None, text_changed=text_changed)
    if p.words is not None:
        write_index(conn, interview_id, p.words, p.sentences, model)


def on_interview_stored(conn: Connection, interview_id: int, *, replaced: bool, text_changed: bool) -> None:
    """The import's hook when the index is written later by an :class:`IndexBatch` (same
    transaction as the interview): an interview stored again loses its old index rows now, so
    no search reads postings of an older version; until the batch is written it is unindexed
    (and a search would index it itself).  When its text changed, its undecided and rejected
    suggestions are dropped (their offsets referred to the old text; accepted ones are codings
    now and move with them)."""
    if replaced:
        conn.execute(delete(_W).where(_W.c.interview_id == interview_id))
        conn.execute(delete(_WS).where(_WS.c.interview_id == interview_id))
    if text_changed:
        conn.execute(delete(_S).where(_S.c.interview_id == interview_id, _S.c.state != "accepted"))


class IndexBatch:
    """The search index of the interviews an import stores, written in batches.

    Writing each interview's rows in its own transaction inserts them at random places in the
    index's B-trees, and every commit then writes (and syncs) most of those trees' pages again:
    that was the largest single cost of importing an 8,000-word interview.  The batch keeps the
    rows of the interviews just stored and writes them, sorted by lemma and form, in one
    transaction per ``limit`` words and when the import ends (:meth:`flush`).

    Safe by construction: an interview stored again has lost its old rows in its own
    transaction (:func:`on_interview_stored`), so it reads as unindexed until its batch is
    written, and a search indexes any unindexed interview itself (:func:`ensure_index`).  Rows
    are written only for an interview whose stored text and turns are still those analysed,
    so a batch that lost a race with another process writes nothing stale; if the process dies
    before a batch is written, the next search builds those interviews' index."""

    def __init__(self, store, model: str | None = None, limit: int = 1_000_000) -> None:  # noqa: ANN001
        self.store = store
        self.model = model
        self.limit = limit
        self._items: list[_Indexable] = []
        self._words = 0
        self.unwritten: dict[int, str] = {}   # interview id -> why its index was not written

    def add(self, interview_id: int, p) -> None:  # noqa: ANN001
        """Queue the index of ``p`` (a PreparedInterview just stored as ``interview_id``)."""
        self._items.append(_Indexable(interview_id, p.sha256, [(t.start, t.end) for t in p.turns],
                                      p.words, p.sentences))
        self._words += len(p.words)
        if self._words >= self.limit:
            self.flush()

    def flush(self) -> int:
        """Write the queued interviews' index in one transaction.  Returns how many were written.
        A failure (the database locked past the timeout, a full disk) is not raised: the
        interviews are stored and the next search indexes them; :attr:`unwritten` says why."""
        from sqlalchemy.exc import SQLAlchemyError

        from fieldcode.errors import FieldcodeError

        items, self._items, self._words = self._items, [], 0
        if not items:
            return 0
        try:
            return self._write(items)
        except (SQLAlchemyError, FieldcodeError) as exc:
            why = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            self.unwritten.update((it.interview_id, why) for it in items)
            return 0

    def _write(self, items: list[_Indexable]) -> int:
        with self.store.engine.execution_options(fieldcode_write=True).begin() as conn:
            return _write_rows(conn, items, self.model, check=True)


def unindexed(store) -> list[int]:  # noqa: ANN001
    """Interviews the index does not hold (reads ids only, never the transcripts' rows)."""
    with store.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM interview WHERE id NOT IN (SELECT interview_id FROM word_index_state) ORDER BY id").fetchall()]


def ensure_index(store, model: str | None = None) -> int:  # noqa: ANN001
    """Build the index of every interview that has none (one pass of the pipeline over them).
    Returns how many were indexed."""
    from fieldcode.ingest.segment import analyse_many

    ids = unindexed(store)
    if not ids:
        return 0
    docs, sents = [], []
    with store.engine.connect() as conn:
        for iid in ids:
            docs.append(stored_document(conn, iid))
            sents.append(stored_sentences(conn, iid))
    items = [_Indexable(iid, "", [], words, ss) for iid, ss, (_s, words) in zip(ids, sents, analyse_many(docs, model))]
    with store.engine.execution_options(fieldcode_write=True).begin() as conn:
        _write_rows(conn, items, model, check=False)
    return len(ids)


def stored_document(conn: Connection, interview_id: int):  # noqa: ANN201
    """(text, turns) of a stored interview, as the importer segmented it."""
    from fieldcode import text as textmod

    text = conn.execute(select(_IV.c.text).where(_IV.c.id == interview_id)).scalar_one()
    turns = [textmod.Turn(a, b, c, sp) for a, b, c, sp in conn.execute(
        select(_TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker)
        .where(_TURN.c.interview_id == interview_id).order_by(_TURN.c.idx))]
    return text, turns


def stored_sentences(conn: Connection, interview_id: int) -> list[tuple[int, int]]:
    return [tuple(r) for r in conn.execute(select(_SENT.c.start, _SENT.c.end)
                                           .where(_SENT.c.interview_id == interview_id).order_by(_SENT.c.idx))]

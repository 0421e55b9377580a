"""Database side of search and suggestions: the word index and the review queue.

Functions take the :class:`fieldcode.store.Store`.  Kept beside the ``fieldcode.store``
package, whose modules it uses.

* The index (``word_index``, written by ``fieldcode.store.search_index``) is read here: the postings
  of a term in one query, unpacked by numpy (:func:`q_posting_arrays`).
* Suggestions are proposals to ONE coder; only that coder decides them.  Accepting writes the
  coding through ``Store.insert_codings`` (one transaction, one event whose ``detail`` is the
  suggestion's origin), then marks the suggestion accepted; the coding's uid is fixed when the
  suggestion is made, so an accept repeated after a crash between the two steps adds nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.store.models import Code, Coding, Interview, SentenceRow, Suggestion, TurnRow, new_uid, utcnow
from fieldcode.store.search_index import param_mark

_S = Suggestion.__table__
_IV = Interview.__table__
_TURN = TurnRow.__table__
_SENT = SentenceRow.__table__
STATES = ("proposed", "accepted", "rejected")


def q_posting_arrays(store, terms: Sequence[str], *, column: str = "lemma"):  # noqa: ANN001, ANN201
    """term -> an (n, 6) int64 array of ``interview_id, position, start, end, sentence, turn``,
    one row per word whose lemma (or ``column="norm"``: form) is that term, in no set order.
    One driver-level query; the postings are unpacked by numpy in one go."""
    import numpy as np

    col = "lemma" if column == "lemma" else "norm"
    wanted = sorted(set(terms))
    out = {t: np.zeros((0, 6), np.int64) for t in terms}
    if not wanted:
        return out
    with store.engine.connect() as conn:
        mark = param_mark(conn)
        rows = conn.exec_driver_sql(
            f"SELECT {col}, interview_id, postings FROM word_index WHERE {col} IN ({', '.join([mark] * len(wanted))})",
            tuple(wanted)).fetchall()
    by_term: dict[str, list] = defaultdict(list)
    for term, iid, postings in rows:
        by_term[term].append((iid, bytes(postings)))
    for term, got in by_term.items():
        blob = b"".join(p for _i, p in got)
        arr = np.frombuffer(blob, dtype="<i4").reshape(-1, 5).astype(np.int64)
        iids = np.repeat(np.array([i for i, _p in got], np.int64), [len(p) // 20 for _i, p in got])
        out[term] = np.column_stack([iids, arr])
    return out


def _select_turns(conn: Connection, cols: str, ids: Sequence[int], where: str = "", params: tuple = ()):  # noqa: ANN202
    """Rows of ``SELECT cols FROM turn t`` for the turn ids ``ids`` (plus ``where``), with the
    ids passed as ONE parameter (a JSON array on SQLite, an array on PostgreSQL): a long
    ``IN (?, ?, ...)`` list costs SQLite far more than the look-ups."""
    if conn.dialect.name == "sqlite":
        sql = f"SELECT {cols} FROM turn t JOIN json_each(?) j ON t.id = j.value" + (f" WHERE {where}" if where else "")
        return conn.exec_driver_sql(sql, (json.dumps([int(i) for i in ids]), *params)).fetchall()
    sql = f"SELECT {cols} FROM turn t WHERE t.id = ANY(%s)" + (f" AND {where}" if where else "")
    return conn.exec_driver_sql(sql, ([int(i) for i in ids], *params)).fetchall()


def q_turns_by_id(store, turn_ids: Iterable[int]) -> dict[int, tuple[int, str, bool]]:  # noqa: ANN001
    """turn row id -> (idx, speaker, is_interviewer), for just the turns asked for."""
    ids = sorted({int(i) for i in turn_ids})
    if not ids:
        return {}
    with store.engine.connect() as conn:
        rows = _select_turns(conn, "t.id, t.idx, t.speaker, t.is_interviewer, t.interview_id, t.start", ids)
    return {tid: (idx, speaker, _overlaid(store, iid, start, bool(is_int))) for tid, idx, speaker, is_int, iid, start in rows}


def _overlaid(store, iid: int, start: int, stored: bool) -> bool:  # noqa: ANN001
    """A stored turn's interviewer mark as a read sees it (``Store.turn_overlay``: the marks the
    current settings give, when the stored ones are out of date): the overlay's turn starting
    where the stored turn starts, else the overlay's turn holding that start."""
    turns = store.turn_overlay.get(iid) if getattr(store, "turn_overlay", None) else None
    if turns is None:
        return stored
    for t in turns:
        if t.start <= start < max(t.end, t.start + 1):
            return t.is_interviewer
    return stored


def q_turn_ids_where(store, turn_ids: Iterable[int], *, speakers: Sequence[str] = (),  # noqa: ANN001
                     interviewer: bool | None = None) -> list[int]:
    """Those of ``turn_ids`` whose speaker is one of ``speakers`` (if any are given) and whose
    interviewer mark is ``interviewer`` (if not None)."""
    ids = sorted({int(i) for i in turn_ids})
    if not ids:
        return []
    with store.engine.connect() as conn:
        mark = param_mark(conn)
        where, params = [], []
        if speakers:
            where.append(f"t.speaker IN ({', '.join([mark] * len(speakers))})")
            params.extend(speakers)
        if interviewer is not None and not getattr(store, "turn_overlay", None):
            where.append(f"t.is_interviewer = {mark}")
            params.append(bool(interviewer))
        rows = _select_turns(conn, "t.id, t.interview_id, t.start, t.is_interviewer", ids, " AND ".join(where), tuple(params))
    return [tid for tid, iid, start, flag in rows
            if interviewer is None or _overlaid(store, iid, start, bool(flag)) == bool(interviewer)]


def q_coding_spans(store, code_id: int, coders: Sequence[str] = ()):  # noqa: ANN001, ANN201
    """``(interview_id, start, end)`` of the codings of one code (by ``coders`` only, if given),
    as an (n, 3) int64 array."""
    import numpy as np

    with store.engine.connect() as conn:
        mark = param_mark(conn)
        sql = f'SELECT interview_id, start, "end" FROM coding WHERE code_id = {mark}'
        params: list = [code_id]
        if coders:
            sql += f" AND coder IN ({', '.join([mark] * len(coders))})"
            params.extend(coders)
        rows = conn.exec_driver_sql(sql, tuple(params)).fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def q_turn_bounds(store, interview_ids: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:  # noqa: ANN001
    """interview id -> its turns' (start, end, row id), in order (for a regular-expression scan)."""
    out: dict[int, list] = defaultdict(list)
    ids = list(interview_ids)
    with store.engine.connect() as conn:
        for k in range(0, len(ids), 900):
            for iid, a, b, tid in conn.execute(
                    select(_TURN.c.interview_id, _TURN.c.start, _TURN.c.end, _TURN.c.id)
                    .where(_TURN.c.interview_id.in_(ids[k:k + 900])).order_by(_TURN.c.interview_id, _TURN.c.idx)):
                out[iid].append((a, b, tid))
    return dict(out)


def q_interviews_light(store) -> dict[int, tuple[str, int, dict[str, str]]]:  # noqa: ANN001
    """interview id -> (name, n_words, attributes), in name order (driver-level fetch; the word
    counts come from ``word_index_state``, so the transcripts' rows are not read, and from the
    interview table for any interview not indexed yet)."""
    with store.engine.connect() as conn:
        ivs = {i: (name, n, {}) for i, name, n in conn.exec_driver_sql(
            "SELECT i.id, i.name, s.n_words FROM interview i LEFT JOIN word_index_state s "
            "ON s.interview_id = i.id ORDER BY i.name").fetchall()}
        missing = [i for i, v in ivs.items() if v[1] is None]
        if missing:
            for i, n in conn.execute(select(_IV.c.id, _IV.c.n_words).where(_IV.c.id.in_(missing))).all():
                ivs[i] = (ivs[i][0], n, ivs[i][2])
        for iid, name, value in conn.exec_driver_sql("SELECT interview_id, name, value FROM attribute").fetchall():
            if iid in ivs:
                ivs[iid][2][name] = value
    return ivs


def q_interviews_with_text(store, interview_ids: Sequence[int]) -> Iterable[tuple[int, str]]:  # noqa: ANN001
    """(id, text) of the given interviews, streamed (for regular-expression search)."""
    with store.engine.connect() as conn:
        for iid in interview_ids:
            text = conn.execute(select(_IV.c.text).where(_IV.c.id == iid)).scalar_one_or_none()
            if text is not None:
                yield iid, text


def q_contexts(store, spans: Sequence[tuple[int, int, int]], width: int) -> list[str]:  # noqa: ANN001
    """For each ``(interview_id, start, end)`` the stored text from ``start - width`` to
    ``end + width`` (clipped).  An interview asked for many times is read once, whole; the
    others' pieces are cut by ``substr`` in one query per 2,000 spans, so whole transcripts are
    not fetched for a few lines of context."""
    out: list[str | None] = [None] * len(spans)
    per_iv: dict[int, list[int]] = defaultdict(list)
    for k, (iid, _a, _b) in enumerate(spans):
        per_iv[iid].append(k)
    whole = [iid for iid, ks in per_iv.items() if len(ks) > _WHOLE_TEXT_AFTER]
    pieces = [k for iid, ks in per_iv.items() if len(ks) <= _WHOLE_TEXT_AFTER for k in ks]
    with store.engine.connect() as conn:
        for iid in whole:
            text = conn.execute(select(_IV.c.text).where(_IV.c.id == iid)).scalar_one()
            for k in per_iv[iid]:
                _i, a, b = spans[k]
                out[k] = text[max(0, a - width):b + width]
        mark = param_mark(conn)
        for c in range(0, len(pieces), 2000):
            chunk = pieces[c:c + 2000]
            params: list[int] = []
            for k in chunk:
                iid, a, b = spans[k]
                lo = max(0, a - width)
                params.extend((k, iid, lo + 1, b + width - lo))
            values = ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * len(chunk))
            for k, piece in conn.exec_driver_sql(
                    f"WITH q(k, iid, lo, n) AS (VALUES {values}) SELECT q.k, "
                    "substr(i.text, CAST(q.lo AS INTEGER), CAST(q.n AS INTEGER)) "
                    "FROM q JOIN interview i ON i.id = q.iid", tuple(params)).fetchall():
                out[k] = piece
    missing = [spans[k][0] for k, v in enumerate(out) if v is None]
    if missing:
        raise NotFound(f"no interview with id {missing[0]}")
    return out  # type: ignore[return-value]


_WHOLE_TEXT_AFTER = 20   # spans in one interview beyond which its text is read whole


# -- suggestions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SuggestionInfo:
    id: int
    interview_id: int
    interview: str
    code_id: int
    code: str
    coder: str
    start: int
    end: int
    origin: dict
    state: str
    coding_uid: str
    created_at: datetime
    decided_at: datetime | None


def add_suggestions(store, rows: Sequence[dict]) -> tuple[list[int], int]:  # noqa: ANN001
    """Propose ``rows`` (dicts: interview_id, code_id, coder, start, end, origin) in one
    transaction.  A span already proposed, accepted or rejected for that coder and code is
    skipped, and so is one inside a coding the coder already has of that code.  Returns
    ``(new suggestion ids, skipped)``."""
    added: list[int] = []
    skipped = 0
    now = utcnow()
    seen: set[tuple] = set()
    with store.write() as s:
        conn = s.connection()
        for r in rows:
            key = (r["coder"], r["interview_id"], r["code_id"], r["start"], r["end"])
            iv = s.get(Interview, r["interview_id"])
            if iv is None:
                raise NotFound(f"no interview with id {r['interview_id']}")
            code = s.get(Code, r["code_id"])
            if code is None or code.retired_at is not None:
                raise InvalidInput(f"code id {r['code_id']} is not a current code of codebook.yaml")
            if not (0 <= r["start"] < r["end"] <= iv.n_chars):
                raise InvalidInput(f"span [{r['start']}, {r['end']}) is outside interview '{iv.name}'")
            if key in seen:
                skipped += 1
                continue
            seen.add(key)
            exists = conn.execute(select(_S.c.id).where(
                _S.c.coder == r["coder"], _S.c.interview_id == r["interview_id"], _S.c.code_id == r["code_id"],
                _S.c.start == r["start"], _S.c.end == r["end"])).first()
            covered = conn.execute(select(Coding.__table__.c.id).where(
                Coding.coder == r["coder"], Coding.interview_id == r["interview_id"],
                Coding.code_id == r["code_id"], Coding.start <= r["start"], Coding.end >= r["end"])).first()
            if exists is not None or covered is not None:
                skipped += 1
                continue
            sid = conn.execute(insert(_S).values(
                interview_id=r["interview_id"], code_id=r["code_id"], coder=r["coder"], start=r["start"],
                end=r["end"], origin=json.dumps(r["origin"], ensure_ascii=False, sort_keys=True),
                state="proposed", coding_uid=new_uid(), created_at=now).returning(_S.c.id)).scalar_one()
            added.append(sid)
    return added, skipped


def suggestions(store, *, coder: str | None = None, state: str | None = "proposed",  # noqa: ANN001
                ids: Sequence[int] | None = None, code_id: int | None = None,
                interview_id: int | None = None) -> list[SuggestionInfo]:
    """Suggestions in interview name, then text order (the order a coder reviews them)."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown suggestion state {state!r}: use one of {', '.join(STATES)}")
    c = _S.c
    q = (select(c.id, c.interview_id, _IV.c.name, c.code_id, Code.__table__.c.key, c.coder, c.start, c.end,
                c.origin, c.state, c.coding_uid, c.created_at, c.decided_at)
         .join(_IV, _IV.c.id == c.interview_id).join(Code.__table__, Code.__table__.c.id == c.code_id)
         .order_by(_IV.c.name, c.start, c.end, c.id))
    if coder is not None:
        q = q.where(c.coder == coder)
    if state is not None:
        q = q.where(c.state == state)
    if ids is not None:
        q = q.where(c.id.in_(list(ids)))
    if code_id is not None:
        q = q.where(c.code_id == code_id)
    if interview_id is not None:
        q = q.where(c.interview_id == interview_id)
    with store.engine.connect() as conn:
        return [SuggestionInfo(*r[:8], json.loads(r[8]), *r[9:]) for r in conn.execute(q)]


def _one(store, suggestion_id: int, coder: str) -> SuggestionInfo:  # noqa: ANN001
    found = suggestions(store, state=None, ids=[suggestion_id])
    if not found:
        raise NotFound(f"no suggestion #{suggestion_id} (see 'fieldcode suggest list')")
    sg = found[0]
    if sg.coder != coder:
        raise Conflict(f"suggestion #{suggestion_id} was proposed to {sg.coder}, not to {coder}: "
                       "only that coder can decide it")
    return sg


def accept_suggestion(store, suggestion_id: int, coder: str, *, start: int | None = None,  # noqa: ANN001
                      end: int | None = None, memo: str = "") -> Coding:
    """``coder`` accepts their suggestion: it becomes their coding (span adjusted by
    ``start``/``end`` if given), its event's ``detail`` carrying the origin."""
    sg = _one(store, suggestion_id, coder)
    if sg.state == "rejected":
        raise Conflict(f"suggestion #{suggestion_id} was rejected; propose the passage again to code it")
    a = sg.start if start is None else start
    b = sg.end if end is None else end
    detail = {"suggestion": {"id": sg.id, **sg.origin}}
    if (a, b) != (sg.start, sg.end):
        detail["suggestion"]["proposed_span"] = [sg.start, sg.end]
    if sg.state != "accepted":
        code = store.code(sg.code_id)
        if code.retired_at is not None:
            raise InvalidInput(f"code '{code.key}' is retired (no longer in codebook.yaml); add it back to use it")
        store.insert_codings([{"interview_id": sg.interview_id, "code_id": sg.code_id, "coder": coder,
                               "start": a, "end": b, "memo": memo, "uid": sg.coding_uid}],
                             action="add", detail=detail)
        with store.write() as s:
            s.connection().execute(update(_S).where(_S.c.id == sg.id, _S.c.state == "proposed")
                                   .values(state="accepted", decided_at=utcnow()))
    with store.read() as s:
        row = s.exec(select(Coding).where(Coding.uid == sg.coding_uid)).scalars().first()
    if row is None:
        raise Conflict(f"suggestion #{suggestion_id} was accepted but its coding has since been removed")
    return row


def reject_suggestion(store, suggestion_id: int, coder: str) -> SuggestionInfo:  # noqa: ANN001
    """``coder`` rejects their suggestion: kept as rejected, so it is not proposed again."""
    sg = _one(store, suggestion_id, coder)
    if sg.state == "accepted":
        raise Conflict(f"suggestion #{suggestion_id} was already accepted (it is a coding now: "
                       "remove the coding to undo it)")
    if sg.state == "proposed":
        with store.write() as s:
            s.connection().execute(update(_S).where(_S.c.id == sg.id, _S.c.state == "proposed")
                                   .values(state="rejected", decided_at=utcnow()))
    return suggestions(store, state=None, ids=[suggestion_id])[0]


def suggestion_counts(store, coder: str) -> dict[str, int]:  # noqa: ANN001
    """state -> number of that coder's suggestions."""
    with store.engine.connect() as conn:
        got = dict(conn.execute(select(_S.c.state, func.count()).where(_S.c.coder == coder).group_by(_S.c.state)).all())
    return {st: got.get(st, 0) for st in STATES}

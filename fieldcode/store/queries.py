"""Read-only aggregate queries (SQLAlchemy Core over the model tables: set-based, so a million
codings never become a million Python objects) for the analysis (``fieldcode.analysis``),
intercoder agreement and the disagreement review, search and suggestions.

Codings and sentences come back as one aggregated string per interview, parsed in C by numpy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from fieldcode.store.models import Attribute, Code, Coding, Interview, SentenceRow, TurnRow


@dataclass(frozen=True)
class TurnSpan:
    """A speaker turn as the analysis sees it."""
    start: int
    end: int
    content_start: int
    speaker: str
    is_interviewer: bool
    n_words: int = 0   # words of the turn's content (after the label)


# =============================================================================================
# Codes, interviews, texts, turns and codings for fieldcode.analysis
# =============================================================================================


_CODE = Code.__table__
_CODING = Coding.__table__
_IV = Interview.__table__
_ATTR = Attribute.__table__
_TURN = TurnRow.__table__


def q_code_rows(store) -> list[tuple[int, str, str, int | None, int, bool]]:
    """(id, key, name, parent_id, position, retired) of every code."""
    with store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3], r[4], r[5] is not None) for r in conn.execute(
            select(_CODE.c.id, _CODE.c.key, _CODE.c.name, _CODE.c.parent_id, _CODE.c.position,
                   _CODE.c.retired_at))]


def q_interview_rows(store) -> dict[int, tuple[str, int, dict[str, str]]]:
    """interview id -> (name, n_words, attributes), in name order."""
    with store.engine.connect() as conn:
        ivs = {r[0]: (r[1], r[2], {}) for r in conn.execute(
            select(_IV.c.id, _IV.c.name, _IV.c.n_words).order_by(_IV.c.name))}
        for iid, name, value in conn.execute(select(_ATTR.c.interview_id, _ATTR.c.name, _ATTR.c.value)):
            if iid in ivs:
                ivs[iid][2][name] = value
    return ivs


def q_texts(store, ids: Sequence[int]) -> dict[int, str]:
    """interview id -> its text."""
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            out.update(conn.execute(select(_IV.c.id, _IV.c.text).where(_IV.c.id.in_(chunk))).all())
    return out


def q_turn_spans(store, ids: Sequence[int] | None = None) -> dict[int, list[TurnSpan]]:
    """interview id -> its speaker turns in order (all interviews, or those in ``ids``)."""
    out: dict[int, list[TurnSpan]] = defaultdict(list)
    q = select(_TURN.c.interview_id, _TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker,
               _TURN.c.is_interviewer, _TURN.c.n_words).order_by(_TURN.c.interview_id, _TURN.c.idx)
    with store.engine.connect() as conn:
        for chunk in ([None] if ids is None else _chunks(ids)):
            qq = q if chunk is None else q.where(_TURN.c.interview_id.in_(chunk))
            for iid, st, en, cs, sp, ii, nw in conn.execute(qq):
                out[iid].append(TurnSpan(st, en, cs, sp, bool(ii), nw))
    # marks out of date and this command only reads: the turns as the current settings mark them
    for iid, turns in getattr(store, "turn_overlay", {}).items():
        if ids is None or iid in ids:
            out.pop(iid, None)
            if turns:
                out[iid] = list(turns)
    return dict(out)


def q_codings(store, *, code_ids: Sequence[int] | None, interview_ids: Sequence[int] | None,
              coders: Sequence[str] | None, protocol: bool = False) -> list[tuple]:
    """(id, interview_id, code_id, coder, start, end, memo) rows; with ``protocol`` each row goes
    on with the coding protocol's columns (blind, codebook_hash, definition_hash: None when
    unknown)."""
    c = _CODING.c
    q = select(c.id, c.interview_id, c.code_id, c.coder, c.start, c.end, c.memo,
               *((c.blind, c.codebook_hash, c.definition_hash) if protocol else ()))
    if code_ids is not None:
        q = q.where(_CODING.c.code_id.in_(list(code_ids)))
    if coders:
        q = q.where(_CODING.c.coder.in_(list(coders)))
    if interview_ids is not None:
        q = q.where(_CODING.c.interview_id.in_(list(interview_ids)))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q.order_by(_CODING.c.interview_id, _CODING.c.start, _CODING.c.id))]


def _chunks(ids: Sequence[int], n: int = 900) -> list[list[int]]:
    ids = list(ids)
    return [ids[i:i + n] for i in range(0, len(ids), n)] or [[]]


def q_n_chars(store, ids: Sequence[int]) -> dict[int, int]:
    """interview id -> its length in characters."""
    out: dict[int, int] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            out.update(conn.execute(select(_IV.c.id, _IV.c.n_chars).where(_IV.c.id.in_(chunk))).all())
    return out


def _coding_item(store):
    """The SQL expression that renders one coding for ``aggregate_strings``, and whether it is
    packed into one integer (code_id << 48 | start << 24 | length, when offsets fit)."""
    from sqlalchemy import BigInteger, String, cast

    c = _CODING.c
    with store.engine.connect() as conn:
        max_chars = conn.execute(select(func.max(_IV.c.n_chars))).scalar() or 0
        max_code = conn.execute(select(func.max(_CODE.c.id))).scalar() or 0
    packed = max_chars < (1 << 24) and max_code < (1 << 14)
    if packed:
        return cast(cast(c.code_id, BigInteger) * (1 << 48) + cast(c.start, BigInteger) * (1 << 24)
                    + (c.end - c.start), String), True
    return cast(c.code_id, String) + "," + cast(c.start, String) + "," + cast(c.end, String), False


def _unpack_codings(joined: str | None, packed: bool) -> tuple:
    """(code_ids, starts, ends) numpy arrays from one aggregated string of ``_coding_item``."""
    import numpy as np

    v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
    if packed:
        starts = (v >> 24) & ((1 << 24) - 1)
        return v >> 48, starts, starts + (v & ((1 << 24) - 1))
    return v[0::3], v[1::3], v[2::3]


def q_coding_arrays(store, *, interview_ids: Sequence[int] | None, code_ids: Sequence[int] | None,
                    coders: Sequence[str] | None) -> dict:
    """interview id -> (code_ids, starts, ends) numpy arrays.

    A million codings come back as one aggregated string per interview, parsed in C by numpy,
    rather than as a million Python tuples (about three times faster).  When offsets fit, each
    coding is packed into one integer (code_id << 48 | start << 24 | length): half the work
    again for the database."""
    c = _CODING.c
    item, packed = _coding_item(store)
    q = select(c.interview_id, func.aggregate_strings(item, ",")).group_by(c.interview_id)
    if code_ids is not None:
        q = q.where(c.code_id.in_(list(code_ids)))
    if coders:
        q = q.where(c.coder.in_(list(coders)))
    if interview_ids is not None:
        q = q.where(c.interview_id.in_(list(interview_ids)))
    out = {}
    with store.engine.connect() as conn:
        for iid, joined in conn.execute(q):
            out[iid] = _unpack_codings(joined, packed)
    return out


def q_coders(store) -> list[str]:
    """Every coder with at least one coding, sorted."""
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(_CODING.c.coder).distinct()).scalars())


# =============================================================================================
# For fieldcode.team.agreement (intercoder reliability), the disagreement review and search:
# coders per interview, per-coder coding arrays, sentences, codings around a span.
# =============================================================================================

_SENT = SentenceRow.__table__


def q_coders_by_interview(store, ids: Sequence[int] | None = None) -> dict[int, set[str]]:
    """interview id -> the coders with at least one coding (any code) in it."""
    q = select(_CODING.c.interview_id, _CODING.c.coder).distinct().where(*store.coding_where)
    out: dict[int, set[str]] = defaultdict(set)
    with store.engine.connect() as conn:
        for chunk in ([None] if ids is None else _chunks(ids)):
            qq = q if chunk is None else q.where(_CODING.c.interview_id.in_(chunk))
            for iid, coder in conn.execute(qq):
                out[iid].add(coder)
    return dict(out)


def q_coding_arrays_by_coder(store, *, interview_ids: Sequence[int] | None, code_ids: Sequence[int] | None,
                             coders: Sequence[str]) -> dict[tuple[int, str], tuple]:
    """(interview id, coder) -> (code_ids, starts, ends) numpy arrays, one aggregated string per
    interview and coder (as ``q_coding_arrays`` does, packed when offsets fit)."""
    c = _CODING.c
    item, packed = _coding_item(store)
    q = (select(c.interview_id, c.coder, func.aggregate_strings(item, ","))
         .where(c.coder.in_(list(coders)), *store.coding_where).group_by(c.interview_id, c.coder))
    if code_ids is not None:
        q = q.where(c.code_id.in_(list(code_ids)))
    out = {}
    with store.engine.connect() as conn:
        for chunk in ([None] if interview_ids is None else _chunks(interview_ids)):
            qq = q if chunk is None else q.where(c.interview_id.in_(chunk))
            for iid, coder, joined in conn.execute(qq):
                out[(iid, coder)] = _unpack_codings(joined, packed)
    return out


def q_sentence_arrays(store, ids: Sequence[int]) -> dict[int, tuple]:
    """interview id -> (starts, ends) numpy arrays of its stored sentences, in order (one
    aggregated string per interview, parsed by numpy)."""
    import numpy as np
    from sqlalchemy import String, cast

    item = cast(_SENT.c.start, String) + "," + cast(_SENT.c.end, String)
    q = (select(_SENT.c.interview_id, func.aggregate_strings(item, ","))
         .group_by(_SENT.c.interview_id))
    out = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            for iid, joined in conn.execute(q.where(_SENT.c.interview_id.in_(chunk))):
                v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
                starts, ends = v[0::2], v[1::2]
                order = np.argsort(starts, kind="stable")   # aggregate order is not guaranteed
                out[iid] = (starts[order], ends[order])
    return out


def q_codings_overlapping(store, interview_id: int, start: int, end: int,
                          coders: Sequence[str]) -> list[tuple[int, str, int, str, int, int, str]]:
    """(coding id, uid, code_id, coder, start, end, memo) of the given coders' codings of one
    interview that share at least one character with ``[start, end)``, ordered by start."""
    c = _CODING.c
    q = (select(c.id, c.uid, c.code_id, c.coder, c.start, c.end, c.memo)
         .where(c.interview_id == interview_id, c.coder.in_(list(coders)), c.start < end, c.end > start)
         .order_by(c.start, c.end, c.id))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]

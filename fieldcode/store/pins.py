"""Codings pinned to the codebook version: the pins every new coding gets, the re-check queue
(codings made under a definition of their code that has changed since), the lineage of merged
and split codes, and the counts ``agreement`` warns from.

A coding's pins (``coding.codebook_hash``, ``coding.definition_hash``) are written in the same
transaction as the coding (``fieldcode.store.record``): the newest codebook version this database
recorded, and the hash of its code's definition as the code row holds it then
(``fieldcode.study.codebook_history.definition_hash``).  A coding whose pins are NULL was made
before fieldcode recorded them (or came from a tool that does not say): its definition is
*unknown*, it is never put in the re-check queue and never counted as made under any version.

A coding is **in the re-check queue** when its definition hash is known and differs from its
code's definition now.  It leaves the queue by its coder's decision (``fieldcode.store.recheck``):
kept under the new definition (its pins move to the current ones), recoded, or removed, each
an event; or when the definition changes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, false, func, or_, select
from sqlmodel import Session

from fieldcode.store.models import Code, CodebookVersion, CodeLineage, Coding, Interview
from fieldcode.study.codebook_history import code_definition_hash


def current_codebook_query() -> Select:
    """The query for :func:`current_codebook_hash` (a coding write asks it with its checks)."""
    return select(CodebookVersion.hash).order_by(CodebookVersion.id.desc()).limit(1)


def current_codebook_hash(s: Session) -> str | None:
    """The newest codebook version this database recorded (None before any)."""
    return s.exec(current_codebook_query()).scalars().first()


def pins_with(codebook_hash: str | None, code: Code) -> dict:
    """The pins a coding of ``code`` made under codebook version ``codebook_hash`` gets, as
    Coding fields."""
    return {"codebook_hash": codebook_hash, "definition_hash": code_definition_hash(code)}


def pins_for(s: Session, code: Code) -> dict:
    """The pins a coding of ``code`` made now gets, as Coding fields."""
    return pins_with(current_codebook_hash(s), code)


def current_definitions(store) -> dict[int, tuple[str, str]]:
    """code id -> (key, hash of its definition now), for every live code."""
    return {c.id: (c.key, code_definition_hash(c)) for c in store.codes()}


def same_definition_clause(definitions: dict[int, str]):
    """A WHERE clause on ``coding``: made under the current definition of its code
    (``definitions``: code id -> its definition hash now); codings with unknown pins fail it."""
    c = Coding.__table__.c
    if not definitions:
        return false()
    return or_(*(and_(c.code_id == cid, c.definition_hash == h) for cid, h in definitions.items()))


@dataclass(frozen=True)
class RecheckItem:
    """A coding made under an older definition of its code."""

    coding_id: int
    uid: str
    coder: str
    interview_id: int
    interview: str
    code_id: int
    code_key: str
    code_name: str
    start: int
    end: int
    quote: str
    codebook_hash: str | None
    definition_hash: str | None
    split_into: tuple[str, ...] = ()      # queued because its code was split: the parts to choose from


def recheck_queue(store, coder: str | None = None) -> list[RecheckItem]:
    """Every coding (of ``coder``, or of everyone) whose code's definition changed since it was
    made, by coder, interview and position."""
    defs = current_definitions(store)
    if not defs:
        return []
    c = Coding.__table__.c
    stale = or_(*(and_(c.code_id == cid, c.definition_hash != h) for cid, (_k, h) in defs.items()))
    q = (select(c.id, c.uid, c.coder, c.interview_id, Interview.name, c.code_id, c.start, c.end, c.quote_prefix,
                c.codebook_hash, c.definition_hash)
         .join(Interview, Interview.id == c.interview_id)
         .order_by(c.coder, Interview.name, c.start, c.end, c.id))
    splits = split_pending(store)
    if splits:     # a split code's codings not yet settled by their coder (whatever their definition pins)
        stale = or_(and_(c.definition_hash.is_not(None), stale), *(pending_clause(cid, sp) for cid, sp in splits.items()))
    else:
        stale = and_(c.definition_hash.is_not(None), stale)
    q = q.where(stale)
    if coder is not None:
        q = q.where(c.coder == coder)
    names = {c_.id: c_.name for c_ in store.codes()}
    with store.read() as s:
        rows = s.exec(q).all()
    return [RecheckItem(coding_id=r[0], uid=r[1], coder=r[2], interview_id=r[3], interview=r[4], code_id=r[5],
                        code_key=defs[r[5]][0], code_name=names[r[5]], start=r[6], end=r[7], quote=r[8],
                        codebook_hash=r[9], definition_hash=r[10],
                        split_into=splits[r[5]].parts if r[5] in splits and is_split_pending(splits[r[5]], r[9]) else ())
            for r in rows]


def pin_counts(store, coder: str | None = None) -> dict[str, dict[str, int]]:
    """coder -> {"current": made under their code's definition now, "older": under an older one
    (the re-check queue), "unknown": no recorded definition}, over codings of live codes."""
    defs = current_definitions(store)
    c = Coding.__table__.c
    q = select(c.coder, c.code_id, c.definition_hash, func.count()).group_by(c.coder, c.code_id, c.definition_hash)
    if coder is not None:
        q = q.where(c.coder == coder)
    out: dict[str, dict[str, int]] = {}
    with store.read() as s:
        for who, cid, h, n in s.exec(q).all():
            if cid not in defs:
                continue
            kind = "unknown" if h is None else "current" if h == defs[cid][1] else "older"
            d = out.setdefault(who, {"current": 0, "older": 0, "unknown": 0})
            d[kind] += n
    return out


def definitions_pinned(store) -> dict[tuple[str, str], dict[str, int]]:
    """(code key, definition hash) -> coder -> number of codings pinned to that definition."""
    keys = {c.id: c.key for c in store.codes(include_retired=True)}
    c = Coding.__table__.c
    out: dict[tuple[str, str], dict[str, int]] = {}
    with store.read() as s:
        for cid, h, who, n in s.exec(select(c.code_id, c.definition_hash, c.coder, func.count())
                                     .where(c.definition_hash.is_not(None))
                                     .group_by(c.code_id, c.definition_hash, c.coder)).all():
            out.setdefault((keys[cid], h), {})[who] = n
    return out


def definitions_in_use(store, *, interview_ids: Sequence[int], code_ids: Sequence[int],
                       coders: Sequence[str]) -> dict[int, dict[str | None, dict[str, int]]]:
    """code id -> definition hash (None: unknown) -> coder -> number of codings, over the given
    interviews, codes and coders: what ``agreement`` compares."""
    c = Coding.__table__.c
    q = (select(c.code_id, c.definition_hash, c.coder, func.count())
         .where(c.coder.in_(list(coders)), c.code_id.in_(list(code_ids)))
         .group_by(c.code_id, c.definition_hash, c.coder))
    ivs = set(interview_ids)
    out: dict[int, dict[str | None, dict[str, int]]] = {}
    with store.read() as s:
        rows = s.exec(q.add_columns(c.interview_id).group_by(c.interview_id)).all()
    for cid, h, who, n, iid in rows:
        if iid in ivs:
            d = out.setdefault(cid, {}).setdefault(h, {})
            d[who] = d.get(who, 0) + n
    return out


def record_lineage(s: Session, kind: str, from_key: str, to_key: str, by: str) -> None:
    """Inside a code merge's (or split's) transaction: its lineage row."""
    s.add(CodeLineage(kind=kind, from_key=from_key, to_key=to_key, by=by, codebook_hash=current_codebook_hash(s)))


def lineage(store) -> list[CodeLineage]:
    """Every merge and split, oldest first."""
    with store.read() as s:
        return list(s.exec(select(CodeLineage).order_by(CodeLineage.id)).scalars())


def lineage_of(store, key: str) -> list[str]:
    """The keys whose codings now count under ``key``: itself and, transitively, every code merged
    into it."""
    rows = [(r.kind, r.from_key, r.to_key) for r in lineage(store)]
    out, todo = [key], [key]
    while todo:
        k = todo.pop()
        for kind, frm, to in rows:
            if kind == "merge" and to == k and frm not in out:
                out.append(frm)
                todo.append(frm)
    return out


@dataclass(frozen=True)
class SplitState:
    """A code split into others (``codes split``) and not yet settled by every coder: its parts,
    and the codebook versions recorded here in which it is no longer codable.  A coding of it is
    **pending** (in its coder's re-check queue) unless it is pinned to one of those versions,
    i.e. its coder kept it after the split; recoding it to a part or removing it settles it too."""

    key: str
    parts: tuple[str, ...]
    settled_hashes: frozenset[str]


def is_split_pending(sp: SplitState, codebook_hash: str | None) -> bool:
    return codebook_hash is None or codebook_hash not in sp.settled_hashes


def pending_clause(code_id: int, sp: SplitState):
    """A WHERE clause on ``coding``: a coding of the split code ``code_id`` awaiting its coder."""
    c = Coding.__table__.c
    pinned = c.codebook_hash.is_(None)
    if sp.settled_hashes:
        pinned = or_(pinned, c.codebook_hash.not_in(sorted(sp.settled_hashes)))
    return and_(c.code_id == code_id, pinned)


def split_pending(store) -> dict[int, SplitState]:
    """code id -> its split, for every live code split into others (a lineage row of kind split)
    that is still not codable (a code made codable again by hand is no longer mid-split)."""
    from fieldcode.study.codebook_history import version_codes

    parts: dict[str, list[str]] = {}
    for r in lineage(store):
        if r.kind == "split" and r.to_key not in parts.setdefault(r.from_key, []):
            parts[r.from_key].append(r.to_key)
    if not parts:
        return {}
    codes = {c.key: c for c in store.codes() if c.key in parts and not c.codable}
    if not codes:
        return {}
    settled: dict[str, set[str]] = {k: set() for k in codes}
    for v in store.codebook_versions():
        vc = version_codes(v.yaml_text)
        for k in codes:
            if k in vc and not vc[k].fields.get("codable", True):
                settled[k].add(v.hash)
    return {c.id: SplitState(k, tuple(parts[k]), frozenset(settled[k])) for k, c in codes.items()}


def split_pending_counts(store, *, interview_ids: Sequence[int], coders: Sequence[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """split code key -> coder -> (codings of it still pending, codings of it and its parts), over
    the given interviews and coders: how far each coder has settled the split."""
    splits = split_pending(store)
    if not splits:
        return {}
    keys = {c.key: c.id for c in store.codes(include_retired=True)}
    c = Coding.__table__.c
    ivs, who = list(interview_ids), list(coders)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    with store.read() as s:
        for cid, sp in splits.items():
            family = [cid, *(keys[k] for k in sp.parts if k in keys)]
            base = (c.coder.in_(who), c.interview_id.in_(ivs))
            total = dict(s.exec(select(c.coder, func.count()).where(c.code_id.in_(family), *base)
                                .group_by(c.coder)).all())
            pend = dict(s.exec(select(c.coder, func.count()).where(pending_clause(cid, sp), *base)
                               .group_by(c.coder)).all())
            out[sp.key] = {w: (pend.get(w, 0), total.get(w, 0)) for w in who}
    return out

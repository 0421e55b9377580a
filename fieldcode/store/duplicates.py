"""Exact duplicate codings: the same coder coding the same span of the same interview with the
same code twice.  A duplicate would count twice in every table (co-occurrence, frequencies,
coverage), so the coding record refuses to store one; another coder's identical coding is not a
duplicate (that is agreement).  Databases written before the refusal may hold some: they are
found and reported (``duplicate_groups``), never changed here."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlmodel import Session

from fieldcode.errors import Conflict
from fieldcode.store.models import Code, Coding, Interview


def duplicate_query(interview_id: int, code_id: int, coder: str, start: int, end: int,
                    *, other_than: int | None = None) -> Select:
    """The query for :func:`duplicate_of` (a coding write asks it together with its other checks)."""
    q = select(Coding.id).where(Coding.interview_id == interview_id, Coding.code_id == code_id,
                                Coding.coder == coder, Coding.start == start, Coding.end == end)
    if other_than is not None:
        q = q.where(Coding.id != other_than)
    return q.order_by(Coding.id).limit(1)


def duplicate_of(s: Session, interview_id: int, code_id: int, coder: str, start: int, end: int,
                 *, other_than: int | None = None) -> int | None:
    """The id of ``coder``'s coding of exactly ``[start, end)`` with this code in this interview
    (other than ``other_than``), or None."""
    return s.exec(duplicate_query(interview_id, code_id, coder, start, end, other_than=other_than)).scalars().first()


def refuse_duplicate(s: Session, iv: Interview, c: Code, coder: str, start: int, end: int,
                     *, other_than: int | None = None) -> None:
    """Raise :class:`Conflict`, naming the existing coding, when ``coder`` already has this
    exact coding."""
    dup = duplicate_of(s, iv.id, c.id, coder, start, end, other_than=other_than)
    if dup is not None:
        raise Conflict(
            f"coder '{coder}' already coded [{start}, {end}) of interview '{iv.name}' as '{c.key}': "
            f"that is coding #{dup}. A second identical coding would count twice, so this one was not stored; "
            f"to give #{dup} a memo use 'fieldcode code memo {dup}', to change it 'fieldcode code change {dup}'")


def duplicate_groups(s: Session) -> list[tuple[int, ...]]:
    """Groups of codings that are exact duplicates (same coder, interview, code and span), each
    group's ids in order, groups ordered by their first id."""
    rows = s.exec(select(Coding.id, Coding.coder, Coding.interview_id, Coding.code_id, Coding.start,
                         Coding.end).order_by(Coding.id)).all()
    groups: dict[tuple, list[int]] = {}
    for cid, *key in rows:
        groups.setdefault(tuple(key), []).append(cid)
    return [tuple(ids) for ids in groups.values() if len(ids) > 1]

"""Read-only queries on the event log for code saturation: when each coder first coded each
interview (``q_first_coded``).  SQLAlchemy Core, one GROUP BY each."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from fieldcode.store.models import Coding, Event

_EVENT = Event.__table__
_CODING = Coding.__table__


def q_first_coded(store) -> dict[tuple[str, int], tuple[datetime, int]]:
    """(coder, interview id) -> (when, event id) the coder first coded the interview: the earliest
    event of a change to one of the coder's codings in it (add, update, remove, recode, merge,
    import...), by its time and then its number.  A coding with no event at all (made by a tool
    that wrote no log) counts from its ``created_at`` (event id 0)."""
    e = _EVENT.c
    out: dict[tuple[str, int], tuple[datetime, int]] = {}
    with store.engine.connect() as conn:
        q = (select(e.coder, e.interview_id, func.min(e.at))
             .where(e.coding_uid.is_not(None), e.interview_id.is_not(None))
             .group_by(e.coder, e.interview_id))
        firsts = {(c, i): at for c, i, at in conn.execute(q)}
        if firsts:
            q = (select(e.coder, e.interview_id, e.at, func.min(e.id))
                 .where(e.coding_uid.is_not(None), e.interview_id.is_not(None))
                 .group_by(e.coder, e.interview_id, e.at))
            for c, i, at, eid in conn.execute(q):
                if firsts.get((c, i)) == at:
                    out[(c, i)] = (_naive(at), int(eid))
        c = _CODING.c
        for coder, iid, at in conn.execute(select(c.coder, c.interview_id, func.min(c.created_at))
                                           .group_by(c.coder, c.interview_id)):
            if (coder, iid) not in out or _naive(at) < out[(coder, iid)][0]:
                out[(coder, iid)] = (_naive(at), 0)
    return out


def _naive(at: datetime) -> datetime:
    """Times compared as UTC without a zone (SQLite returns naive, PostgreSQL aware ones)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo is not None else at

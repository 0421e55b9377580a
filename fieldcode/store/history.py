"""Read-only queries on the event log for code saturation: when each coder first coded each
interview (``q_first_coded``).  SQLAlchemy Core, one GROUP BY each."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, func, select

from fieldcode.store.models import Coding, Event

_EVENT = Event.__table__
_CODING = Coding.__table__


def q_first_coded(store) -> dict[tuple[str, int], tuple[datetime, int]]:
    """(coder, interview id) -> (when, event id) the coder first coded the interview: the earliest
    event of a change to one of the coder's codings in it (add, update, remove, recode, merge,
    import...), by its time and then its number; or, when earlier, the recorded creation time of
    one of the coder's codings there (a coding brought in with its original date, or made by a
    tool that wrote no log; event id 0)."""
    e = _EVENT.c
    out: dict[tuple[str, int], tuple[datetime, int]] = {}
    with store.engine.connect() as conn:
        coded = (e.coding_uid.is_not(None), e.interview_id.is_not(None))
        first = (select(e.coder.label("coder"), e.interview_id.label("iid"), func.min(e.at).label("at"))
                 .where(*coded).group_by(e.coder, e.interview_id).subquery())
        q = (select(e.coder, e.interview_id, e.at, func.min(e.id))
             .join(first, and_(e.coder == first.c.coder, e.interview_id == first.c.iid, e.at == first.c.at))
             .where(*coded).group_by(e.coder, e.interview_id, e.at))
        for c, i, at, eid in conn.execute(q):
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

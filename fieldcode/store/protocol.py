"""The coding protocol's record: blinding ended, a coder unblinded, an interview handed in or
reopened, a coder's interview order seeded.  Part of the store (the only code that talks to the
database); ``fieldcode.protocol`` decides with what it reads here.

Each step is one row of the event log (``event``), ``state`` final (no undo reaches it), with
the actor in ``coder``, the interview (if any) in ``interview_id`` and the rest as JSON in
``detail`` (``for``: the coder it concerns; ``reason``; ``seed``).  The row's ``coding_uid``
holds a uid of its own, never a coding's: ``merge`` copies history by that uid, so hand-ins,
reopenings and unblindings travel to every copy with the codings (``team.merge`` copies the
events of a uid no coding has when they are all protocol steps).

A coding write checks the coder's hand-in inside its own transaction, after the interview's
lock (``check_open``), so a hand-in and a coding racing on one interview cannot both win.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlmodel import Session

from fieldcode.errors import FieldcodeError
from fieldcode.store.models import Coding, Event, new_uid

BLIND_END, UNBLIND, HANDIN, REOPEN, ORDER = "blind-end", "unblind", "handin", "reopen", "order-seed"
PROTOCOL_ACTIONS = (BLIND_END, UNBLIND, HANDIN, REOPEN, ORDER)


class Closed(FieldcodeError):
    """A coder's further coding on an interview they handed in."""

    exit_code = 4


@dataclass(frozen=True)
class BlindPolicy:
    """What the codebook says: is the study blind, and who leads it (not blind)."""

    on: bool = False
    lead: str = ""


@dataclass(frozen=True)
class Step:
    id: int
    at: datetime
    actor: str
    action: str
    interview_id: int | None
    target: str        # the coder it concerns ("" for blinding ended)
    reason: str
    seed: int | None


def _step(ev: Event) -> Step:
    d = json.loads(ev.detail) if ev.detail else {}
    return Step(ev.id, ev.at, ev.coder, ev.action, ev.interview_id, str(d.get("for", "")), str(d.get("reason", "")),
                d.get("seed"))


def steps_in(s: Session, *, actions: tuple[str, ...] = PROTOCOL_ACTIONS, interview_id: int | None = None) -> list[Step]:
    q = select(Event).where(Event.action.in_(actions))
    if interview_id is not None:
        q = q.where(Event.interview_id == interview_id)
    return [_step(ev) for ev in s.exec(q.order_by(Event.at, Event.id)).scalars()]


def steps(store, **kw) -> list[Step]:  # noqa: ANN001
    """Every protocol step, oldest first (read only)."""
    with store.read() as s:
        return steps_in(s, **kw)


def blind_in(s: Session, policy: BlindPolicy, coder: str | None) -> bool:
    """Is ``coder`` blind now: the study is blind, they are not its lead, blinding has not ended
    and they have not been unblinded."""
    if not policy.on or not coder or coder == policy.lead:
        return False
    for st in steps_in(s, actions=(BLIND_END, UNBLIND)):
        if st.action == BLIND_END or st.target == coder:
            return False
    return True


def is_blind(store, policy: BlindPolicy, coder: str | None) -> bool:  # noqa: ANN001
    with store.read() as s:
        return blind_in(s, policy, coder)


def handin_state(hs: list[Step], coder: str) -> Step | None:
    """The hand-in that closes an interview to ``coder`` now (its latest hand-in with no
    reopening after it), from that interview's steps in log order."""
    closed = None
    for st in hs:
        if st.target != coder:
            continue
        if st.action == HANDIN:
            closed = st
        elif st.action == REOPEN:
            closed = None
    return closed


def handin_steps_query(interview_id: int) -> Select:
    """How many hand-ins and reopenings the interview has had: a coding write asks this with its
    other checks and runs :func:`check_open` only when there are some."""
    return select(func.count()).select_from(Event).where(Event.action.in_((HANDIN, REOPEN)),
                                                         Event.interview_id == interview_id)


def check_open(s: Session, coder: str, interview_id: int, name: str) -> None:
    """Inside a coding write, after the interview's lock: refuse when ``coder`` handed it in."""
    st = handin_state(steps_in(s, actions=(HANDIN, REOPEN), interview_id=interview_id), coder)
    if st is not None:
        raise Closed(f"you ({coder}) handed in interview {name} on {st.at:%Y-%m-%d %H:%M} UTC; it is closed to "
                     f"your further coding. To code it again, reopen it with a reason ('fieldcode reopen {name} "
                     f"--reason TEXT'; the lead may reopen it for you with --for {coder}); nothing was changed")


def first_handins(store) -> dict[tuple[str, int], datetime]:  # noqa: ANN001
    """(coder, interview id) -> when that coder first handed the interview in."""
    out: dict[tuple[str, int], datetime] = {}
    for st in steps(store, actions=(HANDIN,)):
        out.setdefault((st.target, st.interview_id), st.at)
    return out


def record_step(store, actor: str, action: str, *, interview: str | int | None = None,  # noqa: ANN001
                detail: dict | None = None, check=None) -> Step:  # noqa: ANN001
    """Append one protocol step in its own transaction.  With ``interview``, its lock is taken
    first (so a coding write on it waits); ``check(session, interview_or_None)`` runs after the
    lock and may refuse (raise), writing nothing."""
    with store.write() as s:
        iv = store.lock_interview(s, interview) if interview is not None else None
        if check is not None:
            check(s, iv)
        ev = Event(coder=actor, action=action, coding_uid=new_uid(), interview_id=iv.id if iv else None,
                   state="final", detail=json.dumps(detail or {}, ensure_ascii=False))
        s.add(ev)
        s.flush()
        return _step(ev)


def blind_counts(store) -> dict[str, dict[str | None, int]]:  # noqa: ANN001
    """coder -> {True: codings made blind, False: made seeing, None: before the protocol}."""
    out: dict[str, dict[str | None, int]] = {}
    with store.read() as s:
        for coder, blind in s.exec(select(Coding.coder, Coding.blind)).all():
            d = out.setdefault(coder, {})
            d[blind] = d.get(blind, 0) + 1
    return out


def independent_clause():  # noqa: ANN201
    """The codings ``agreement --independent`` keeps, as a condition on the coding table: made
    blind (``blind`` true) and last changed before their coder's first hand-in of the interview
    (an interview not handed in has no finished independent pass yet)."""
    from sqlalchemy import and_, func, true

    first = (select(func.min(Event.at)).where(Event.action == HANDIN, Event.interview_id == Coding.interview_id,
                                              Event.coder == Coding.coder).scalar_subquery())
    return and_(Coding.blind == true(), Coding.updated_at < first)


def independence_counts(store, coders, interview_ids) -> dict[str, int]:  # noqa: ANN001
    """How the compared coders' codings in scope divide: kept, and left out because made seeing
    (blind false), blind unknown (made before the protocol), or made or changed after (or
    without) the coder's hand-in."""
    from sqlalchemy import func

    kept = independent_clause()
    q = select(func.count()).select_from(Coding).where(Coding.coder.in_(list(coders)),
                                                        Coding.interview_id.in_(list(interview_ids)))
    out = {}
    with store.read() as s:
        out["kept"] = s.exec(q.where(kept)).scalar_one()
        out["seeing"] = s.exec(q.where(Coding.blind == False)).scalar_one()  # noqa: E712
        out["unknown"] = s.exec(q.where(Coding.blind.is_(None))).scalar_one()
        # blind but not kept: the kept condition is NULL (not false) without a hand-in, so subtract
        out["after_handin"] = s.exec(q.where(Coding.blind == True)).scalar_one() - out["kept"]  # noqa: E712
    return out


def sidecar_protocol(store, study) -> dict:  # noqa: ANN001
    """The coding protocol as an export's sidecar records it: what was hidden from whom, every
    ending of blindness (who, when, why), hand-ins and reopenings per coder, and each coder's
    codings by whether they were made blind."""
    all_steps = steps(store)
    per: dict[str, dict[str, int]] = {}
    for st in all_steps:
        if st.action in (HANDIN, REOPEN):
            d = per.setdefault(st.target, {"handins": 0, "reopenings": 0})
            d["handins" if st.action == HANDIN else "reopenings"] += 1
    counts = {coder: {"made_blind": d.get(True, 0), "made_seeing": d.get(False, 0),
                      "unknown_made_before_recorded": d.get(None, 0)}
              for coder, d in sorted(blind_counts(store).items())}
    return {
        "blind_study": bool(study.blind or study.blind_terms),
        "hidden_attributes": list(study.blind),
        "blind_terms": len(study.blind_terms),
        "lead": study.lead or None,
        "unblinding": [{"at": st.at.isoformat(timespec="seconds"), "by": st.actor,
                        "what": "blinding ended" if st.action == BLIND_END else f"unblinded {st.target}",
                        "why": st.reason} for st in all_steps if st.action in (BLIND_END, UNBLIND)],
        "handins_per_coder": per,
        "codings_by_blindness": counts,
    }

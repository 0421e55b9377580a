"""The database side of the consensus review (``fieldcode.team.consensus``): a consensus coder's
decisions on two coders' disagreements, each written in one transaction with the codings it
creates.

Each write is serialised on its interviews like every coding write (``fieldcode.store.record``):
it locks them (id order) first, and a decision planned on a text that a re-import has changed
since (``expect_shas``) is refused with :class:`~fieldcode.errors.TextChanged`, nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from fieldcode import text as textmod
from fieldcode.errors import InvalidInput
from fieldcode.store.models import Code, Coding, Event, Interview
from fieldcode.store.pins import pins_for
from fieldcode.store.record import QUOTE_PREFIX_LEN as QP
from fieldcode.store.record import coding_snapshot


def q_consensus_decisions(store, coder: str) -> list[dict]:
    """The ``detail`` of every consensus decision event of ``coder``, in log order."""
    e = Event.__table__.c
    with store.engine.connect() as conn:
        return [json.loads(d) for d in conn.execute(
            select(e.detail).where(e.coder == coder, e.action == "consensus", e.coding_uid.is_(None))
            .order_by(e.id)).scalars() if d]


def q_interview_shas(store) -> dict[int, str]:
    """interview id -> the version (SHA-256) of its stored text: what a review's offsets count in."""
    iv = Interview.__table__.c
    with store.engine.connect() as conn:
        return dict(conn.execute(select(iv.id, iv.sha256)).all())


def write_consensus(store, *, coder: str, rows: Sequence[dict], decision: dict,
                    expect_shas: Mapping[int, str] | None = None) -> int:
    """ONE transaction: the consensus coder's new codings (dicts with interview_id, code_id,
    start, end, memo and ``sources``, the uids they come from), each with an event
    ``consensus`` whose detail names its sources, and the decision event itself (no coding:
    ``detail`` = ``decision``).  ``expect_shas``: interview id -> the text version (SHA-256) the
    rows' offsets were planned in; a text re-imported since refuses the whole decision
    (:class:`TextChanged`).  Returns the number of codings written."""
    with store.write() as s:
        iids = {r["interview_id"] for r in rows}
        if decision.get("interview_id") is not None:
            iids.add(decision["interview_id"])
        store.lock_interviews(s, iids, expect_shas, why=(
            "interview '{name}' was re-imported (its text changed) after this review read it, so its "
            "passages no longer count in the same text; nothing was written. The review must read the new "
            "text (the review screen does so itself; decisions already made are kept), then decide again."))
        for r in rows:
            iv = s.get(Interview, r["interview_id"])
            if iv is None or not (0 <= r["start"] < r["end"] <= iv.n_chars):
                raise InvalidInput(f"consensus coding [{r['start']}, {r['end']}) does not fit its interview")
            q = iv.text[r["start"]:r["end"]]
            row = Coding(interview_id=iv.id, code_id=r["code_id"], coder=coder, start=r["start"], end=r["end"],
                         memo=r.get("memo") or "", quote_prefix=q[:QP], quote_sha256=textmod.sha256(q),
                         **pins_for(s, s.get(Code, r["code_id"])))   # decided under the definitions now
            s.add(row)
            s.flush()
            s.add(Event(coder=coder, action="consensus", coding_id=row.id, coding_uid=row.uid,
                        interview_id=iv.id, after=json.dumps(coding_snapshot(row, iv.sha256)),
                        detail=json.dumps({"sources": list(r["sources"]), "decision": decision.get("decision")}),
                        state="final"))
        s.add(Event(coder=coder, action="consensus", interview_id=decision.get("interview_id"),
                    detail=json.dumps(decision, ensure_ascii=False), state="final"))
    return len(rows)

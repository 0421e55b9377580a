"""The database side of the consensus review (``fieldcode.team.consensus``): a consensus coder's
decisions on two coders' disagreements, each written in one transaction with the codings it
creates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select

from fieldcode import text as textmod
from fieldcode.errors import InvalidInput
from fieldcode.store.models import Coding, Event, Interview
from fieldcode.store.record import QUOTE_PREFIX_LEN as QP
from fieldcode.store.record import coding_snapshot


def q_consensus_decisions(store, coder: str) -> list[dict]:
    """The ``detail`` of every consensus decision event of ``coder``, in log order."""
    e = Event.__table__.c
    with store.engine.connect() as conn:
        return [json.loads(d) for d in conn.execute(
            select(e.detail).where(e.coder == coder, e.action == "consensus", e.coding_uid.is_(None))
            .order_by(e.id)).scalars() if d]


def write_consensus(store, *, coder: str, rows: Sequence[dict], decision: dict) -> int:
    """ONE transaction: the consensus coder's new codings (dicts with interview_id, code_id,
    start, end, memo and ``sources``, the uids they come from), each with an event
    ``consensus`` whose detail names its sources, and the decision event itself (no coding:
    ``detail`` = ``decision``).  Returns the number of codings written."""
    with store.write() as s:
        for r in rows:
            iv = s.get(Interview, r["interview_id"])
            if iv is None or not (0 <= r["start"] < r["end"] <= iv.n_chars):
                raise InvalidInput(f"consensus coding [{r['start']}, {r['end']}) does not fit its interview")
            q = iv.text[r["start"]:r["end"]]
            row = Coding(interview_id=iv.id, code_id=r["code_id"], coder=coder, start=r["start"], end=r["end"],
                         memo=r.get("memo") or "", quote_prefix=q[:QP], quote_sha256=textmod.sha256(q))
            s.add(row)
            s.flush()
            s.add(Event(coder=coder, action="consensus", coding_id=row.id, coding_uid=row.uid,
                        interview_id=iv.id, after=json.dumps(coding_snapshot(row, iv.sha256)),
                        detail=json.dumps({"sources": list(r["sources"]), "decision": decision.get("decision")}),
                        state="final"))
        s.add(Event(coder=coder, action="consensus", interview_id=decision.get("interview_id"),
                    detail=json.dumps(decision, ensure_ascii=False), state="final"))
    return len(rows)

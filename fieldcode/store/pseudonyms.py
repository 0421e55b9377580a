"""Pseudonymisation decisions in the database: events, never originals.

Every decision on the pseudonym key (a scan, accept, reject, add) is appended to the event log
(``event`` rows, ``state`` final so no undo reaches them) with who and when, and in ``detail``
the key entry's id (an HMAC under the key's own secret, see ``fieldcode.privacy.key``), its
category and pseudonym: never the original text, so the database can be shared without the key.

Why events and no table of their own: the key file (``pseudonyms.key.yaml``) already holds the
current state of every entry beside its original, which exports need anyway; the database
keeps the audit trail (who decided what, when; two coders' decisions both kept), which is what
the event log is for, and it needs no schema change.  Actions: ``pn-scan``, ``pn-accept``,
``pn-reject``, ``pn-add``, and ``pn-merge`` (a merge settling two copies' conflicting decisions,
or relabelling a clashing pseudonym; ``detail`` has the state kept) (``event.action`` holds 16
characters).

``merge`` carries them with :func:`carry_decisions` (another copy's decisions that this copy
lacks, matched on time, coder, action and detail, so carrying twice adds nothing);
``fieldcode.privacy.merging`` applies them to the key file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from fieldcode.store.models import Event

ACTIONS = ("pn-scan", "pn-accept", "pn-reject", "pn-add", "pn-merge")
DECIDING = ("pn-accept", "pn-reject", "pn-add", "pn-merge")     # those that set an entry's state


@dataclass(frozen=True)
class Decision:
    id: int
    at: datetime
    coder: str
    action: str
    detail: dict


def log_decisions(store, coder: str, decisions: Iterable[tuple[str, dict]]) -> list[int]:
    """Append ``(action, detail)`` decisions by ``coder`` in ONE transaction; their event ids.
    ``detail`` must not carry original text: entry ids, categories, pseudonyms, counts."""
    rows = []
    with store.write() as s:
        for action, detail in decisions:
            if action not in ACTIONS:
                raise ValueError(f"not a pseudonym action: {action}")
            ev = Event(coder=coder, action=action, state="final", detail=json.dumps(detail, sort_keys=True))
            s.add(ev)
            rows.append(ev)
        s.flush()
        return [ev.id for ev in rows]


def q_decisions(store, *, entry: str | None = None) -> list[Decision]:
    """Every pseudonym decision, oldest first (those on one key entry with ``entry``)."""
    e = Event.__table__.c
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(select(e.id, e.at, e.coder, e.action, e.detail)
                              .where(e.action.in_(ACTIONS)).order_by(e.id)):
            d = json.loads(r.detail or "{}")
            if entry is None or d.get("entry") == entry:
                out.append(Decision(r.id, r.at, r.coder, r.action, d))
    return out


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None) if at.tzinfo is None else at.astimezone(timezone.utc).replace(tzinfo=None)


def carry_decisions(store, theirs: Iterable[Decision]) -> int:
    """Append another copy's decisions (``q_decisions`` of it) that this copy has not got, with
    their own time and coder, in ONE transaction; how many were added."""
    mine = {(_naive(d.at), d.coder, d.action, json.dumps(d.detail, sort_keys=True)) for d in q_decisions(store)}
    new = [d for d in theirs if (_naive(d.at), d.coder, d.action, json.dumps(d.detail, sort_keys=True)) not in mine]
    if not new:
        return 0
    with store.write() as s:
        for d in sorted(new, key=lambda d: _naive(d.at)):
            s.add(Event(at=d.at, coder=d.coder, action=d.action, state="final",
                        detail=json.dumps(d.detail, sort_keys=True)))
    return len(new)


def state_of(d: Decision) -> str:
    """The state a deciding event leaves its entry in: accepted or rejected."""
    if d.action == "pn-reject":
        return "rejected"
    if d.action == "pn-merge":
        return str(d.detail.get("state") or "accepted")
    return "accepted"


def last_by_entry(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """Each key entry's last deciding event (by time; the log's order breaks ties)."""
    out: dict[str, Decision] = {}
    for d in sorted((d for d in decisions if d.action in DECIDING and d.detail.get("entry")),
                    key=lambda d: _naive(d.at)):
        out[d.detail["entry"]] = d
    return out

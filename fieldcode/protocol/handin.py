"""Independent passes: a coder hands an interview in, after which it is closed to their further
coding (every coding write checks it: ``store.protocol.check_open``) until it is reopened.
Both are steps of the event log with who, when and (for a reopening) why; they travel with
``merge``.  While a coder is blind they see only their own codings on an interview.

Who may reopen: the coder themself or the study's lead, always with a reason; codings made
after an interview's first hand-in are not independent, and ``agreement --independent`` leaves
them out whoever reopened it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldcode.errors import Conflict, InvalidInput
from fieldcode.store import protocol as sp


@dataclass(frozen=True)
class HandinRow:
    interview_id: int
    name: str            # as the coder sees it (a label when blind)
    closed: bool
    handed_in: datetime | None     # the latest hand-in in force, if closed
    reopened: int                  # how many times it was reopened for this coder


def shown(project, name: str) -> str:  # noqa: ANN001
    return project.store.interview_labels.get(name, name)


def handin(project, interview: str) -> sp.Step:  # noqa: ANN001
    """Hand ``interview`` in for the project's coder: closed to their further coding."""
    who = project.require_coder()

    def check(s, iv) -> None:  # noqa: ANN001
        if sp.handin_state(sp.steps_in(s, actions=(sp.HANDIN, sp.REOPEN), interview_id=iv.id), who) is not None:
            raise Conflict(f"you ({who}) have already handed in interview {shown(project, iv.name)}; nothing changed")

    return sp.record_step(project.store, who, sp.HANDIN, interview=interview, detail={"for": who}, check=check)


def reopen(project, interview: str, coder: str | None, reason: str) -> sp.Step:  # noqa: ANN001
    """Reopen ``interview`` for ``coder`` (default: the project's coder).  Only that coder or
    the study's lead may; a reason is required."""
    who = project.require_coder()
    target = coder or who
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("reopening an interview needs --reason TEXT: it is kept in the event log")
    lead = project.study.lead
    if target != who and who != lead:
        raise InvalidInput(f"only {target} or the study's lead ({lead or 'none named in codebook.yaml'}) may reopen "
                           f"an interview {target} handed in; nothing changed")

    def check(s, iv) -> None:  # noqa: ANN001
        if sp.handin_state(sp.steps_in(s, actions=(sp.HANDIN, sp.REOPEN), interview_id=iv.id), target) is None:
            raise Conflict(f"{target} has not handed in interview {shown(project, iv.name)} (or it is open "
                           "already); nothing changed")

    return sp.record_step(project.store, who, sp.REOPEN, interview=interview,
                          detail={"for": target, "reason": reason}, check=check)


def handins(project, coder: str | None = None) -> list[HandinRow]:  # noqa: ANN001
    """Every interview with its hand-in state for ``coder`` (default: the project's coder)."""
    who = coder or project.require_coder()
    by_iv: dict[int, list[sp.Step]] = {}
    for st in sp.steps(project.store, actions=(sp.HANDIN, sp.REOPEN)):
        by_iv.setdefault(st.interview_id, []).append(st)
    rows = []
    for info in project.store.interview_infos():
        hs = by_iv.get(info.id, [])
        closed = sp.handin_state(hs, who)
        rows.append(HandinRow(info.id, shown(project, info.name), closed is not None,
                              closed.at if closed else None,
                              sum(1 for st in hs if st.action == sp.REOPEN and st.target == who)))
    return rows


def closed_ids(project, coder: str | None = None) -> set[int]:  # noqa: ANN001
    return {r.interview_id for r in handins(project, coder) if r.closed}

"""Each coder's interview order: shuffled per coder with a seed recorded in the event log the
first time the coder asks for their next interview (``fieldcode next``), so the order can be
told and checked later.  The order sorts interviews by a hash of the seed and the interview's
name: an interview imported later takes its place without moving the others.
"""

from __future__ import annotations

import hashlib
import secrets

from fieldcode.protocol.handin import closed_ids
from fieldcode.store import protocol as sp


def seed_of(project, coder: str) -> int | None:  # noqa: ANN001
    """The coder's recorded seed (the first, should two copies have recorded one each)."""
    for st in sp.steps(project.store, actions=(sp.ORDER,)):
        if st.target == coder and st.seed is not None:
            return int(st.seed)
    return None


def ensure_seed(project, coder: str) -> int:  # noqa: ANN001
    """The coder's seed, drawn and recorded now if they have none."""
    seed = seed_of(project, coder)
    if seed is None:
        seed = secrets.randbits(32)
        sp.record_step(project.store, project.require_coder(), sp.ORDER, detail={"for": coder, "seed": seed})
        seed = seed_of(project, coder)
    return seed


def ordered(names: list[str], seed: int) -> list[str]:
    """``names`` in the order ``seed`` gives (sha256 of the seed and the name)."""
    return sorted(names, key=lambda n: (hashlib.sha256(f"{seed}\0{n}".encode()).hexdigest(), n))


def coder_order(project, coder: str, seed: int) -> list[tuple[int, str]]:  # noqa: ANN001
    """(interview id, name) in the coder's order."""
    infos = {i.name: i.id for i in project.store.interview_infos()}
    return [(infos[n], n) for n in ordered(list(infos), seed)]


def next_interview(project, coder: str | None = None) -> tuple[int, str, int, int] | None:  # noqa: ANN001
    """The coder's next interview not handed in: (id, name, its place 1-based, how many), or None."""
    who = coder or project.require_coder()
    seed = ensure_seed(project, who)
    order = coder_order(project, who, seed)
    closed = closed_ids(project, who)
    for i, (iid, name) in enumerate(order, 1):
        if iid not in closed:
            return iid, name, i, len(order)
    return None

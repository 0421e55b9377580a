"""What a re-import does to an interview's codings: the plan (:class:`Reanchor`) made by aligning
the old text with the new, and each coding's :class:`Move` in it.  The coding record
(:mod:`fieldcode.store.record`) makes the plan, checks it again under the interview's lock and
writes it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fieldcode.ingest import align


@dataclass(frozen=True)
class Move:
    """One coding in a re-import: its old span and text, and its new ones (None: lost)."""
    coding_id: int
    coder: str
    old_start: int
    old_end: int
    old_text: str
    new_start: int | None
    new_end: int | None
    new_text: str

    @property
    def changed(self) -> bool:
        return (self.old_start, self.old_end, self.old_text) != (self.new_start, self.new_end, self.new_text)


@dataclass
class Reanchor:
    """What a re-import will do to an interview's codings.  ``lost`` holds the codings the user
    accepted to lose (moved there from ``unplaced`` by ``accept_losses``)."""
    old_sha256: str
    kept: list
    moved: dict[int, tuple[int, int]] = field(default_factory=dict)
    changes: list[Move] = field(default_factory=list)
    unplaced: list[Move] = field(default_factory=list)
    lost: dict[int, Move] = field(default_factory=dict)
    # the codings the plan was made from: id -> (coder, start, end)
    planned: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    # True: the import may move codings a coder added or changed after planning (--reanchor);
    # False: any such coding found at write refuses the import
    may_move: bool = False
    # codings added, changed or removed by their coders after planning (planned again at write)
    replanned: list[int] = field(default_factory=list)

    def place(self, rows: Iterable[tuple[int, str, int, int]], old_text: str, new_text: str) -> None:
        """Map each coding ``(id, coder, start, end)`` through the alignment."""
        for cid, coder, st, en in rows:
            self.planned[cid] = (coder, st, en)
            span = align.map_span(self.kept, st, en, len(new_text))
            if span is None:
                self.unplaced.append(Move(cid, coder, st, en, old_text[st:en], None, None, ""))
                continue
            mv = Move(cid, coder, st, en, old_text[st:en], span[0], span[1], new_text[span[0]:span[1]])
            self.moved[cid] = span
            if mv.changed:
                self.changes.append(mv)

    def accept_losses(self) -> None:
        self.lost.update({m.coding_id: m for m in self.unplaced})
        self.unplaced = []

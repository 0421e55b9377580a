"""A coder's decisions on their re-check queue (``fieldcode.store.pins``): a coding made under a
definition of its code that has changed since is **kept** under the new definition, **recoded**
or **removed**.  Mixed into ``Store`` (it uses the coding record's lock, ownership check and
event log), so each decision is one committed transaction with its event, undone and redone
like any other change of the coder's (and, like them, refused on an interview the coder handed
in: ``fieldcode.store.protocol``):

* keep: an ``update`` event whose snapshots differ only in the pins (``before`` has the old
  definition's, ``after`` the current one's); its undo puts the coding back in the queue;
* recode: an ``update`` event (the code changes, and with it the pins);
* remove: a ``remove`` event.

Each event's ``detail`` says ``{"recheck": "keep" | "recode" | "remove", "code": key,
"from_definition": hash, "to_definition": hash}``, so the audit trail shows which changes were
re-check decisions.  A coding not in the queue (pins unknown, or already current) is refused:
there is nothing to decide.

A code split into others (``codes split``) puts each of its codings in its coder's queue whatever
its definition pins (``fieldcode.store.pins.split_pending``): recode chooses a part, keep leaves
it on the old code (pinned to the codebook after the split, which settles it), remove drops it.
"""

from __future__ import annotations

from sqlmodel import Session

from fieldcode.errors import Conflict, InvalidInput
from fieldcode.store.models import Code, Coding
from fieldcode.store.pins import is_split_pending, pins_for, split_pending
from fieldcode.store.protocol import blind_in
from fieldcode.store.record import coding_snapshot
from fieldcode.study.codebook_history import code_definition_hash


def _queued(s: Session, row: Coding, splits: dict | None = None) -> tuple[Code, str]:
    """The coding's code and its definition hash now; refused when the coding is not queued
    (``splits``: ``split_pending``'s answer, so a split code's unsettled codings count as queued)."""
    code = s.get(Code, row.code_id)
    now = code_definition_hash(code)
    sp = (splits or {}).get(row.code_id)
    if sp is not None and is_split_pending(sp, row.codebook_hash):
        return code, now
    if row.definition_hash is None:
        raise InvalidInput(f"coding #{row.id} has no recorded definition (made before fieldcode recorded "
                           "them), so it is not in the re-check queue; 'fieldcode recheck' lists the queue")
    if row.definition_hash == now:
        raise Conflict(f"coding #{row.id} is already under the current definition of '{code.key}'; "
                       "nothing to re-check")
    return code, now


class RecheckRecord:
    """Re-check decisions, mixed into ``Store`` beside ``CodingRecord``."""

    def _confirm(self, s: Session, row: Coding, code: Code, coder: str) -> None:
        """Pin ``row`` to ``code``'s definition now; a coding made blind and confirmed after its
        coder was unblinded is no longer one made blind (as ``update_coding`` rules)."""
        for k, v in pins_for(s, code).items():
            setattr(row, k, v)
        if row.blind and not blind_in(s, self.blind_policy, coder):
            row.blind = False
        s.flush()

    def recheck_keep(self, coding_id: int, coder: str) -> Coding:
        """Keep one of ``coder``'s queued codings under its code's current definition (a split
        code's coding: on the old code, pinned to the codebook after the split)."""
        splits = split_pending(self)
        with self.write() as s:
            iv = self._lock_coding(s, coding_id, None)
            row = self._own(s, coding_id, coder)
            self.protocol_check(s, coder, iv)     # an interview the coder handed in is closed to them
            code, now = _queued(s, row, splits)
            before = coding_snapshot(row, iv.sha256)
            self._confirm(s, row, code, coder)
            self._log(s, coder, "update", row, before, coding_snapshot(row, iv.sha256),
                      detail={"recheck": "keep", "code": code.key, "from_definition": before["definition_hash"],
                              "to_definition": now})
            return row

    def recheck_recode(self, coding_id: int, coder: str, code: str | int) -> Coding:
        """Recode one of ``coder``'s queued codings (to another code, or to the same one, which
        then counts as coded again under its definition now); a split code's coding is recoded to
        one of its parts."""
        splits = split_pending(self)
        with self.read() as s:
            row = self._own(s, coding_id, coder)
            old, now = _queued(s, row, splits)
            target = self.code_in(s, code)
            before_def = row.definition_hash
        detail = {"recheck": "recode", "code": old.key, "to_code": target.key, "from_definition": before_def,
                  "to_definition": now}
        if target.id == old.id:
            with self.write() as s:   # the same code: a keep, recorded as a recode decision
                iv = self._lock_coding(s, coding_id, None)
                row = self._own(s, coding_id, coder)
                self.protocol_check(s, coder, iv)
                _queued(s, row, splits)
                before = coding_snapshot(row, iv.sha256)
                self._confirm(s, row, target, coder)
                self._log(s, coder, "update", row, before, coding_snapshot(row, iv.sha256), detail=detail)
                return row
        return self.update_coding(coding_id, coder, code=target.id, detail=detail)

    def recheck_remove(self, coding_id: int, coder: str) -> Coding:
        """Remove one of ``coder``'s queued codings: it is no instance of the code as now defined."""
        splits = split_pending(self)
        with self.read() as s:
            row = self._own(s, coding_id, coder)
            code, now = _queued(s, row, splits)
            detail = {"recheck": "remove", "code": code.key, "from_definition": row.definition_hash,
                      "to_definition": now}
        return self.remove_coding(coding_id, coder, detail=detail)

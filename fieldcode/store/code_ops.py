"""Code management in the database: the codebook stamp the screens poll, merging one code into
another, and changing a code's key.

Merge and rekey change the database and codebook.yaml together: the file is replaced inside the
database transaction (``on_commit``) and put back (``on_abort``) if the transaction then fails,
so codings never end up under a retired twin.

A merge recodes codings in many interviews: like every coding write (``fieldcode.store.record``)
it locks each of them (id order) before it reads the codings it changes, so on PostgreSQL it
cannot interleave with a re-import moving them (its events record the spans and text versions
the codings have once the re-import is done).  A rekey changes no coding (only the code row's
key), so it takes no interview lock.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select, update
from sqlmodel import Session

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.store.models import Code, Coding, CodebookVersion, Event, Interview, Memo, utcnow
from fieldcode.store.record import coding_snapshot
from fieldcode.store.pins import record_lineage


def codebook_stamp(store) -> int:
    """Id of the newest codebook version (0 when none): a cheap probe for "did another screen
    change the codes?" (every new, renamed, recoloured, moved, merged or rekeyed code is a new
    version)."""
    with store.read() as s:
        return s.exec(select(func.max(CodebookVersion.id))).scalar_one() or 0


def _file_change(s: Session, on_commit, on_abort):  # noqa: ANN001, ANN202
    """Write the file as the last step of the transaction ``s`` belongs to."""
    s.flush()
    if on_commit is not None:
        on_commit()
    return on_abort


def merge_codes(store, source: str, target: str, *, by: str, on_commit=None, on_abort=None) -> int:  # noqa: ANN001
    """Move every coder's codings of code ``source`` to ``target`` in one transaction, one
    ``recode`` event each (by ``by``, detail naming the merge); a coding identical to one the same
    coder already has of ``target`` (same interview and span) is removed instead, its event naming
    the duplicate.  Memos on ``source`` and its child codes move to ``target``; ``source`` is
    retired.  Returns the number of codings moved or folded into a duplicate."""
    abort = None
    try:
        with store.write() as s:
            src, tgt = store.code_in(s, source), store.code_in(s, target)
            if src.id == tgt.id:
                raise InvalidInput(f"cannot merge code '{src.key}' into itself")
            detail = {"merge": {"from": src.key, "into": tgt.key, "from_name": src.name, "into_name": tgt.name}}
            _lock_interviews_of(store, s, src.id)
            rows = list(s.exec(select(Coding).where(Coding.code_id == src.id).order_by(Coding.id)
                               .execution_options(populate_existing=True)).scalars())
            shas = {iid: sha for iid, sha in s.exec(
                select(Interview.id, Interview.sha256).where(Interview.id.in_({r.interview_id for r in rows}))).all()}
            now = utcnow()
            for row in rows:
                before = coding_snapshot(row, shas[row.interview_id])
                dup = s.exec(select(Coding).where(
                    Coding.code_id == tgt.id, Coding.interview_id == row.interview_id, Coding.coder == row.coder,
                    Coding.start == row.start, Coding.end == row.end)).scalars().first()
                if dup is not None:
                    s.delete(row)
                    after, extra = None, {"duplicate_of": dup.uid, "memo_dropped": row.memo or None}
                    if row.memo and not dup.memo:
                        dup.memo, dup.updated_at = row.memo, now
                        extra["memo_dropped"] = None
                else:
                    row.code_id, row.updated_at = tgt.id, now
                    after, extra = coding_snapshot(row, shas[row.interview_id]), {}
                s.add(Event(coder=by, action="recode", coding_id=row.id, coding_uid=row.uid,
                            interview_id=row.interview_id, before=json.dumps(before),
                            after=json.dumps(after) if after else None, state="final",
                            detail=json.dumps({**detail, **{k: v for k, v in extra.items() if v}}, ensure_ascii=False)))
            s.exec(update(Memo).where(Memo.code_id == src.id).values(code_id=tgt.id))
            s.exec(update(Code).where(Code.parent_id == src.id).values(parent_id=tgt.id))
            src.retired_at = now
            src.hotkey = None
            record_lineage(s, "merge", src.key, tgt.key, by)   # its codings keep their pins: re-checked
            abort = _file_change(s, on_commit, on_abort)
    except BaseException:
        if abort is not None:
            abort()
        raise
    return len(rows)


def _lock_interviews_of(store, s: Session, code_id: int) -> None:  # noqa: ANN001
    """Lock every interview holding a coding of ``code_id``; again when a coder put one in another
    interview while the locks were being taken (each round locks a superset, in id order)."""
    locked: set[int] = set()
    while True:
        iids = set(s.exec(select(Coding.interview_id).where(Coding.code_id == code_id).distinct()).scalars())
        if iids <= locked:
            return
        locked |= iids
        store.lock_interviews(s, locked)


def rekey_code(store, old: str, new: str, *, by: str, on_commit=None, on_abort=None) -> None:  # noqa: ANN001
    """Rename code key ``old`` to ``new`` in place (its codings, memos and children keep pointing
    at the same code row), with a ``rekey`` event naming both keys."""
    abort = None
    try:
        with store.write() as s:
            c = s.exec(select(Code).where(Code.key == old)).scalars().first()
            if c is None:
                raise NotFound(f"no code with key '{old}' in the database")
            clash = s.exec(select(Code).where(Code.key == new)).scalars().first()
            if clash is not None:
                state = "a retired code" if clash.retired_at is not None else "another code"
                raise Conflict(f"key '{new}' already belongs to {state} ('{clash.name}') in the database; "
                               "choose another key (a key is never reused, so old codings never change meaning)")
            c.key = new
            s.add(Event(coder=by, action="rekey", state="final",
                        detail=json.dumps({"rekey": {"from": old, "to": new, "code_id": c.id}})))
            abort = _file_change(s, on_commit, on_abort)
    except BaseException:
        if abort is not None:
            abort()
        raise


def split_code(store, source: str, parts: list[str], *, by: str, on_commit=None, on_abort=None) -> int:  # noqa: ANN001
    """Record that code ``source`` was split into the codes ``parts`` (keys; already synced from
    codebook.yaml, or synced by the caller after ``on_commit``): one lineage row per part (kind
    ``split``) and one ``split`` event naming them, in one transaction.  No coding changes here:
    every coding of ``source`` stays where it is and enters its own coder's re-check queue
    (``fieldcode.store.pins.split_pending``) until that coder recodes it to a part, keeps it
    or removes it.  Returns the number of codings of ``source`` now awaiting their coders."""
    abort = None
    try:
        with store.write() as s:
            src = store.code_in(s, source)
            if not parts:
                raise InvalidInput(f"split '{src.key}' into at least one new code")
            if src.key in parts:
                raise InvalidInput(f"cannot split code '{src.key}' into itself")
            n = s.exec(select(func.count()).select_from(Coding).where(Coding.code_id == src.id)).scalar_one()
            for key in parts:
                record_lineage(s, "split", src.key, key, by)
            s.add(Event(coder=by, action="split", state="final", detail=json.dumps(
                {"split": {"code": src.key, "name": src.name, "into": list(parts), "codings": n}}, ensure_ascii=False)))
            abort = _file_change(s, on_commit, on_abort)
    except BaseException:
        if abort is not None:
            abort()
        raise
    return n

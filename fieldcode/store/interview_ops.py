"""Renaming, removing and restoring an interview (``fieldcode interviews rename|remove|restore``).

Each is one transaction (all or nothing) that appends to the event log:

* ``iv-rename``: the old and new name and source path.  Codings point at the interview's id, so
  they stay where they are.
* ``iv-remove``: the whole interview in its ``detail`` (its row, attributes, turns, sentences,
  text changes, memos and suggestions), followed by one ``remove`` event per coding (every
  coder's), each with the coding in ``before`` and a ``detail`` naming the interview it went
  with.  Nothing is lost: :func:`restore_interview` puts all of it back.
* ``iv-restore``: points at the removal it undid (``target_id``); each coding brought back has
  an ``add`` event.

These events are ``final``: a coder's ``undo`` never replays them one coding at a time (an
undo of an earlier change to a coding that went with its interview is refused, naming the
removal).  The search index of a removed interview goes with it; a restored interview is
indexed again by the first search that needs it (``search_index.unindexed``).
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Table, delete, insert, select, update
from sqlmodel import Session, SQLModel

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.store.models import (
    Coding,
    Event,
    Interview,
    Memo,
    MemoDeletion,
    WordIndex,
    WordIndexState,
    utcnow,
)
from fieldcode.store.record import coding_snapshot

RENAME, REMOVE, RESTORE = "iv-rename", "iv-remove", "iv-restore"

# Codings are logged one event each; the search index is rebuilt by the first search.
_NOT_PARTS = {Coding.__tablename__, WordIndex.__tablename__, WordIndexState.__tablename__}


def _parts() -> list[tuple[Table, bool]]:
    """Every table whose rows belong to an interview (a foreign key to it) and come back with it,
    parents first; ``keep_id``: tables whose ids are never reissued (AUTOINCREMENT / a sequence)
    keep them, the others get new ones."""
    out = []
    for t in SQLModel.metadata.sorted_tables:
        if t.name in _NOT_PARTS or t.name == Interview.__tablename__ or "interview_id" not in t.c:
            continue
        if any(fk.column.table.name == Interview.__tablename__ for fk in t.c.interview_id.foreign_keys):
            out.append((t, bool(t.dialect_options["sqlite"].get("autoincrement"))))
    return out


@dataclass(frozen=True)
class Removal:
    """What a removal took away (or a restore brought back)."""

    name: str
    event_id: int
    codings_by_coder: dict[str, int]
    memos: int

    @property
    def n_codings(self) -> int:
        return sum(self.codings_by_coder.values())


def describe_counts(by_coder: dict[str, int]) -> str:
    """``12 codings by ana, 7 by ben`` (coders in name order)."""
    parts = [f"{n} by {c}" for c, n in sorted(by_coder.items())]
    if not parts:
        return "no codings"
    total = sum(by_coder.values())
    head = f"{total} coding{'s' if total != 1 else ''}"
    return f"{head} ({', '.join(parts)})"


def interview_sources(store) -> list[tuple[int, str, str, str]]:  # noqa: ANN001
    """``(id, name, source_path, sha256)`` of every interview, by name (no texts read)."""
    with store.read() as s:
        return [tuple(r) for r in s.exec(select(Interview.id, Interview.name, Interview.source_path,
                                                Interview.sha256).order_by(Interview.name)).all()]


def interview_files(store) -> list[tuple[int, str, str, datetime]]:  # noqa: ANN001
    """``(id, name, source_path, updated_at)`` of every interview (no texts read)."""
    with store.read() as s:
        return [tuple(r) for r in s.exec(select(Interview.id, Interview.name, Interview.source_path,
                                                Interview.updated_at).order_by(Interview.name)).all()]


def codings_by_coder(store, ref: str | int) -> tuple[str, dict[str, int], int]:  # noqa: ANN001
    """An interview's name, its codings per coder and its number of memos."""
    with store.read() as s:
        iv = store.interview_in(s, ref)
        by = Counter(s.exec(select(Coding.coder).where(Coding.interview_id == iv.id)).scalars())
        n_memos = len(s.exec(select(Memo.id).where(Memo.interview_id == iv.id)).all())
    return iv.name, dict(by), n_memos


def rename_interview(store, ref: str | int, new_name: str, *, coder: str,  # noqa: ANN001
                     source_path: str | None = None, why: str = "command") -> tuple[str, str, str, str]:
    """Give interview ``ref`` the name ``new_name`` (and, if given, the source path), logged as
    an ``iv-rename`` event.  Returns ``(old name, new name, old source, new source)``."""
    new_name = new_name.strip()
    if not new_name or len(new_name) > 255:
        raise InvalidInput("the new name must be 1 to 255 characters (the interview's file name)")
    with store.write() as s:
        iv = store.lock_interview(s, ref)
        if iv.name == new_name:
            raise InvalidInput(f"interview '{new_name}' already has that name")
        taken = s.exec(select(Interview.id).where(Interview.name == new_name)).scalars().first()
        if taken is not None:
            raise Conflict(f"an interview named '{new_name}' exists already (#{taken}): choose another name, "
                           "or remove that one first ('fieldcode interviews remove')")
        old_name, old_source = iv.name, iv.source_path
        new_source = source_path if source_path is not None else old_source
        s.exec(update(Interview).where(Interview.id == iv.id).values(
            name=new_name, source_path=new_source, updated_at=utcnow()))
        s.add(Event(coder=coder, action=RENAME, interview_id=iv.id, state="final", detail=json.dumps(
            {"old_name": old_name, "new_name": new_name, "old_source_path": old_source,
             "new_source_path": new_source, "by": why}, ensure_ascii=False)))
    return old_name, new_name, old_source, new_source


# --- rows as JSON and back -----------------------------------------------------------------------

def _encode(v):  # noqa: ANN001, ANN202
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, (bytes, memoryview)):
        return {"$b64": base64.b64encode(bytes(v)).decode()}
    return v


def _decode(v):  # noqa: ANN001, ANN202
    if isinstance(v, dict) and "$dt" in v:
        return datetime.fromisoformat(v["$dt"])
    if isinstance(v, dict) and "$b64" in v:
        return base64.b64decode(v["$b64"])
    return v


def _dump(s: Session, table, where) -> list[dict]:  # noqa: ANN001
    return [{k: _encode(v) for k, v in r._mapping.items()}
            for r in s.connection().execute(select(table).where(where).order_by(table.c.id)).all()]


def _load(rows: list[dict], columns: set[str], **override) -> list[dict]:  # noqa: ANN003
    return [{**{k: _decode(v) for k, v in r.items() if k in columns}, **override} for r in rows]


# --- remove and restore ---------------------------------------------------------------------------

def remove_interview(store, ref: str | int, *, coder: str, with_codings: bool = False) -> Removal:  # noqa: ANN001
    """Remove interview ``ref`` with everything on it, in one transaction.  Refused while it has
    codings or memos unless ``with_codings``; then every coding (whoever made it) and memo goes
    with it, each logged so :func:`restore_interview` can bring it back exactly."""
    with store.write() as s:
        iv = store.lock_interview(s, ref)
        codings = list(s.exec(select(Coding).where(Coding.interview_id == iv.id).order_by(Coding.id)).scalars())
        n_memos = len(s.exec(select(Memo.id).where(Memo.interview_id == iv.id)).all())
        by = dict(Counter(c.coder for c in codings))
        if (codings or n_memos) and not with_codings:
            memo_part = f" and {n_memos} memo(s)" if n_memos else ""
            raise Conflict(
                f"interview '{iv.name}' has {describe_counts(by)}{memo_part}; nothing was removed. "
                f"'fieldcode interviews remove {iv.name} --with-codings' removes them with it (each is logged, "
                f"and 'fieldcode interviews restore {iv.name}' brings everything back)")
        itab = Interview.__table__
        row = s.connection().execute(select(itab).where(itab.c.id == iv.id)).one()
        detail = {"name": iv.name, "interview": {k: _encode(v) for k, v in row._mapping.items()},
                  "codings_by_coder": by, "coding_uids": [c.uid for c in codings]}
        for t, _keep in _parts():
            detail[t.name] = _dump(s, t, t.c.interview_id == iv.id)
        ev = Event(coder=coder, action=REMOVE, interview_id=iv.id, state="final",
                   detail=json.dumps(detail, ensure_ascii=False))
        s.add(ev)
        s.flush()
        now = utcnow()
        for c in codings:
            s.add(Event(coder=coder, action="remove", coding_id=c.id, coding_uid=c.uid, interview_id=iv.id,
                        before=json.dumps(coding_snapshot(c, iv.sha256)), state="final",
                        detail=json.dumps({"with_interview": iv.name, "interview_event": ev.id}, ensure_ascii=False)))
        for m in detail[Memo.__tablename__]:
            s.add(MemoDeletion(uid=m["uid"], author=m["author"], deleted_at=now))
        s.exec(delete(Coding).where(Coding.interview_id == iv.id))
        for t in [*reversed([t for t, _k in _parts()]), WordIndex.__table__, WordIndexState.__table__]:
            s.exec(delete(t).where(t.c.interview_id == iv.id))
        s.exec(delete(Interview).where(Interview.id == iv.id))
        return Removal(iv.name, ev.id, by, n_memos)


def removed_interviews(store) -> list[tuple[int, str, dict[str, int]]]:  # noqa: ANN001
    """``(event id, name, codings per coder)`` of every removal not yet restored, newest first."""
    with store.read() as s:
        return [(ev.id, d["name"], d.get("codings_by_coder", {})) for ev, d in _open_removals(s)]


def _open_removals(s: Session) -> list[tuple[Event, dict]]:
    done = set(s.exec(select(Event.target_id).where(Event.action == RESTORE)).scalars())
    return [(ev, json.loads(ev.detail or "{}")) for ev in
            s.exec(select(Event).where(Event.action == REMOVE).order_by(Event.id.desc())).scalars()
            if ev.id not in done]


def restore_interview(store, ref: str, *, coder: str) -> Removal:  # noqa: ANN001
    """Put back the most recent removal of interview ``ref`` (its name, or file name without the
    suffix): the same text, attributes, turns, sentences, memos, suggestions and codings (same
    uids, same coders, same offsets), in one transaction, logged as ``iv-restore``."""
    with store.write() as s:
        if s.get_bind().dialect.name == "postgresql":  # two restores of one removal: one waits
            s.exec(select(Event.id).where(Event.action == REMOVE).with_for_update())
        found = [(ev, d) for ev, d in _open_removals(s) if d.get("name") == ref or Path(d.get("name", "")).stem == ref]
        if not found:
            names = sorted({d.get("name", "?") for _ev, d in _open_removals(s)})
            hint = f"removed interviews that can be restored: {', '.join(names)}" if names else \
                "no removed interview is waiting to be restored"
            raise NotFound(f"no removed interview '{ref}' ({hint})")
        ev, d = found[0]
        name = d["name"]
        clash = s.exec(select(Interview.id).where(Interview.name == name)).scalars().first()
        if clash is not None:
            raise Conflict(f"an interview named '{name}' exists now (#{clash}, imported again?); nothing was "
                           f"restored. Rename or remove that one first ('fieldcode interviews rename {name} NEW')")
        itab = Interview.__table__
        irow = _load([d["interview"]], set(itab.c.keys()))[0]
        if s.get(Interview, irow["id"]) is not None:  # its id was given to a later interview
            del irow["id"]
        conn = s.connection()
        iid = conn.execute(insert(itab).returning(itab.c.id), irow).scalar_one()
        for t, keep_id in _parts():
            cols = set(t.c.keys()) - ({"id"} if not keep_id else set())
            rows = _load(d.get(t.name, []), cols, interview_id=iid)
            if rows:
                conn.execute(insert(t), rows)
        memo_uids = [m["uid"] for m in d.get(Memo.__tablename__, [])]
        if memo_uids:
            s.exec(delete(MemoDeletion).where(MemoDeletion.uid.in_(memo_uids)))
        snaps = [json.loads(e.before) for e in s.exec(
            select(Event).where(Event.action == "remove", Event.id > ev.id, Event.interview_id == ev.interview_id,
                                Event.state == "final").order_by(Event.id)).scalars()
            if json.loads(e.detail or "{}").get("interview_event") == ev.id]
        present = set(s.exec(select(Coding.uid).where(Coding.uid.in_([x["uid"] for x in snaps]))).scalars()) if snaps else set()
        if present:
            raise Conflict(f"{len(present)} coding(s) of '{name}' exist again elsewhere (merged back?); nothing was "
                           "restored")
        restore = Event(coder=coder, action=RESTORE, interview_id=iid, target_id=ev.id, state="final",
                        detail=json.dumps({"name": name, "codings": len(snaps), "memos": len(memo_uids)},
                                          ensure_ascii=False))
        s.add(restore)
        s.flush()
        ctab = Coding.__table__
        for x in snaps:
            row = {k: x[k] for k in ("id", "uid", "code_id", "coder", "start", "end", "quote_prefix",
                                     "quote_sha256", "memo")}
            row.update(interview_id=iid, created_at=datetime.fromisoformat(x["created_at"]),
                       updated_at=datetime.fromisoformat(x["updated_at"]))
            if s.get(Coding, row["id"]) is not None:
                del row["id"]
            cid = conn.execute(insert(ctab).returning(ctab.c.id), row).scalar_one()
            after = {**x, "id": cid, "interview_id": iid}
            s.add(Event(coder=coder, action="add", coding_id=cid, coding_uid=x["uid"], interview_id=iid,
                        after=json.dumps(after), state="final",
                        detail=json.dumps({"with_interview": name, "interview_event": restore.id}, ensure_ascii=False)))
        by = dict(Counter(x["coder"] for x in snaps))
        return Removal(name, restore.id, by, len(memo_uids))

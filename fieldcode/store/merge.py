"""The database side of merging another copy of the project (``fieldcode.team.merge``): read a copy
whole as plain data, and write a merge plan in one transaction.

The write is serialised on the interviews it touches, like every coding write (see
``fieldcode.store.record``): it locks them (in id order) before reading anything it decides on,
and refuses the whole merge (:class:`~fieldcode.errors.TextChanged`, nothing written) when one
of them was re-imported after the plan was made, since the plan's offsets count in the text it
was made from; ``fieldcode.team.merge`` then plans again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, select

from fieldcode import text as textmod
from fieldcode.errors import Conflict
from fieldcode.store.models import Code, CodeLineage, Coding, Event, Interview, Memo, MemoDeletion
from fieldcode.store.record import QUOTE_PREFIX_LEN as QP
from fieldcode.store.framework import write_summary_merge

_CODE = Code.__table__
_CODING = Coding.__table__
_IV = Interview.__table__
_MEMO = Memo.__table__
_GONE = MemoDeletion.__table__


def _naive_iso(t) -> str:
    """A time as naive UTC ISO text (microseconds), the same from SQLite and PostgreSQL."""
    from datetime import timezone

    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.replace(tzinfo=None).isoformat(timespec="microseconds")


def _utc(iso: str) -> datetime:
    from datetime import timezone

    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)


def q_merge_view(store) -> dict:
    """Everything a merge compares, as plain data: interviews (id -> (name, sha256)), codes
    (id -> (key, name)), codings (uid -> dict), events by coding uid (uid -> [dict], in log
    order), memos on interviews, passages and codes (uid -> dict) and memo deletions (uid ->
    dict: author, deleted_at) and code lineage (a list of dicts: kind, from_key, to_key, by, at,
    codebook_hash), with times as naive ISO strings.  A coding's dict carries its pins
    (codebook_hash, definition_hash) and blind, which travel with it."""
    c, e, m = _CODING.c, Event.__table__.c, _MEMO.c
    out: dict = {"interviews": {}, "codes": {}, "codings": {}, "events": defaultdict(list), "memos": {},
                 "memo_deletions": {}, "lineage": []}
    with store.engine.connect() as conn:
        for iid, name, sha in conn.execute(select(_IV.c.id, _IV.c.name, _IV.c.sha256)):
            out["interviews"][iid] = (name, sha)
        for cid, key, name in conn.execute(select(_CODE.c.id, _CODE.c.key, _CODE.c.name)):
            out["codes"][cid] = (key, name)
        for r in conn.execute(select(c.id, c.uid, c.interview_id, c.code_id, c.coder, c.start, c.end, c.memo,
                                     c.created_at, c.updated_at, c.codebook_hash, c.definition_hash, c.blind)):
            out["codings"][r.uid] = {"id": r.id, "uid": r.uid, "interview_id": r.interview_id, "code_id": r.code_id,
                                     "coder": r.coder, "start": r.start, "end": r.end, "memo": r.memo,
                                     "created_at": _naive_iso(r.created_at), "updated_at": _naive_iso(r.updated_at),
                                     "codebook_hash": r.codebook_hash, "definition_hash": r.definition_hash,
                                     "blind": None if r.blind is None else bool(r.blind)}
        lin = CodeLineage.__table__.c
        for r in conn.execute(select(lin.kind, lin.from_key, lin.to_key, lin.by, lin.at, lin.codebook_hash)
                              .order_by(lin.id)):
            out["lineage"].append({"kind": r.kind, "from_key": r.from_key, "to_key": r.to_key, "by": r.by,
                                   "at": _naive_iso(r.at), "codebook_hash": r.codebook_hash})
        for r in conn.execute(select(e.id, e.at, e.coder, e.action, e.coding_uid, e.interview_id, e.before, e.after,
                                     e.detail).where(e.coding_uid.is_not(None)).order_by(e.id)):
            out["events"][r.coding_uid].append(
                {"id": r.id, "at": _naive_iso(r.at), "coder": r.coder, "action": r.action,
                 "interview_id": r.interview_id, "before": r.before, "after": r.after, "detail": r.detail})
        for r in conn.execute(select(m.uid, m.author, m.interview_id, m.code_id, m.start, m.end, m.quote_prefix,
                                     m.text, m.created_at, m.updated_at)):
            out["memos"][r.uid] = {"uid": r.uid, "author": r.author, "interview_id": r.interview_id,
                                   "code_id": r.code_id, "start": r.start, "end": r.end,
                                   "quote_prefix": r.quote_prefix, "text": r.text,
                                   "created_at": _naive_iso(r.created_at), "updated_at": _naive_iso(r.updated_at)}
        for uid, author, at in conn.execute(select(_GONE.c.uid, _GONE.c.author, _GONE.c.deleted_at)):
            out["memo_deletions"][uid] = {"uid": uid, "author": author, "deleted_at": _naive_iso(at)}
    out["events"] = dict(out["events"])
    return out


def integrity_problems(store, limit: int = 5) -> list[str]:
    """SQLite's ``PRAGMA quick_check`` of the whole file (every page, every record; not the
    indexes' contents): [] when the file is sound, else SQLite's first ``limit`` findings.  A
    file too damaged to read at all raises :class:`~fieldcode.errors.DamagedDatabase` (the
    engine's rule).  PostgreSQL keeps its own pages sound: [] there."""
    if store.engine.dialect.name != "sqlite":
        return []
    with store.engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA quick_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def apply_merge(store, *, inserts: Sequence[dict], updates: Sequence[dict], removals: Sequence[str],
                events: Sequence[dict], memo_inserts: Sequence[dict] = (), memo_updates: Sequence[dict] = (),
                memo_deletes: Sequence[dict] = (), text_shas: Mapping[int, str] | None = None,
                here_states: Mapping[str, dict] | None = None, lineage: Sequence[dict] = (),
                summaries: dict | None = None) -> None:
    """Write a merge in ONE transaction (all or nothing).

    * ``inserts``: coding dicts (uid, interview_id, code_id, coder, start, end, memo, created_at,
      updated_at) in local ids; a uid already present makes the whole merge fail.
    * ``updates``: the same, for codings (by uid) that take the other copy's state.
    * ``removals``: uids of codings the other copy removed.
    * ``events``: the other copy's history of those codings, copied in with their own time, coder
      and action (``state`` final, so nobody's undo reaches across copies); dicts with at, coder,
      action, coding_uid, interview_id, before, after, detail (JSON text).
    * ``memo_inserts`` / ``memo_updates``: memo dicts (``q_merge_view``'s, in local ids) to add,
      or whose text (by uid) takes the other copy's newer edit.
    * ``memo_deletes``: the other copy's memo deletions (dicts: uid, author, deleted_at) to
      record here, deleting the memo here when this copy still has it.
    * ``text_shas``: local interview id -> the text version (SHA-256) the plan's offsets count
      in.  Every interview the merge touches is locked first; one whose text is no longer that
      version (re-imported since the plan was made) refuses the whole merge with
      :class:`TextChanged`, nothing written.
    * ``here_states``: uid -> the state (:data:`HERE_FIELDS`) this copy's coding had when the
      plan was made, for the codings it updates or removes; a coding changed here since
      (another coder's write, a re-anchoring) refuses the merge with :class:`Conflict`.
    * ``lineage``: the other copy's code merges and splits this copy lacks (``q_merge_view``'s
      dicts), recorded here with their own time and author.
    * ``summaries``: framework summaries to add, update and delete
      (``fieldcode.team.framework_merge.SummaryPlan.write_args``).

    Every coding keeps its pins (codebook_hash, definition_hash) and blind as the other copy
    has them: where they are absent from a dict they are unknown (NULL), never this copy's."""
    with store.write() as s:
        _lock_touched(store, s, inserts, updates, removals, memo_inserts, memo_updates, memo_deletes, text_shas)
        _check_here(s, here_states or {}, [d["uid"] for d in updates] + list(removals))
        ivs: dict[int, Interview] = {}

        def iv_of(iid: int) -> Interview:
            if iid not in ivs:
                ivs[iid] = s.get(Interview, iid)
            return ivs[iid]

        def quote_fields(d: dict) -> dict:
            q = iv_of(d["interview_id"]).text[d["start"]:d["end"]]
            return {"quote_prefix": q[:QP], "quote_sha256": textmod.sha256(q)}

        for d in inserts:
            if s.exec(select(Coding.id).where(Coding.uid == d["uid"])).first() is not None:
                raise Conflict(f"coding {d['uid']} appeared here while merging; nothing was merged, run it again")
            s.add(Coding(uid=d["uid"], interview_id=d["interview_id"], code_id=d["code_id"], coder=d["coder"],
                         start=d["start"], end=d["end"], memo=d["memo"], **quote_fields(d),
                         created_at=_utc(d["created_at"]), updated_at=_utc(d["updated_at"]),
                         **{k: d.get(k) for k in PROTOCOL_FIELDS}))
        for d in updates:
            row = s.exec(select(Coding).where(Coding.uid == d["uid"])).scalars().first()
            if row is None:
                raise Conflict(f"coding {d['uid']} was removed here while merging; nothing was merged, run it again")
            for k in ("interview_id", "code_id", "start", "end", "memo"):
                setattr(row, k, d[k])
            for k in PROTOCOL_FIELDS:
                setattr(row, k, d.get(k))
            for k, v in quote_fields(d).items():
                setattr(row, k, v)
            row.updated_at = _utc(d["updated_at"])
        if removals:
            s.exec(delete(Coding).where(Coding.uid.in_(list(removals))))
        s.flush()
        ids = dict(s.exec(select(Coding.uid, Coding.id).where(
            Coding.uid.in_([ev["coding_uid"] for ev in events] or [""]))).all())
        for ev in events:
            s.add(Event(at=_utc(ev["at"]), coder=ev["coder"], action=ev["action"],
                        coding_id=ids.get(ev["coding_uid"]), coding_uid=ev["coding_uid"],
                        interview_id=ev["interview_id"], before=ev["before"], after=ev["after"],
                        detail=ev["detail"], state="final"))
        for d in lineage:
            s.add(CodeLineage(kind=d["kind"], from_key=d["from_key"], to_key=d["to_key"], by=d["by"],
                              at=_utc(d["at"]), codebook_hash=d.get("codebook_hash")))
        for d in memo_inserts:
            if s.exec(select(Memo.id).where(Memo.uid == d["uid"])).first() is not None:
                raise Conflict(f"memo {d['uid']} appeared here while merging; nothing was merged, run it again")
            s.add(Memo(uid=d["uid"], author=d["author"], interview_id=d["interview_id"], code_id=d["code_id"],
                       start=d["start"], end=d["end"], quote_prefix=d["quote_prefix"], text=d["text"],
                       created_at=_utc(d["created_at"]), updated_at=_utc(d["updated_at"])))
        for d in memo_updates:
            row = s.exec(select(Memo).where(Memo.uid == d["uid"])).scalars().first()
            if row is None:
                raise Conflict(f"memo {d['uid']} was deleted here while merging; nothing was merged, run it again")
            row.text = d["text"]
            row.updated_at = _utc(d["updated_at"])
        for d in memo_deletes:
            s.exec(delete(Memo).where(Memo.uid == d["uid"]))
            s.merge(MemoDeletion(uid=d["uid"], author=d["author"], deleted_at=_utc(d["deleted_at"])))
        if summaries:    # framework summaries (fieldcode.store.framework), in the same transaction
            write_summary_merge(s, **summaries)


HERE_FIELDS = ("interview_id", "code_id", "coder", "start", "end", "memo", "codebook_hash", "definition_hash")
PROTOCOL_FIELDS = ("codebook_hash", "definition_hash", "blind")   # travel with a coding


def lineage_key(d: dict) -> tuple:
    """What makes two copies' lineage rows the same one."""
    return (d["kind"], d["from_key"], d["to_key"], d["at"])


def here_state(d: dict) -> dict:
    """The fields of a coding (a merge view's dict) that ``apply_merge`` checks are unchanged."""
    return {k: d[k] for k in HERE_FIELDS}


def _lock_touched(store, s, inserts, updates, removals, memo_inserts, memo_updates, memo_deletes,  # noqa: ANN001
                  text_shas: Mapping[int, str] | None) -> None:
    """Lock every interview the merge writes on (id order) and check its text version."""
    iids = {d["interview_id"] for d in (*inserts, *updates)}
    iids |= {d["interview_id"] for d in (*memo_inserts, *memo_updates) if d.get("interview_id") is not None}
    uids = [d["uid"] for d in updates] + list(removals)
    if uids:
        iids |= set(s.exec(select(Coding.interview_id).where(Coding.uid.in_(uids))).scalars())
    muids = [d["uid"] for d in (*memo_updates, *memo_deletes)]
    if muids:
        iids |= {i for i in s.exec(select(Memo.interview_id).where(Memo.uid.in_(muids))).scalars() if i is not None}
    store.lock_interviews(s, iids, text_shas, why=(
        "interview '{name}' was re-imported (its text changed) while this merge was being planned, "
        "so the other copy's offsets no longer count in its text; nothing was merged. Run the merge again."))


def _check_here(s, states: Mapping[str, dict], uids: Sequence[str]) -> None:  # noqa: ANN001
    """Refuse the merge when a coding it updates or removes changed here after planning."""
    wanted = [u for u in uids if u in states]
    if not wanted:
        return
    rows = {r.uid: r for r in s.exec(select(Coding).where(Coding.uid.in_(wanted))).scalars()}
    for uid in wanted:
        row = rows.get(uid)
        if row is None or any(getattr(row, k) != v for k, v in states[uid].items()):
            state = "was removed" if row is None else "was changed"
            raise Conflict(f"coding {uid[:8]} {state} here while this merge was being planned; nothing was merged. "
                           "Run the merge again.")

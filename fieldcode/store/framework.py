"""Framework summaries: each coder's short summary of one interview under one theme (a cell of
the framework matrix), the cell's consensus summary, the codings each one cites, and whether
those citations still hold.

* A coder writes and edits only their own summary of a cell; the consensus summary (``consensus``
  true, kept under the consensus coder's name, ``CONSENSUS_AUTHOR`` unless the team names another)
  may be edited by anyone, and the event log says who did.
* Every write is one transaction with an event (action ``summary``, state ``final``: undo of
  codings never reaches it): ``before``/``after`` are the summary's text and citations, so the
  log holds its whole history (:func:`summary_history`).
* A citation keeps the cited coding as it was (uid, code, span, the coded text's SHA-256).  A
  citation is *stale* when that coding was since removed, recoded, or moved or resized (a
  re-import's re-anchoring, an edit): :func:`summaries` says which and why, so screens and
  exports flag it instead of showing a summary that no longer rests on what it cites.
* A deleted summary's uid is kept (``framework_summary_deletion``) so that ``merge`` does not
  bring it back from a copy that still has it (as memos do).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from fieldcode.errors import Conflict, InvalidInput, NotFound
from fieldcode.store.models import (
    Code,
    Coding,
    Event,
    FrameworkSummary,
    FrameworkSummaryDeletion,
    Interview,
    utcnow,
)

ACTION = "summary"
CONSENSUS_AUTHOR = "consensus"
STALE_REASONS = ("removed", "recoded", "moved")


@dataclass(frozen=True)
class Cite:
    """One cited coding and what became of it: ``state`` ok, removed, recoded (its code changed)
    or moved (its span or coded text changed: re-anchored, resized); ``quote`` the coded text
    now ('' when removed), ``quote_then`` the first words when cited."""

    uid: str
    code_id: int
    start: int
    end: int
    state: str
    quote: str
    quote_then: str
    coder: str = ""

    @property
    def stale(self) -> bool:
        return self.state != "ok"


@dataclass(frozen=True)
class SummaryInfo:
    uid: str
    author: str
    consensus: bool
    interview_id: int
    interview: str
    code_id: int
    code_key: str
    text: str
    cites: tuple[Cite, ...]
    created_at: datetime
    updated_at: datetime
    edits: int = 0

    @property
    def stale(self) -> tuple[Cite, ...]:
        return tuple(c for c in self.cites if c.stale)

    def stale_note(self) -> str:
        """'' when every citation holds; else e.g. "2 cited passages changed: 1 removed, 1 recoded"."""
        bad = self.stale
        if not bad:
            return ""
        n = {r: sum(1 for c in bad if c.state == r) for r in STALE_REASONS}
        parts = ", ".join(f"{v} {k}" for k, v in n.items() if v)
        return f"{len(bad)} cited passage{'s' if len(bad) != 1 else ''} changed since: {parts}"


@dataclass
class SummaryWrite:
    """What :func:`set_summary` did: ``action`` added / updated / unchanged."""

    uid: str
    action: str
    stale_dropped: list[str] = field(default_factory=list)


def _snapshot(row: FrameworkSummary) -> dict:
    return {"uid": row.uid, "author": row.author, "consensus": bool(row.consensus),
            "interview_id": row.interview_id, "code_id": row.code_id, "text": row.text,
            "cites": json.loads(row.cites or "[]")}


def _cite_record(c: Coding) -> dict:
    return {"uid": c.uid, "code_id": c.code_id, "start": c.start, "end": c.end, "sha": c.quote_sha256,
            "quote": c.quote_prefix}


def _resolve_cites(s: Session, interview_id: int, uids: Sequence[str], old: dict[str, dict]) -> list[dict]:
    """The citation records of ``uids`` (coding uids, in the order given, duplicates dropped).
    A uid cited before keeps its earlier record (so re-saving does not silently make a stale
    citation look fresh); a new one must be a live coding of this interview."""
    out: list[dict] = []
    seen: set[str] = set()
    new = [u for u in uids if u not in old]
    rows = {c.uid: c for c in s.exec(select(Coding).where(Coding.uid.in_(new))).scalars()} if new else {}
    for u in uids:
        if u in seen:
            continue
        seen.add(u)
        if u in old:
            out.append(old[u])
            continue
        c = rows.get(u)
        if c is None:
            raise NotFound(f"no coding {u[:8]} to cite (removed?); nothing was saved")
        if c.interview_id != interview_id:
            raise InvalidInput(f"coding {u[:8]} is in another interview; a summary cites passages of its own "
                               "interview only. Nothing was saved")
        out.append(_cite_record(c))
    return out


def set_summary(store, editor: str, interview_id: int, code_id: int, text: str, *,  # noqa: ANN001
                cites: Sequence[str] = (), consensus: bool = False, consensus_author: str = CONSENSUS_AUTHOR,
                expect_text: str | None = None, refresh: Sequence[str] = ()) -> SummaryWrite:
    """Write ``editor``'s summary of the cell (interview, code), or the cell's consensus summary
    (``consensus``: kept under ``consensus_author``, edited by anyone).  ``cites``: the coding
    uids it rests on, in order (the whole list: a uid left out is no longer cited).  A citation
    kept from before keeps its earlier record unless its uid is in ``refresh`` (the editor has
    seen the passage as it is now and cites it again).  ``expect_text``: the text the editor
    started from; when the stored summary differs (someone else saved the consensus summary
    meanwhile) nothing is written and :class:`Conflict` says so.  One transaction, one event."""
    text = text.strip()
    if not text:
        raise InvalidInput("a summary needs some text (delete it instead)")
    author = consensus_author if consensus else editor
    with store.write() as s:
        iv = store.lock_interview(s, interview_id)
        if s.get(Code, code_id) is None:
            raise NotFound(f"no code #{code_id}")
        row = s.exec(select(FrameworkSummary).where(
            FrameworkSummary.author == author, FrameworkSummary.interview_id == iv.id,
            FrameworkSummary.code_id == code_id)).scalars().first()
        if row is not None and bool(row.consensus) != consensus:
            raise Conflict(f"'{author}' already has a {'consensus' if row.consensus else 'own'} summary of this "
                           "cell; choose another consensus name")
        if expect_text is not None and (row.text if row is not None else "") != expect_text.strip():
            who = "someone"
            if row is not None:
                who = s.exec(select(Event.coder).where(Event.action == ACTION, Event.interview_id == iv.id)
                             .where(Event.detail.like(f'%"{row.uid}"%')).order_by(Event.id.desc())).scalars().first() \
                    or row.author
            raise Conflict(f"{who} changed this summary since you opened it; nothing was saved. "
                           "Open the cell again to see their text")
        old = {c["uid"]: c for c in json.loads(row.cites)} if row is not None else {}
        for u in refresh:
            old.pop(u, None)
        records = _resolve_cites(s, iv.id, list(cites), old)
        before = _snapshot(row) if row is not None else None
        now = utcnow()
        if row is None:
            row = FrameworkSummary(author=author, consensus=consensus, interview_id=iv.id, code_id=code_id,
                                   text=text, cites=json.dumps(records), created_at=now, updated_at=now)
            s.add(row)
            action = "added"
        else:
            if row.text == text and json.loads(row.cites) == records:
                return SummaryWrite(row.uid, "unchanged")
            row.text, row.cites, row.updated_at = text, json.dumps(records), now
            action = "updated"
        s.flush()
        s.add(Event(coder=editor, action=ACTION, interview_id=iv.id, state="final",
                    before=json.dumps(before, ensure_ascii=False) if before else None,
                    after=json.dumps(_snapshot(row), ensure_ascii=False),
                    detail=json.dumps({"summary_uid": row.uid, "code_id": code_id, "author": author,
                                       "consensus": consensus, "change": action}, ensure_ascii=False)))
        return SummaryWrite(row.uid, action)


def delete_summary(store, editor: str, uid: str) -> None:  # noqa: ANN001
    """Delete a summary: one's own, or a consensus summary.  The deletion is kept (uid, author,
    time) for ``merge``, and logged with the text that was deleted."""
    with store.write() as s:
        iid = s.exec(select(FrameworkSummary.interview_id).where(FrameworkSummary.uid == uid)).scalars().first()
        if iid is None:
            raise NotFound(f"no summary {uid[:8]}")
        store.lock_interview(s, iid)
        row = s.exec(select(FrameworkSummary).where(FrameworkSummary.uid == uid)).scalars().one()
        if not row.consensus and row.author != editor:
            raise Conflict(f"that summary is {row.author}'s; each researcher edits only their own summaries "
                           "(and the consensus summary)")
        s.add(Event(coder=editor, action=ACTION, interview_id=row.interview_id, state="final",
                    before=json.dumps(_snapshot(row), ensure_ascii=False),
                    detail=json.dumps({"summary_uid": row.uid, "code_id": row.code_id, "author": row.author,
                                       "consensus": bool(row.consensus), "change": "deleted"}, ensure_ascii=False)))
        s.merge(FrameworkSummaryDeletion(uid=row.uid, author=row.author, deleted_at=utcnow()))
        s.delete(row)


def _cite_states(s: Session, records: Iterable[dict], texts: dict[int, str]) -> dict[str, tuple]:
    """uid -> (state, quote now, coder) for the cited codings."""
    uids = list({r["uid"] for r in records})
    out: dict[str, tuple] = {}
    rows = {c.uid: c for c in s.exec(select(Coding).where(Coding.uid.in_(uids))).scalars()} if uids else {}
    for r in records:
        c = rows.get(r["uid"])
        if c is None:
            out[r["uid"]] = ("removed", "", "")
            continue
        quote = texts[c.interview_id][c.start:c.end] if c.interview_id in texts else c.quote_prefix
        if c.code_id != r["code_id"]:
            state = "recoded"
        elif (c.start, c.end, c.quote_sha256) != (r["start"], r["end"], r["sha"]):
            state = "moved"
        else:
            state = "ok"
        out[r["uid"]] = (state, quote, c.coder)
    return out


def summaries(store, *, interview_ids: Sequence[int] | None = None, code_ids: Sequence[int] | None = None,  # noqa: ANN001
              authors: Sequence[str] | None = None) -> list[SummaryInfo]:
    """Every summary (filtered), with each citation's state, ordered by interview, code, then
    consensus summaries after the coders' (by name)."""
    with store.read() as s:
        q = select(FrameworkSummary)
        if interview_ids is not None:
            q = q.where(FrameworkSummary.interview_id.in_(list(interview_ids)))
        if code_ids is not None:
            q = q.where(FrameworkSummary.code_id.in_(list(code_ids)))
        if authors is not None:
            q = q.where(FrameworkSummary.author.in_(list(authors)))
        rows = list(s.exec(q).scalars())
        if not rows:
            return []
        iids = sorted({r.interview_id for r in rows})
        names, texts = {}, {}
        for iid, name, text in s.exec(select(Interview.id, Interview.name, Interview.text)
                                      .where(Interview.id.in_(iids))).all():
            names[iid], texts[iid] = name, text
        keys = dict(s.exec(select(Code.id, Code.key)).all())
        records = {r.uid: json.loads(r.cites or "[]") for r in rows}
        states = _cite_states(s, [c for rs in records.values() for c in rs], texts)
        edits: dict[str, int] = {}
        for det in s.exec(select(Event.detail).where(Event.action == ACTION,
                                                     Event.interview_id.in_(iids))).scalars():
            u = json.loads(det or "{}").get("summary_uid")
            edits[u] = edits.get(u, 0) + 1
    out = []
    for r in rows:
        cites = tuple(Cite(uid=c["uid"], code_id=c["code_id"], start=c["start"], end=c["end"],
                           state=states[c["uid"]][0], quote=states[c["uid"]][1], quote_then=c.get("quote", ""),
                           coder=states[c["uid"]][2]) for c in records[r.uid])
        out.append(SummaryInfo(uid=r.uid, author=r.author, consensus=bool(r.consensus), interview_id=r.interview_id,
                               interview=names[r.interview_id], code_id=r.code_id, code_key=keys.get(r.code_id, "?"),
                               text=r.text, cites=cites, created_at=r.created_at, updated_at=r.updated_at,
                               edits=edits.get(r.uid, 0)))
    out.sort(key=lambda x: (x.interview, x.code_id, x.consensus, x.author))
    return out


def summary_history(store, uid: str) -> list[dict]:  # noqa: ANN001
    """The events of summary ``uid``, oldest first: dicts with id, at, coder, change, text (after
    the change; '' for a deletion) and cites (coding uids)."""
    with store.read() as s:
        evs = list(s.exec(select(Event).where(Event.action == ACTION, Event.detail.like(f'%"{uid}"%'))
                          .order_by(Event.id)).scalars())
    out = []
    for ev in evs:
        d = json.loads(ev.detail or "{}")
        if d.get("summary_uid") != uid:
            continue
        after = json.loads(ev.after) if ev.after else None
        out.append({"id": ev.id, "at": ev.at, "coder": ev.coder, "change": d.get("change", ""),
                    "text": after["text"] if after else "", "cites": [c["uid"] for c in (after or {}).get("cites", [])]})
    return out


# --- merge ------------------------------------------------------------------------------------------

def _iso(t) -> str:  # noqa: ANN001
    """A time as naive UTC ISO text (microseconds), the same from SQLite and PostgreSQL."""
    from datetime import timezone

    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.replace(tzinfo=None).isoformat(timespec="microseconds")


def _parse(iso: str) -> datetime:
    from datetime import timezone

    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)


def q_summary_merge_view(store) -> dict:  # noqa: ANN001
    """Summaries (uid -> dict, times as naive UTC ISO text) and summary deletions (uid -> dict)
    of a copy."""
    iso = _iso
    out: dict = {"summaries": {}, "deletions": {}}
    with store.read() as s:
        for r in s.exec(select(FrameworkSummary)).scalars():
            out["summaries"][r.uid] = {"uid": r.uid, "author": r.author, "consensus": bool(r.consensus),
                                       "interview_id": r.interview_id, "code_id": r.code_id, "text": r.text,
                                       "cites": json.loads(r.cites or "[]"),
                                       "created_at": iso(r.created_at), "updated_at": iso(r.updated_at)}
        for g in s.exec(select(FrameworkSummaryDeletion)).scalars():
            out["deletions"][g.uid] = {"uid": g.uid, "author": g.author, "deleted_at": iso(g.deleted_at)}
    return out


def write_summary_merge(s: Session, *, inserts: Sequence[dict], updates: Sequence[dict], deletes: Sequence[dict],
                        source: str) -> None:
    """Inside a merge's transaction: add the other copy's summaries (``inserts``, in local ids),
    take its newer edits (``updates``: by uid, or by the cell when the same author wrote this
    cell's summary independently in each copy; ``uid`` of the row here in ``here_uid``), and
    record its deletions (``deletes``), deleting the summary here when it is still here.  Each
    change is logged (action ``summary``, by the summary's author, ``merged_from`` in detail)."""
    parse = _parse
    def log(row: FrameworkSummary, before: dict | None, change: str) -> None:
        s.add(Event(coder=row.author, action=ACTION, interview_id=row.interview_id, state="final",
                    before=json.dumps(before, ensure_ascii=False) if before else None,
                    after=json.dumps(_snapshot(row), ensure_ascii=False) if change != "deleted" else None,
                    detail=json.dumps({"summary_uid": row.uid, "code_id": row.code_id, "author": row.author,
                                       "consensus": bool(row.consensus), "change": change,
                                       "merged_from": source}, ensure_ascii=False)))

    for d in inserts:
        row = FrameworkSummary(uid=d["uid"], author=d["author"], consensus=d["consensus"],
                               interview_id=d["interview_id"], code_id=d["code_id"], text=d["text"],
                               cites=json.dumps(d["cites"]), created_at=parse(d["created_at"]),
                               updated_at=parse(d["updated_at"]))
        s.add(row)
        s.flush()
        log(row, None, "added")
    for d in updates:
        row = s.exec(select(FrameworkSummary).where(FrameworkSummary.uid == d.get("here_uid", d["uid"]))).scalars().first()
        if row is None:
            raise Conflict(f"summary {d['uid'][:8]} was deleted here while merging; nothing was merged, run it again")
        before = _snapshot(row)
        row.text, row.cites, row.updated_at = d["text"], json.dumps(d["cites"]), parse(d["updated_at"])
        s.flush()
        log(row, before, "updated")
    for d in deletes:
        row = s.exec(select(FrameworkSummary).where(FrameworkSummary.uid == d["uid"])).scalars().first()
        if row is not None:
            log(row, _snapshot(row), "deleted")
            s.exec(delete(FrameworkSummary).where(FrameworkSummary.uid == d["uid"]))
        s.merge(FrameworkSummaryDeletion(uid=d["uid"], author=d["author"], deleted_at=parse(d["deleted_at"])))


def coding_uids(store, ids: Sequence[int]) -> dict[int, str]:  # noqa: ANN001
    """coding id -> uid (for citing a segment, which carries the id)."""
    if not ids:
        return {}
    with store.read() as s:
        return dict(s.exec(select(Coding.id, Coding.uid).where(Coding.id.in_(list(ids)))).all())


def summary_rows(store) -> list[dict]:  # noqa: ANN001
    """Every summary as a plain row for a REFI-QDA export: uid, author, consensus, interview_id,
    code_id, text, cites (coding uids, in order), created_at, updated_at."""
    with store.read() as s:
        return [{"uid": r.uid, "author": r.author, "consensus": bool(r.consensus), "interview_id": r.interview_id,
                 "code_id": r.code_id, "text": r.text, "cites": [c["uid"] for c in json.loads(r.cites or "[]")],
                 "created_at": r.created_at, "updated_at": r.updated_at}
                for r in s.exec(select(FrameworkSummary).order_by(FrameworkSummary.uid)).scalars()]


def existing_summary_uids(store, uids: Iterable[str]) -> set[str]:  # noqa: ANN001
    """Which of ``uids`` are framework summaries (or deleted ones) of this study: a REFI-QDA
    import skips their notes, which a fieldcode export wrote from them."""
    uids = list(uids)
    if not uids:
        return set()
    with store.read() as s:
        live = set(s.exec(select(FrameworkSummary.uid).where(FrameworkSummary.uid.in_(uids))).scalars())
        gone = set(s.exec(select(FrameworkSummaryDeletion.uid).where(FrameworkSummaryDeletion.uid.in_(uids))).scalars())
    return live | gone

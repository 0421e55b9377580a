"""The coding record: every coding change, its event, undo and redo.  Part of the store (``Store``
in ``fieldcode.store.core`` inherits ``CodingRecord``); no other module writes codings.

Rules that protect a team's work:

* **Identity is never reused.**  ``coding.id`` is AUTOINCREMENT (SQLite) or a sequence
  (PostgreSQL), and each coding carries a ``uid`` (UUID) that is the same in every copy of the
  project.  Every event names the coding it changed by both.
* **A coder changes only their own codings**, and undo / redo act only on the coder's own
  changes.  An undo or redo first checks that the coding is still exactly as the change left it
  (present or absent, same code, span and memo); if anything else changed it since, it refuses
  and names the change in the way.  Nothing is ever restored "by number" over other work.
* **Undo and redo claim their change atomically** (``UPDATE ... WHERE state = 'done'``), so the
  same coder undoing in two terminals at once undoes two different changes, never one twice.
* **Offsets follow the text.**  Each snapshot says which transcript version its offsets count
  in; after a re-import, undo and redo translate them through the recorded alignment
  (``text_change``) and refuse when the passage is gone.
* Every change is one committed transaction with its event.
* **Writes are serialised on the interview.**  Every coding write and a re-import's write take
  the interview's lock first (SQLite: the ``BEGIN IMMEDIATE`` write lock; PostgreSQL:
  ``SELECT ... FOR UPDATE`` on its row) and read everything they decide on after it.  A write
  may carry the text version (SHA-256) its offsets count in (``expect_sha``): when the
  interview was re-imported since, it is refused with ``fieldcode.errors.TextChanged`` and
  nothing changes.
  A re-import re-reads the codings inside its lock and plans again from them when a coder
  changed any after it planned, so no coder's change is put back by a stale plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from fieldcode.ingest import align
from fieldcode import text as textmod
from fieldcode.errors import Conflict, InvalidInput, NotFound, TextChanged
from fieldcode.store.memo import move_passage_memos
from fieldcode.store.protocol import BlindPolicy, blind_in, check_open, handin_steps_query
from fieldcode.store.duplicates import duplicate_groups, duplicate_of, duplicate_query, refuse_duplicate
from fieldcode.store.models import Code, Coding, Event, Interview, TextChange, new_uid, utcnow
from fieldcode.store.pins import current_codebook_query, pins_for, pins_with
from fieldcode.store.reanchor import Reanchor

QUOTE_PREFIX_LEN = 80
CHANGE_ACTIONS = ("add", "remove", "update")
SNAPSHOT_FIELDS = ("interview_id", "code_id", "coder", "start", "end", "memo")
PIN_FIELDS = ("codebook_hash", "definition_hash")   # compared by undo/redo when a snapshot has them
UNDO_RETRIES = 5


def coding_snapshot(c: Coding, text_sha256: str) -> dict:
    """A coding as an event records it: everything needed to bring it back, and the version of
    the transcript (``text_sha256``) its offsets count in."""
    return {
        "id": c.id, "uid": c.uid, "interview_id": c.interview_id, "code_id": c.code_id, "coder": c.coder,
        "start": c.start, "end": c.end, "quote_prefix": c.quote_prefix,
        "quote_sha256": c.quote_sha256, "memo": c.memo, "text_sha256": text_sha256,
        "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat(),
        "codebook_hash": c.codebook_hash, "definition_hash": c.definition_hash, "blind": c.blind,
    }


def clean_memo(memo: str | None) -> str:
    """Memos are text: control characters and terminal escapes never get stored."""
    return textmod.remove_controls(memo or "")[0]


def _require_codable(c: Code) -> None:
    if not getattr(c, "codable", True):
        raise InvalidInput(f"'{c.name}' ({c.key}) is a category that cannot be coded (codable: false in "
                           "codebook.yaml): code one of its children, or set codable: true")


def describe_event(ev: Event) -> str:
    return f"change #{ev.id} ({ev.action} by {ev.coder} at {ev.at:%Y-%m-%d %H:%M:%S})"


class CodingRecord:
    """Coding writes and the event log.  Mixed into ``Store``: uses its ``read``/``write``
    sessions and its interview and code look-ups (``interview_in``, ``code_in``)."""

    # The study's blinding, set by fieldcode.protocol.blinding when a project opens: every coding
    # records whether its coder was blind; a coder's hand-in closes an interview to them.
    blind_policy: BlindPolicy = BlindPolicy()
    interview_labels: dict[str, str] = {}     # a blind coder's: name -> neutral label (never mutated)
    coding_where: tuple = ()   # conditions agreement's reads of codings apply (agreement --independent)

    def protocol_check(self, s: Session, coder: str, iv: Interview) -> None:
        """Refuse a coding write by ``coder`` on an interview they handed in."""
        check_open(s, coder, iv.id, self.interview_labels.get(iv.name, iv.name))

    # -- reads --------------------------------------------------------------------------------
    def codings(self, interview_id: int | None = None, *, code_ids: Iterable[int] | None = None,
                coder: str | None = None) -> list[Coding]:
        with self.read() as s:
            q = select(Coding)
            if interview_id is not None:
                q = q.where(Coding.interview_id == interview_id)
            if code_ids is not None:
                q = q.where(Coding.code_id.in_(list(code_ids)))
            if coder is not None:
                q = q.where(Coding.coder == coder)
            return list(s.exec(q.order_by(Coding.interview_id, Coding.start, Coding.end, Coding.id)).scalars())

    def coding(self, coding_id: int) -> Coding:
        with self.read() as s:
            c = s.get(Coding, coding_id)
            if c is None:
                raise NotFound(f"no coding #{coding_id}: 'fieldcode code list' shows coding ids")
            return c

    def coding_history(self, coding: int | str) -> list[Event]:
        """Every event that names a coding (by id or uid), oldest first."""
        with self.read() as s:
            q = select(Event).where(Event.coding_uid == coding) if isinstance(coding, str) and not coding.isdigit() \
                else select(Event).where(Event.coding_id == int(coding))
            return list(s.exec(q.order_by(Event.id)).scalars())

    def events(self, *, coder: str | None = None, interview_id: int | None = None,
               coding: int | None = None, limit: int = 50) -> list[Event]:
        with self.read() as s:
            q = select(Event)
            if coder:
                q = q.where(Event.coder == coder)
            if interview_id is not None:
                q = q.where(Event.interview_id == interview_id)
            if coding is not None:
                q = q.where(Event.coding_id == coding)
            return list(s.exec(q.order_by(Event.id.desc()).limit(limit)).scalars())

    def interview_sha(self, interview_id: int) -> str | None:
        """The version (text SHA-256) of an interview's stored text, None when it is gone: the
        version a caller's offsets count in, and a screen's cheap "was it re-imported?" probe."""
        with self.read() as s:
            return s.exec(select(Interview.sha256).where(Interview.id == interview_id)).scalars().first()

    def coders(self) -> list[str]:
        with self.read() as s:
            return sorted(s.exec(select(Coding.coder).distinct()).scalars())

    # -- writes -------------------------------------------------------------------------------
    @staticmethod
    def _text_sha(s: Session, interview_id: int) -> str:
        return s.exec(select(Interview.sha256).where(Interview.id == interview_id)).scalar_one()

    def lock_interview(self, s: Session, interview: str | int, expect_sha: str | None = None) -> Interview:
        """Take interview ``interview``'s write lock in session ``s`` and read it afresh.  On
        SQLite the session's ``BEGIN IMMEDIATE`` already holds the database's write lock; on
        PostgreSQL its row is locked (``SELECT ... FOR UPDATE``) until the transaction ends, so a
        re-import and every coding write on one interview run one after the other.  With
        ``expect_sha`` (the text version the caller's offsets count in), a text that changed
        since is refused with :class:`TextChanged`."""
        iid = interview if isinstance(interview, int) else self.interview_in(s, interview).id
        q = select(Interview).where(Interview.id == iid).execution_options(populate_existing=True)
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update()
        iv = s.exec(q).scalars().first()
        if iv is None:
            raise NotFound(f"no interview '{interview}': 'fieldcode interviews' lists them")
        if expect_sha is not None and iv.sha256 != expect_sha:
            raise TextChanged(iv.name)
        return iv

    def lock_interviews(self, s: Session, ids: Iterable[int], expect_shas: dict[int, str] | None = None,
                        why: str | None = None) -> None:
        """Lock several interviews, always in id order (two writers never wait on each other).
        ``expect_shas``: interview id -> the text version the caller planned in; one re-imported
        since raises :class:`TextChanged` (``why``: its message, ``{name}`` the interview's)."""
        for iid in sorted(set(ids)):
            iv = self.lock_interview(s, iid)
            if expect_shas and iid in expect_shas and iv.sha256 != expect_shas[iid]:
                raise TextChanged(iv.name, message=why.format(name=iv.name) if why else None)

    def check_span(self, iv: Interview, start: int, end: int) -> None:
        """Refuse a span that does not fit the interview's text."""
        if not (0 <= start < end <= iv.n_chars):
            raise InvalidInput(
                f"span [{start}, {end}) is outside interview '{iv.name}' (its text has {iv.n_chars} "
                "characters; offsets are code points, start < end)")

    def add_coding(self, interview: str | int, code: str | int, start: int, end: int, coder: str,
                   memo: str = "", *, expect_sha: str | None = None) -> Coding:
        """Code ``[start, end)``.  With ``expect_sha`` (the text version the offsets count in),
        refused with :class:`TextChanged` if the interview was re-imported since."""
        with self.write() as s:
            iv = self.lock_interview(s, interview, expect_sha)
            return self._add(s, iv, code, start, end, coder, memo)

    def add_codings(self, specs: list[tuple[str | int, str | int, int, int, str, str]]) -> tuple[list[Coding], int]:
        """Add many codings ``(interview, code, start, end, coder, memo)`` in ONE transaction:
        all or none.  A coding identical to an existing one (same interview, code, coder and
        span) is skipped, so importing the same file twice adds nothing.  Each added coding
        gets its own event.  Returns ``(added, skipped)``."""
        added: list[Coding] = []
        skipped = 0
        with self.write() as s:
            self.lock_interviews(s, [self.interview_in(s, ref).id for ref in {spec[0] for spec in specs}])
            for interview, code, start, end, coder, memo in specs:
                iv = self.interview_in(s, interview)
                c = self.code_in(s, code)
                dup = s.exec(select(Coding.id).where(
                    Coding.interview_id == iv.id, Coding.code_id == c.id, Coding.coder == coder,
                    Coding.start == start, Coding.end == end)).first()
                if dup is not None:
                    skipped += 1
                    continue
                added.append(self._add(s, iv.id, c.id, start, end, coder, memo))
        return added, skipped

    def insert_codings(self, rows: list[dict], *, action: str = "add", detail: dict | None = None) -> tuple[list[Coding], int]:
        """Bring in codings made elsewhere (another copy, another tool), keeping their identity
        and times: rows are dicts with interview_id, code_id, coder, start, end and optionally
        memo, uid, created_at, updated_at, and ``detail`` (per-row origin, merged over the
        call's ``detail``).  One transaction: all or nothing.  A row whose uid is already here
        is skipped.  Each added coding gets its own event (``action``, final: it is not undone
        by its coder's undo).  Returns ``(added, skipped)``.

        A row identical to a coding its coder already has (same interview, code and span) is
        refused (:class:`Conflict`, naming the coding) when ``action`` is ``"add"`` (a coder's
        own new coding, e.g. an accepted suggestion) and skipped for an import: it would count
        twice.  Another coder's identical coding is not a duplicate."""
        added: list[Coding] = []
        skipped = 0
        with self.write() as s:
            self.lock_interviews(s, [r["interview_id"] for r in rows])
            shas: dict[int, str] = {}
            for r in rows:
                uid = r.get("uid") or new_uid()
                if s.exec(select(Coding.id).where(Coding.uid == uid)).first() is not None:
                    skipped += 1
                    continue
                iv = self.interview_in(s, r["interview_id"])
                c = self.code_in(s, r["code_id"])
                _require_codable(c)
                self.check_span(iv, r["start"], r["end"])
                if action == "add":
                    self.protocol_check(s, r["coder"], iv)
                    refuse_duplicate(s, iv, c, r["coder"], r["start"], r["end"])
                elif duplicate_of(s, iv.id, c.id, r["coder"], r["start"], r["end"]) is not None:
                    skipped += 1
                    continue
                quote = iv.text[r["start"]:r["end"]]
                now = utcnow()
                # pins: the row's own (another copy's), a coder's new coding's now, else unknown
                pins = ({k: r.get(k) for k in PIN_FIELDS} if "definition_hash" in r
                        else pins_for(s, c) if action == "add" else {})
                row = Coding(uid=uid, interview_id=iv.id, code_id=c.id, coder=r["coder"], start=r["start"],
                             end=r["end"], quote_prefix=quote[:QUOTE_PREFIX_LEN], quote_sha256=textmod.sha256(quote),
                             memo=clean_memo(r.get("memo")), created_at=r.get("created_at") or now,
                             updated_at=r.get("updated_at") or r.get("created_at") or now,
                             blind=r.get("blind"), **pins)
                if action == "add" and r.get("blind") is None:
                    row.blind = blind_in(s, self.blind_policy, r["coder"])
                s.add(row)
                s.flush()
                sha = shas.setdefault(iv.id, iv.sha256)
                info = {**(detail or {}), **(r.get("detail") or {})}
                s.add(Event(coder=row.coder, action=action, coding_id=row.id, coding_uid=row.uid,
                            interview_id=row.interview_id, after=json.dumps(coding_snapshot(row, sha)),
                            detail=json.dumps(info, ensure_ascii=False) if info else None, state="final"))
                added.append(row)
        return added, skipped

    def _add(self, s: Session, interview: Interview | str | int, code: str | int, start: int, end: int, coder: str,
             memo: str, *, detail: dict | None = None) -> Coding:
        """``interview``: the row this transaction locked, or a reference to read it by."""
        iv = interview if isinstance(interview, Interview) else self.interview_in(s, interview)
        c = self.code_in(s, code)
        if c.retired_at is not None:
            raise InvalidInput(f"code '{c.key}' is retired (no longer in codebook.yaml); add it back to use it")
        _require_codable(c)
        self.check_span(iv, start, end)
        # the hand-in, duplicate and codebook-version reads, asked at once (a key press waits on them)
        dup, codebook_hash, n_steps = s.exec(select(
            duplicate_query(iv.id, c.id, coder, start, end).scalar_subquery(),
            current_codebook_query().scalar_subquery(),
            handin_steps_query(iv.id).scalar_subquery())).one()
        if n_steps:
            self.protocol_check(s, coder, iv)
        if dup is not None:
            refuse_duplicate(s, iv, c, coder, start, end)
        quote = iv.text[start:end]
        now = utcnow()
        row = Coding(interview_id=iv.id, code_id=c.id, coder=coder, start=start, end=end,
                     quote_prefix=quote[:QUOTE_PREFIX_LEN], quote_sha256=textmod.sha256(quote),
                     memo=clean_memo(memo), created_at=now, updated_at=now, **pins_with(codebook_hash, c))
        row.blind = blind_in(s, self.blind_policy, coder)
        s.add(row)
        s.flush()
        self._log(s, coder, "add", row, None, coding_snapshot(row, iv.sha256), detail=detail)
        return row

    def duplicate_codings(self) -> list[tuple[int, ...]]:
        """Groups of exact duplicate codings made before they were refused (read only)."""
        with self.read() as s:
            return duplicate_groups(s)

    def update_coding(self, coding_id: int, coder: str, *, code: str | int | None = None,
                      start: int | None = None, end: int | None = None, memo: str | None = None,
                      expect_sha: str | None = None, detail: dict | None = None) -> Coding:
        """Change one of ``coder``'s codings.  New offsets count in the interview's current
        text; with ``expect_sha`` the change is refused (:class:`TextChanged`) if the interview
        was re-imported since the caller read that version."""
        with self.write() as s:
            iv = self._lock_coding(s, coding_id, expect_sha)
            row = self._own(s, coding_id, coder)
            self.protocol_check(s, coder, iv)
            sha = iv.sha256
            before = coding_snapshot(row, sha)
            if code is not None:
                c = self.code_in(s, code)
                if c.retired_at is not None:
                    raise InvalidInput(f"code '{c.key}' is retired; add it back to codebook.yaml to use it")
                _require_codable(c)
                if c.id != row.code_id:   # a new judgement: made under the code's definition now
                    for k, v in pins_for(s, c).items():
                        setattr(row, k, v)
                row.code_id = c.id
            if start is not None or end is not None:
                st = row.start if start is None else start
                en = row.end if end is None else end
                self.check_span(iv, st, en)
                quote = iv.text[st:en]
                row.start, row.end = st, en
                row.quote_prefix, row.quote_sha256 = quote[:QUOTE_PREFIX_LEN], textmod.sha256(quote)
            if code is not None or start is not None or end is not None:
                refuse_duplicate(s, iv, self.code_in(s, row.code_id), coder, row.start, row.end, other_than=row.id)
            if memo is not None:
                row.memo = clean_memo(memo)
            if all(getattr(row, k) == before[k] for k in SNAPSHOT_FIELDS):
                return row
            if row.blind and not blind_in(s, self.blind_policy, coder):
                row.blind = False     # changed after its coder was unblinded: no longer made blind
            row.updated_at = utcnow()
            s.flush()
            self._log(s, coder, "update", row, before, coding_snapshot(row, sha), detail=detail)
            return row

    def remove_coding(self, coding_id: int, coder: str, *, expect_sha: str | None = None,
                      detail: dict | None = None) -> Coding:
        with self.write() as s:
            iv = self._lock_coding(s, coding_id, expect_sha)
            row = self._own(s, coding_id, coder)
            self.protocol_check(s, coder, iv)
            before = coding_snapshot(row, iv.sha256)
            s.delete(row)
            s.flush()
            self._log(s, coder, "remove", row, before, None, detail=detail)
            return row

    def _lock_coding(self, s: Session, coding_id: int, expect_sha: str | None) -> Interview:
        """Lock the interview of coding ``coding_id`` before the coding itself is read, so what
        is read is what a re-import that held the lock left."""
        iid = s.exec(select(Coding.interview_id).where(Coding.id == coding_id)).scalars().first()
        if iid is None:
            raise NotFound(f"no coding #{coding_id}: 'fieldcode code list' shows coding ids")
        return self.lock_interview(s, iid, expect_sha)

    def _own(self, s: Session, coding_id: int, coder: str) -> Coding:
        row = s.get(Coding, coding_id)
        if row is None:
            raise NotFound(f"no coding #{coding_id}: 'fieldcode code list' shows coding ids")
        if row.coder != coder:
            raise Conflict(f"coding #{coding_id} belongs to coder '{row.coder}', not '{coder}': "
                           "coders change only their own codings, so agreement stays measurable")
        return row

    def _log(self, s: Session, coder: str, action: str, row: Coding, before: dict | None, after: dict | None,
             *, detail: dict | None = None) -> None:
        # A new change makes anything this coder had undone impossible to redo.
        s.exec(update(Event).where(Event.coder == coder, Event.state == "undone").values(state="discarded"))
        s.add(Event(coder=coder, action=action, coding_id=row.id, coding_uid=row.uid,
                    interview_id=row.interview_id,
                    before=json.dumps(before) if before else None,
                    after=json.dumps(after) if after else None,
                    detail=json.dumps(detail, ensure_ascii=False) if detail else None))

    # -- undo / redo -------------------------------------------------------------------------
    def undo(self, coder: str) -> Event | None:
        """Undo ``coder``'s latest change still in effect.  Returns the change, or None when
        there is nothing to undo; raises Conflict (changing nothing) when the coding is no
        longer as that change left it."""
        return self._step(coder, redo=False)

    def redo(self, coder: str) -> Event | None:
        """Redo the change ``coder`` undid most recently, unless a new change came since."""
        return self._step(coder, redo=True)

    def _step(self, coder: str, *, redo: bool) -> Event | None:
        for _attempt in range(UNDO_RETRIES):
            with self.write() as s:
                ev = self._redoable(s, coder) if redo else self._undoable(s, coder)
                if ev is None:
                    return None
                if ev.interview_id is not None:
                    try:
                        self.lock_interview(s, ev.interview_id)
                    except NotFound:
                        pass   # _restore says the interview is gone
                iv_now = s.get(Interview, ev.interview_id) if ev.interview_id is not None else None
                if iv_now is not None:
                    self.protocol_check(s, coder, iv_now)
                frm, to = ("undone", "done") if redo else ("done", "undone")
                claimed = s.exec(update(Event).where(Event.id == ev.id, Event.state == frm).values(state=to))
                if claimed.rowcount != 1:
                    continue    # another terminal of this coder took it first: take the next one
                want, make = (ev.before, ev.after) if redo else (ev.after, ev.before)
                self._restore(s, ev, want, make, "redo" if redo else "undo")
                s.add(Event(coder=coder, action="redo" if redo else "undo", coding_id=ev.coding_id,
                            coding_uid=ev.coding_uid, interview_id=ev.interview_id, target_id=ev.id,
                            state="final"))
                ev.state = to
                return ev
        raise Conflict("other windows of yours are undoing and redoing at the same moment; try again")

    @staticmethod
    def _undoable(s: Session, coder: str) -> Event | None:
        return s.exec(select(Event).where(Event.coder == coder, Event.state == "done",
                                          Event.action.in_(CHANGE_ACTIONS))
                      .order_by(Event.id.desc()).limit(1)).scalars().first()

    @staticmethod
    def _redoable(s: Session, coder: str) -> Event | None:
        for u in s.exec(select(Event).where(Event.coder == coder, Event.action == "undo")
                        .order_by(Event.id.desc())).scalars():
            cand = s.get(Event, u.target_id)
            if cand is not None and cand.state == "undone":
                return cand
            if cand is not None and cand.state == "discarded":
                return None
        return None

    def _restore(self, s: Session, ev: Event, want: str | None, make: str | None, verb: str) -> None:
        """Bring coding ``ev.coding_uid`` from snapshot ``want`` (None = absent) to ``make``,
        after checking it is in ``want`` now.  Offsets are translated to the current text."""
        iv_sha = self._text_sha(s, ev.interview_id) if ev.interview_id is not None else None
        what = f"{verb} {describe_event(ev)} of coding #{ev.coding_id}"
        want_d = self._current_version(s, ev, want, iv_sha, what)
        make_d = self._current_version(s, ev, make, iv_sha, what)
        row = s.exec(select(Coding).where(Coding.uid == ev.coding_uid)).scalars().first() if ev.coding_uid else None
        if not self._matches(row, want_d):
            blocker = s.exec(select(Event).where(Event.coding_uid == ev.coding_uid, Event.id > ev.id,
                                                 Event.action.notin_(("undo", "redo")))
                             .order_by(Event.id.desc()).limit(1)).scalars().first()
            state = "is gone" if row is None else "has been changed"
            why = f"; {describe_event(blocker)} stands in the way" if blocker else ""
            raise Conflict(f"cannot {what}: that coding {state} since{why}. Nothing was changed. "
                           f"'fieldcode log --coding {ev.coding_id}' shows its history.")
        if make_d is None:
            s.delete(row)
            s.flush()
            return
        iv = s.get(Interview, make_d["interview_id"])
        if iv is None or s.get(Code, make_d["code_id"]) is None:
            raise Conflict(f"cannot {what}: its interview or code no longer exists. Nothing was changed.")
        quote = iv.text[make_d["start"]:make_d["end"]]
        fields = {k: make_d[k] for k in SNAPSHOT_FIELDS}
        if row is None or "definition_hash" in make_d:   # a snapshot from before pins: unknown
            fields.update({k: make_d.get(k) for k in (*PIN_FIELDS, "blind")})
        fields.update(quote_prefix=quote[:QUOTE_PREFIX_LEN], quote_sha256=textmod.sha256(quote),
                      updated_at=datetime.fromisoformat(make_d["updated_at"]))
        if row is None:
            s.add(Coding(id=make_d["id"], uid=make_d.get("uid") or ev.coding_uid,
                         created_at=datetime.fromisoformat(make_d["created_at"]), **fields))
        else:
            for k, v in fields.items():
                setattr(row, k, v)
        s.flush()

    @staticmethod
    def _matches(row: Coding | None, snap: dict | None) -> bool:
        if snap is None or row is None:
            return snap is None and row is None
        return (all(getattr(row, k) == snap[k] for k in SNAPSHOT_FIELDS)
                and all(getattr(row, k) == snap[k] for k in PIN_FIELDS if k in snap))

    def _current_version(self, s: Session, ev: Event, snapshot: str | None, iv_sha: str | None,
                         what: str) -> dict | None:
        """The snapshot with its offsets in the interview's current text."""
        if snapshot is None:
            return None
        d = json.loads(snapshot)
        sha = d.get("text_sha256")
        if sha is None:
            # Recorded by a release that did not note the version: valid only if no re-import
            # has happened to this interview since.
            later = s.exec(select(func.count()).select_from(TextChange).where(
                TextChange.interview_id == d["interview_id"])).scalar_one()
            reanchored = s.exec(select(func.count()).select_from(Event).where(
                Event.interview_id == d["interview_id"], Event.action == "reanchor",
                Event.id > ev.id)).scalar_one()
            if later or reanchored:
                raise Conflict(f"cannot {what}: it was recorded before the transcript was re-imported, "
                               "by a release that did not note the text version. Nothing was changed.")
            return d
        if sha == iv_sha:
            return d
        kept = self._kept_between(s, d["interview_id"], sha, iv_sha)
        if kept is None:
            raise Conflict(f"cannot {what}: its transcript version is not in this project's history. "
                           "Nothing was changed.")
        n_chars = s.exec(select(Interview.n_chars).where(Interview.id == d["interview_id"])).scalar_one()
        span = align.map_span(kept, d["start"], d["end"], n_chars)
        if span is None:
            raise Conflict(f"cannot {what}: the passage \u201c{d['quote_prefix'][:60]}\u201d was deleted from "
                           "the transcript by a re-import. Nothing was changed.")
        d = dict(d)
        d["start"], d["end"], d["text_sha256"] = span[0], span[1], iv_sha
        return d

    @staticmethod
    def _kept_between(s: Session, interview_id: int, frm: str, to: str | None):
        """Compose the recorded alignments from version ``frm`` to ``to`` (None: no path)."""
        changes = list(s.exec(select(TextChange).where(TextChange.interview_id == interview_id)
                              .order_by(TextChange.id)).scalars())
        kept = None
        cur = frm
        for ch in changes:
            if ch.from_sha256 != cur:
                continue
            step = [tuple(k) for k in json.loads(ch.kept)]
            kept = step if kept is None else align.compose(kept, step)
            cur = ch.to_sha256
            if cur == to:
                return kept
        return None

    # -- re-import --------------------------------------------------------------------------
    def reanchor_plan(self, interview_id: int, new_text: str) -> "Reanchor":
        """Where each of the interview's codings goes in ``new_text``, by aligning the stored
        text with it (see ``fieldcode.ingest.align``).  Nothing is written."""
        with self.read() as s:
            iv = s.get(Interview, interview_id)
            old_text, old_sha = iv.text, iv.sha256
            rows = [(c.id, c.coder, c.start, c.end) for c in s.exec(
                select(Coding).where(Coding.interview_id == interview_id).order_by(Coding.start, Coding.id)).scalars()]
        kept = align.align(old_text, new_text)
        plan = Reanchor(old_sha256=old_sha, kept=kept)
        plan.place(rows, old_text, new_text)
        return plan

    def replan(self, s: Session, interview_id: int, plan: "Reanchor", new_text: str, name: str) -> None:
        """Inside ``save_interview``'s locked transaction: the codings as they are now.  When a
        coder added, changed or removed any since ``plan`` was made, plan again from them with
        the same alignment (the stored text is the one planned from: its version was checked),
        so a change made while the import ran moves with its words instead of being put back.
        Refused (nothing changed) when the import may not move codings, or when a coding
        changed meanwhile now sits on text the new version deletes (its loss was not accepted)."""
        rows = [tuple(r) for r in s.exec(
            select(Coding.id, Coding.coder, Coding.start, Coding.end)
            .where(Coding.interview_id == interview_id).order_by(Coding.start, Coding.id)).all()]
        now = {cid: (coder, st, en) for cid, coder, st, en in rows}
        if now == plan.planned:
            return
        if not plan.may_move and rows:
            raise Conflict(f"{name}: codings were added or changed while this import ran; nothing was changed. "
                           "Run the import again (with --reanchor to move the codings with their words).")
        old_text = s.exec(select(Interview.text).where(Interview.id == interview_id)).scalar_one()
        accepted = dict(plan.lost)
        plan.replanned = sorted(cid for cid in set(now) | set(plan.planned) if now.get(cid) != plan.planned.get(cid))
        plan.moved, plan.changes, plan.unplaced, plan.lost, plan.planned = {}, [], [], {}, {}
        plan.place(rows, old_text, new_text)
        for m in list(plan.unplaced):
            was = accepted.get(m.coding_id)
            if was is not None and (was.coder, was.old_start, was.old_end) == (m.coder, m.old_start, m.old_end):
                plan.lost[m.coding_id] = m       # the loss the user accepted, of the coding they saw
                plan.unplaced.remove(m)
        if plan.unplaced:
            lines = "\n".join(f"  coding #{m.coding_id} by {m.coder} [{m.old_start}, {m.old_end}) "
                              f"\u201c{m.old_text[:60]}\u201d" for m in plan.unplaced)
            raise Conflict(f"{name}: while this import ran, {len(plan.unplaced)} coding(s) were put on text that "
                           f"the new version deletes; nothing was changed:\n{lines}\nRun the import again to "
                           "review them.")

    def record_text_change(self, s: Session, interview_id: int, plan: "Reanchor", new_sha: str,
                           coder: str | None, new_text: str) -> None:
        """Inside ``save_interview``'s transaction: keep the alignment, move the live codings
        (one ``reanchor`` event each, for those whose span or text changed) and delete those
        the user accepted as lost (one ``lost`` event each, naming who accepted); passage memos
        move with their words (``move_passage_memos``)."""
        old_sha = plan.old_sha256
        s.add(TextChange(interview_id=interview_id, from_sha256=old_sha, to_sha256=new_sha,
                         kept=json.dumps([list(k) for k in plan.kept]), coder=coder))
        now = utcnow()
        who = coder or "fieldcode"
        where = {"from_sha256": old_sha, "to_sha256": new_sha}
        for cid, (st, en) in plan.moved.items():
            c = s.get(Coding, cid)
            quote = new_text[st:en]
            if (c.start, c.end, c.quote_sha256) == (st, en, textmod.sha256(quote)):
                continue
            before = coding_snapshot(c, old_sha)
            c.start, c.end, c.updated_at = st, en, now
            c.quote_prefix, c.quote_sha256 = quote[:QUOTE_PREFIX_LEN], textmod.sha256(quote)
            s.flush()
            s.add(Event(coder=who, action="reanchor", coding_id=cid, coding_uid=c.uid, interview_id=interview_id,
                        before=json.dumps(before), after=json.dumps(coding_snapshot(c, new_sha)), state="final",
                        detail=json.dumps(where)))
        for cid in plan.lost:
            c = s.get(Coding, cid)
            before = coding_snapshot(c, old_sha)
            s.delete(c)
            s.flush()
            s.add(Event(coder=who, action="lost", coding_id=cid, coding_uid=c.uid, interview_id=interview_id,
                        before=json.dumps(before), state="final",
                        detail=json.dumps({"accepted_by": who, "reason": "its text was deleted from the transcript",
                                           **where}, ensure_ascii=False)))
        move_passage_memos(s, interview_id, plan.kept, new_text)

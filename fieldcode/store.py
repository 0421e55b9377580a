"""The only module that talks to the database.

* SQLite by default (a file in the project folder), PostgreSQL through any SQLAlchemy URL.
* SQLite connections: foreign keys on, WAL, ``synchronous=FULL`` and a busy timeout, and every
  write transaction starts with ``BEGIN IMMEDIATE`` so two processes on one file queue up instead
  of failing halfway.
* Every coding change is one committed transaction that also appends to the event log; undo and
  redo replay that log, so they survive a restart.
* Turns and sentences are bulk-inserted (one executemany per table), never row by row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from fieldcode import text as textmod
from fieldcode.codebook import Codebook
from fieldcode.errors import Conflict, FieldcodeError, InvalidInput, NotFound
from fieldcode.models import (
    Attribute,
    Code,
    Coding,
    CodebookVersion,
    Event,
    Interview,
    SentenceRow,
    TurnRow,
    utcnow,
)

BUSY_TIMEOUT_MS = 15_000
QUOTE_PREFIX_LEN = 80


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str) -> Engine:
    """An engine with fieldcode's connection rules applied."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # noqa: ANN001
            # Let SQLAlchemy (below) issue BEGIN itself, so we can make it IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("fieldcode_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


# --- value objects handed to the front ends -------------------------------------------------

@dataclass(frozen=True)
class PreparedInterview:
    """A transcript read, normalised and segmented, ready to be stored in one transaction."""

    name: str
    source_path: str
    format: str
    encoding: str | None
    text: str
    turns: list[textmod.Turn]
    interviewer_turns: list[bool]
    sentences: list[tuple[int, int]]
    attributes: dict[str, str]

    @cached_property
    def sha256(self) -> str:
        return textmod.sha256(self.text)

    @cached_property
    def n_words(self) -> int:
        return textmod.count_words(self.text)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # key, old, new
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    new_version: bool = False
    version_hash: str = ""


@dataclass(frozen=True)
class InterviewInfo:
    id: int
    name: str
    source_path: str
    n_words: int
    n_chars: int
    sha256: str
    attributes: dict[str, str]
    n_codings: int
    coded_chars: int
    coders: tuple[str, ...]

    @property
    def coded_share(self) -> float:
        return self.coded_chars / self.n_chars if self.n_chars else 0.0


def coding_snapshot(c: Coding) -> dict:
    return {
        "id": c.id, "interview_id": c.interview_id, "code_id": c.code_id, "coder": c.coder,
        "start": c.start, "end": c.end, "quote_prefix": c.quote_prefix,
        "quote_sha256": c.quote_sha256, "memo": c.memo,
        "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat(),
    }


def _from_snapshot(d: dict) -> dict:
    out = dict(d)
    out["created_at"] = datetime.fromisoformat(d["created_at"])
    out["updated_at"] = datetime.fromisoformat(d["updated_at"])
    return out


def _bulk_insert(conn: Connection, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One driver-level ``executemany`` of plain tuples: bulk rows skip SQLAlchemy's per-row
    parameter processing, which costs more than the insert itself for thousands of sentences."""
    q = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q(model.__tablename__)} ({', '.join(q(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    conn.exec_driver_sql(sql, rows)


class Store:
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(fieldcode_write=True)
        if migrate:
            from fieldcode.migrations import upgrade

            try:
                upgrade(self.engine)
            except OperationalError as exc:
                raise FieldcodeError(f"cannot open the database {self.safe_url}: {exc.orig}") from exc

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- sessions ----------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        with Session(self._writer, expire_on_commit=False) as s:
            with s.begin():
                yield s

    # -- codebook ----------------------------------------------------------------------------
    def sync_codebook(self, cb: Codebook) -> SyncReport:
        """Make the code table match codebook.yaml: add new codes, update names and fields
        (keys are stable, so a renamed code keeps its codings), retire codes no longer in the
        file (never delete), record the codebook version hash."""
        rep = SyncReport(version_hash=cb.hash)
        with self.write() as s:
            existing = {c.key: c for c in s.exec(select(Code)).scalars()}
            wanted = cb.by_key()
            for pos, cd in enumerate(cb.codes):
                c = existing.get(cd.key)
                fields = dict(
                    name=cd.name, colour=cd.colour, hotkey=cd.hotkey, definition=cd.definition,
                    use_when=cd.use_when, not_when=cd.not_when, example=cd.example,
                    keywords=json.dumps(cd.keywords, ensure_ascii=False), position=pos,
                )
                if c is None:
                    c = Code(key=cd.key, **fields)
                    s.add(c)
                    existing[cd.key] = c
                    rep.added.append(cd.key)
                    continue
                if c.retired_at is not None:
                    c.retired_at = None
                    rep.restored.append(cd.key)
                if c.name != cd.name:
                    rep.renamed.append((cd.key, c.name, cd.name))
                elif any(getattr(c, k) != v for k, v in fields.items() if k != "position"):
                    rep.changed.append(cd.key)
                for k, v in fields.items():
                    setattr(c, k, v)
            s.flush()
            for cd in cb.codes:
                parent_id = existing[cd.parent].id if cd.parent else None
                if existing[cd.key].parent_id != parent_id:
                    existing[cd.key].parent_id = parent_id
            for key, c in existing.items():
                if key not in wanted and c.retired_at is None:
                    c.retired_at = utcnow()
                    rep.retired.append(key)
            last = s.exec(select(CodebookVersion).order_by(CodebookVersion.id.desc()).limit(1)).scalars().first()
            if last is None or last.hash != cb.hash:
                s.add(CodebookVersion(hash=cb.hash, n_codes=len(cb.codes),
                                      yaml_text=cb.path.read_text(encoding="utf-8") if cb.path.exists() else ""))
                rep.new_version = True
        return rep

    def codebook_versions(self) -> list[CodebookVersion]:
        with self.read() as s:
            return list(s.exec(select(CodebookVersion).order_by(CodebookVersion.id)).scalars())

    def codes(self, include_retired: bool = False) -> list[Code]:
        with self.read() as s:
            q = select(Code).order_by(Code.position, Code.id)
            if not include_retired:
                q = q.where(Code.retired_at.is_(None))
            return list(s.exec(q).scalars())

    def code(self, ref: str | int) -> Code:
        with self.read() as s:
            return self._code(s, ref)

    def _code(self, s: Session, ref: str | int) -> Code:
        c = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            c = s.get(Code, int(ref))
        if c is None and isinstance(ref, str):
            c = s.exec(select(Code).where(Code.key == ref)).scalars().first()
            if c is None:
                c = s.exec(select(Code).where(func.lower(Code.name) == ref.lower())).scalars().first()
        if c is None:
            raise NotFound(f"no code '{ref}' in the codebook: 'fieldcode codebook show' lists the keys")
        return c

    # -- interviews --------------------------------------------------------------------------
    def interview(self, ref: str | int) -> Interview:
        with self.read() as s:
            return self._interview(s, ref)

    def _interview(self, s: Session, ref: str | int) -> Interview:
        iv = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            iv = s.get(Interview, int(ref))
        if iv is None and isinstance(ref, str):
            iv = s.exec(select(Interview).where(Interview.name == ref)).scalars().first()
            if iv is None:  # allow the file name without its suffix
                cands = [i for i in s.exec(select(Interview)).scalars() if Path(i.name).stem == ref]
                if len(cands) == 1:
                    iv = cands[0]
        if iv is None:
            raise NotFound(f"no interview '{ref}': 'fieldcode interviews' lists them")
        return iv

    def interview_versions(self) -> dict[str, tuple[int, str]]:
        """Every interview's name -> (id, sha256): one query for a whole import."""
        with self.read() as s:
            return {n: (i, h) for i, n, h in s.exec(select(Interview.id, Interview.name, Interview.sha256)).all()}

    def interview_ids(self) -> list[int]:
        with self.read() as s:
            return list(s.exec(select(Interview.id).order_by(Interview.name)).scalars())

    def attributes(self, interview_id: int) -> dict[str, str]:
        with self.read() as s:
            rows = s.exec(select(Attribute).where(Attribute.interview_id == interview_id)).scalars()
            return {a.name: a.value for a in rows}

    def all_attributes(self) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {}
        with self.read() as s:
            for a in s.exec(select(Attribute)).scalars():
                out.setdefault(a.interview_id, {})[a.name] = a.value
        return out

    def interview_infos(self, coder: str | None = None) -> list[InterviewInfo]:
        """Every interview with attributes, size and coding progress (coded share of text,
        overlapping codings counted once), optionally for one coder."""
        from fieldcode.spans import total_length

        attrs = self.all_attributes()
        with self.read() as s:
            ivs = s.exec(select(Interview.id, Interview.name, Interview.source_path, Interview.n_words,
                                Interview.n_chars, Interview.sha256).order_by(Interview.name)).all()
            q = select(Coding.interview_id, Coding.start, Coding.end, Coding.coder)
            if coder:
                q = q.where(Coding.coder == coder)
            spans: dict[int, list[tuple[int, int]]] = {}
            coders: dict[int, set[str]] = {}
            for iid, st, en, cd in s.exec(q).all():
                spans.setdefault(iid, []).append((st, en))
                coders.setdefault(iid, set()).add(cd)
        return [
            InterviewInfo(
                id=r[0], name=r[1], source_path=r[2], n_words=r[3], n_chars=r[4], sha256=r[5],
                attributes=attrs.get(r[0], {}), n_codings=len(spans.get(r[0], [])),
                coded_chars=total_length(spans.get(r[0], [])),
                coders=tuple(sorted(coders.get(r[0], ()))),
            )
            for r in ivs
        ]

    def turns(self, interview_id: int) -> list[TurnRow]:
        with self.read() as s:
            return list(s.exec(select(TurnRow).where(TurnRow.interview_id == interview_id).order_by(TurnRow.idx)).scalars())

    def sentences(self, interview_id: int) -> list[SentenceRow]:
        with self.read() as s:
            return list(s.exec(select(SentenceRow).where(SentenceRow.interview_id == interview_id).order_by(SentenceRow.idx)).scalars())

    def count_codings(self, interview_id: int) -> int:
        with self.read() as s:
            return s.exec(select(func.count()).select_from(Coding).where(Coding.interview_id == interview_id)).scalar_one()

    def save_interview(self, p: PreparedInterview, *, replace: int | None = None,
                       moved: dict[int, tuple[int, int]] | None = None, coder: str | None = None) -> int:
        """Store ``p`` whole or not at all.  With ``replace``, the interview's text, turns and
        sentences are replaced in the same transaction; ``moved`` re-anchors codings
        (coding id -> new span), each move logged as an event."""
        now = utcnow()
        with self.write() as s:
            if replace is None:
                iid = s.connection().execute(insert(Interview).values(
                    name=p.name, source_path=p.source_path, format=p.format, encoding=p.encoding,
                    sha256=p.sha256, text=p.text, n_chars=len(p.text), n_words=p.n_words,
                    imported_at=now, updated_at=now).returning(Interview.id)).scalar_one()
            else:
                iid = replace
                n_codings = s.exec(select(func.count()).select_from(Coding).where(Coding.interview_id == iid)).scalar_one()
                if n_codings and set((moved or {}).keys()) != set(
                        s.exec(select(Coding.id).where(Coding.interview_id == iid)).scalars()):
                    raise Conflict(f"{p.name}: the transcript changed and it has {n_codings} codings; "
                                   "re-import with --reanchor to move them")
                s.exec(delete(TurnRow).where(TurnRow.interview_id == iid))
                s.exec(delete(SentenceRow).where(SentenceRow.interview_id == iid))
                s.exec(delete(Attribute).where(Attribute.interview_id == iid))
                s.exec(update(Interview).where(Interview.id == iid).values(
                    source_path=p.source_path, format=p.format, encoding=p.encoding,
                    sha256=p.sha256, text=p.text, n_chars=len(p.text),
                    n_words=p.n_words, updated_at=now))
                for cid, (st, en) in (moved or {}).items():
                    c = s.get(Coding, cid)
                    before = coding_snapshot(c)
                    c.start, c.end, c.updated_at = st, en, now
                    s.flush()
                    s.add(Event(coder=coder or "fieldcode", action="reanchor", coding_id=cid, interview_id=iid,
                                before=json.dumps(before), after=json.dumps(coding_snapshot(c)), state="final"))
            conn = s.connection()
            if p.turns:
                _bulk_insert(conn, TurnRow, ("interview_id", "idx", "start", "end", "content_start", "speaker",
                                             "is_interviewer", "n_words"), [
                    (iid, i, t.start, t.end, t.content_start, t.speaker[:200], p.interviewer_turns[i],
                     textmod.count_words(p.text, t.content_start, t.end))
                    for i, t in enumerate(p.turns)
                ])
            if p.sentences:
                _bulk_insert(conn, SentenceRow, ("interview_id", "idx", "start", "end"),
                             [(iid, i, a, b) for i, (a, b) in enumerate(p.sentences)])
            if p.attributes:
                conn.execute(insert(Attribute), [
                    {"interview_id": iid, "name": k, "value": v} for k, v in p.attributes.items()
                ])
        return iid

    def set_attributes(self, interview_id: int, attrs: dict[str, str]) -> None:
        with self.write() as s:
            s.exec(delete(Attribute).where(Attribute.interview_id == interview_id))
            if attrs:
                s.connection().execute(insert(Attribute), [
                    {"interview_id": interview_id, "name": k, "value": v} for k, v in attrs.items()
                ])

    # -- codings -----------------------------------------------------------------------------
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

    def _check_span(self, iv: Interview, start: int, end: int) -> None:
        if not (0 <= start < end <= iv.n_chars):
            raise InvalidInput(
                f"span [{start}, {end}) is outside interview '{iv.name}' (its text has {iv.n_chars} "
                "characters; offsets are code points, start < end)")

    def add_coding(self, interview: str | int, code: str | int, start: int, end: int, coder: str,
                   memo: str = "") -> Coding:
        with self.write() as s:
            return self._add(s, interview, code, start, end, coder, memo)

    def add_codings(self, specs: list[tuple[str | int, str | int, int, int, str, str]]) -> tuple[list[Coding], int]:
        """Add many codings ``(interview, code, start, end, coder, memo)`` in ONE transaction:
        all or none.  A coding identical to an existing one (same interview, code, coder and
        span) is skipped, so importing the same file twice adds nothing.  Each added coding
        gets its own event.  Returns ``(added, skipped)``."""
        added: list[Coding] = []
        skipped = 0
        with self.write() as s:
            for interview, code, start, end, coder, memo in specs:
                iv = self._interview(s, interview)
                c = self._code(s, code)
                dup = s.exec(select(Coding.id).where(
                    Coding.interview_id == iv.id, Coding.code_id == c.id, Coding.coder == coder,
                    Coding.start == start, Coding.end == end)).first()
                if dup is not None:
                    skipped += 1
                    continue
                added.append(self._add(s, iv.id, c.id, start, end, coder, memo))
        return added, skipped

    def _add(self, s: Session, interview: str | int, code: str | int, start: int, end: int, coder: str,
             memo: str) -> Coding:
        iv = self._interview(s, interview)
        c = self._code(s, code)
        if c.retired_at is not None:
            raise InvalidInput(f"code '{c.key}' is retired (no longer in codebook.yaml); add it back to use it")
        self._check_span(iv, start, end)
        quote = iv.text[start:end]
        now = utcnow()
        row = Coding(interview_id=iv.id, code_id=c.id, coder=coder, start=start, end=end,
                     quote_prefix=quote[:QUOTE_PREFIX_LEN], quote_sha256=textmod.sha256(quote),
                     memo=memo, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        self._log(s, coder, "add", row, None, coding_snapshot(row))
        return row

    def update_coding(self, coding_id: int, coder: str, *, code: str | int | None = None,
                      start: int | None = None, end: int | None = None, memo: str | None = None) -> Coding:
        with self.write() as s:
            row = self._own(s, coding_id, coder)
            before = coding_snapshot(row)
            if code is not None:
                c = self._code(s, code)
                if c.retired_at is not None:
                    raise InvalidInput(f"code '{c.key}' is retired; add it back to codebook.yaml to use it")
                row.code_id = c.id
            if start is not None or end is not None:
                iv = s.get(Interview, row.interview_id)
                st = row.start if start is None else start
                en = row.end if end is None else end
                self._check_span(iv, st, en)
                quote = iv.text[st:en]
                row.start, row.end = st, en
                row.quote_prefix, row.quote_sha256 = quote[:QUOTE_PREFIX_LEN], textmod.sha256(quote)
            if memo is not None:
                row.memo = memo
            after = coding_snapshot(row)
            if {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}:
                return row
            row.updated_at = utcnow()
            s.flush()
            self._log(s, coder, "update", row, before, coding_snapshot(row))
            return row

    def remove_coding(self, coding_id: int, coder: str) -> Coding:
        with self.write() as s:
            row = self._own(s, coding_id, coder)
            before = coding_snapshot(row)
            s.delete(row)
            s.flush()
            self._log(s, coder, "remove", row, before, None)
            return row

    def _own(self, s: Session, coding_id: int, coder: str) -> Coding:
        row = s.get(Coding, coding_id)
        if row is None:
            raise NotFound(f"no coding #{coding_id}: 'fieldcode code list' shows coding ids")
        if row.coder != coder:
            raise Conflict(f"coding #{coding_id} belongs to coder '{row.coder}', not '{coder}': "
                           "coders change only their own codings, so agreement stays measurable")
        return row

    def _log(self, s: Session, coder: str, action: str, row: Coding, before: dict | None, after: dict | None) -> None:
        # A new change makes anything this coder had undone impossible to redo.
        s.exec(update(Event).where(Event.coder == coder, Event.state == "undone").values(state="discarded"))
        s.add(Event(coder=coder, action=action, coding_id=row.id, interview_id=row.interview_id,
                    before=json.dumps(before) if before else None,
                    after=json.dumps(after) if after else None))

    # -- undo / redo -------------------------------------------------------------------------
    def undo(self, coder: str) -> Event | None:
        """Undo ``coder``'s latest change still in effect.  Returns the change, or None."""
        with self.write() as s:
            ev = s.exec(select(Event).where(Event.coder == coder, Event.state == "done",
                                            Event.action.in_(("add", "remove", "update")))
                        .order_by(Event.id.desc()).limit(1)).scalars().first()
            if ev is None:
                return None
            self._apply(s, ev.before, ev.coding_id)
            ev.state = "undone"
            s.add(Event(coder=coder, action="undo", coding_id=ev.coding_id,
                        interview_id=ev.interview_id, target_id=ev.id, state="final"))
            return ev

    def redo(self, coder: str) -> Event | None:
        """Redo the change ``coder`` undid most recently, unless a new change came since."""
        with self.write() as s:
            last_undo = s.exec(select(Event).where(Event.coder == coder, Event.action == "undo")
                               .order_by(Event.id.desc())).scalars()
            ev = None
            for u in last_undo:
                cand = s.get(Event, u.target_id)
                if cand is not None and cand.state == "undone":
                    ev = cand
                    break
            if ev is None:
                return None
            self._apply(s, ev.after, ev.coding_id)
            ev.state = "done"
            s.add(Event(coder=coder, action="redo", coding_id=ev.coding_id,
                        interview_id=ev.interview_id, target_id=ev.id, state="final"))
            return ev

    def _apply(self, s: Session, snapshot: str | None, coding_id: int) -> None:
        """Make coding ``coding_id`` look like ``snapshot`` (None = absent)."""
        row = s.get(Coding, coding_id)
        if snapshot is None:
            if row is not None:
                s.delete(row)
            s.flush()
            return
        data = _from_snapshot(json.loads(snapshot))
        if row is None:
            iv = s.get(Interview, data["interview_id"])
            if iv is None or s.get(Code, data["code_id"]) is None:
                raise Conflict(f"cannot restore coding #{coding_id}: its interview or code no longer exists")
            s.add(Coding(**data))
        else:
            for k, v in data.items():
                setattr(row, k, v)
        s.flush()

    def events(self, *, coder: str | None = None, interview_id: int | None = None, limit: int = 50) -> list[Event]:
        with self.read() as s:
            q = select(Event)
            if coder:
                q = q.where(Event.coder == coder)
            if interview_id is not None:
                q = q.where(Event.interview_id == interview_id)
            return list(s.exec(q.order_by(Event.id.desc()).limit(limit)).scalars())

    def coders(self) -> list[str]:
        with self.read() as s:
            return sorted(s.exec(select(Coding.coder).distinct()).scalars())

    # -- queries for the TUI --
    def code_counts(self, *, interview_id: int | None = None, coder: str | None = None) -> dict[int, int]:
        """Number of coded segments per code id (in one interview or the whole study, optionally
        of one coder)."""
        with self.read() as s:
            q = select(Coding.code_id, func.count()).group_by(Coding.code_id)
            if interview_id is not None:
                q = q.where(Coding.interview_id == interview_id)
            if coder is not None:
                q = q.where(Coding.coder == coder)
            return {cid: n for cid, n in s.exec(q).all()}

    def last_event_id(self) -> int:
        """Id of the newest event (0 when none): a cheap "did anything change?" probe, so a
        screen can pick up another coder's work on the same database."""
        with self.read() as s:
            return s.exec(select(func.max(Event.id))).scalar_one() or 0

    def sentence_spans(self, interview_id: int) -> list[tuple[int, int]]:
        """``(start, end)`` of every sentence, in order, as plain tuples (no ORM objects: a
        50,000-word transcript has thousands)."""
        with self.read() as s:
            return [tuple(r) for r in s.exec(
                select(SentenceRow.start, SentenceRow.end)
                .where(SentenceRow.interview_id == interview_id).order_by(SentenceRow.idx)).all()]

    def turn_spans(self, interview_id: int) -> list[tuple[int, int, int, str, bool]]:
        """``(start, end, content_start, speaker, is_interviewer)`` of every turn, in order."""
        with self.read() as s:
            return [tuple(r) for r in s.exec(
                select(TurnRow.start, TurnRow.end, TurnRow.content_start, TurnRow.speaker,
                       TurnRow.is_interviewer)
                .where(TurnRow.interview_id == interview_id).order_by(TurnRow.idx)).all()]

    def coding_tuples(self, interview_id: int) -> list[tuple]:
        """``(id, code_id, coder, start, end, memo, created_at, updated_at)`` of every coding of
        an interview (all coders), ordered by start."""
        with self.read() as s:
            return [tuple(r) for r in s.exec(
                select(Coding.id, Coding.code_id, Coding.coder, Coding.start, Coding.end, Coding.memo,
                       Coding.created_at, Coding.updated_at)
                .where(Coding.interview_id == interview_id)
                .order_by(Coding.start, Coding.end, Coding.id)).all()]


@dataclass(frozen=True)
class TurnSpan:
    """A speaker turn as the analysis sees it."""
    start: int
    end: int
    content_start: int
    speaker: str
    is_interviewer: bool
    n_words: int = 0   # words of the turn's content (after the label)


# =============================================================================================
# Read-only aggregate queries for fieldcode.analysis (SQLAlchemy Core over the model tables:
# set-based, so a million codings never become a million Python objects).
# =============================================================================================


_CODE = Code.__table__
_CODING = Coding.__table__
_IV = Interview.__table__
_ATTR = Attribute.__table__
_TURN = TurnRow.__table__


def _q_codes(store) -> list[tuple[int, str, str, int | None, int, bool]]:
    with store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3], r[4], r[5] is not None) for r in conn.execute(
            select(_CODE.c.id, _CODE.c.key, _CODE.c.name, _CODE.c.parent_id, _CODE.c.position,
                   _CODE.c.retired_at))]


def _q_interviews(store) -> dict[int, tuple[str, int, dict[str, str]]]:
    """interview id -> (name, n_words, attributes), in name order."""
    with store.engine.connect() as conn:
        ivs = {r[0]: (r[1], r[2], {}) for r in conn.execute(
            select(_IV.c.id, _IV.c.name, _IV.c.n_words).order_by(_IV.c.name))}
        for iid, name, value in conn.execute(select(_ATTR.c.interview_id, _ATTR.c.name, _ATTR.c.value)):
            if iid in ivs:
                ivs[iid][2][name] = value
    return ivs


def _q_texts(store, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            out.update(conn.execute(select(_IV.c.id, _IV.c.text).where(_IV.c.id.in_(chunk))).all())
    return out


def _q_turns(store, ids: Sequence[int] | None = None) -> dict[int, list[TurnSpan]]:
    out: dict[int, list[TurnSpan]] = defaultdict(list)
    q = select(_TURN.c.interview_id, _TURN.c.start, _TURN.c.end, _TURN.c.content_start, _TURN.c.speaker,
               _TURN.c.is_interviewer, _TURN.c.n_words).order_by(_TURN.c.interview_id, _TURN.c.idx)
    with store.engine.connect() as conn:
        for chunk in ([None] if ids is None else _chunks(ids)):
            qq = q if chunk is None else q.where(_TURN.c.interview_id.in_(chunk))
            for iid, st, en, cs, sp, ii, nw in conn.execute(qq):
                out[iid].append(TurnSpan(st, en, cs, sp, bool(ii), nw))
    return dict(out)


def _q_codings(store, *, code_ids: Sequence[int] | None, interview_ids: Sequence[int] | None,
               coders: Sequence[str] | None) -> list[tuple[int, int, int, str, int, int, str]]:
    """(id, interview_id, code_id, coder, start, end, memo) rows."""
    q = select(_CODING.c.id, _CODING.c.interview_id, _CODING.c.code_id, _CODING.c.coder, _CODING.c.start,
               _CODING.c.end, _CODING.c.memo)
    if code_ids is not None:
        q = q.where(_CODING.c.code_id.in_(list(code_ids)))
    if coders:
        q = q.where(_CODING.c.coder.in_(list(coders)))
    if interview_ids is not None:
        q = q.where(_CODING.c.interview_id.in_(list(interview_ids)))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q.order_by(_CODING.c.interview_id, _CODING.c.start, _CODING.c.id))]


def _chunks(ids: Sequence[int], n: int = 900) -> list[list[int]]:
    ids = list(ids)
    return [ids[i:i + n] for i in range(0, len(ids), n)] or [[]]


def _q_n_chars(store, ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            out.update(conn.execute(select(_IV.c.id, _IV.c.n_chars).where(_IV.c.id.in_(chunk))).all())
    return out


def _q_coding_arrays(store, *, interview_ids: Sequence[int] | None, code_ids: Sequence[int] | None,
                     coders: Sequence[str] | None) -> dict:
    """interview id -> (code_ids, starts, ends) numpy arrays.

    A million codings come back as one aggregated string per interview, parsed in C by numpy,
    rather than as a million Python tuples (about three times faster).  When offsets fit, each
    coding is packed into one integer (code_id << 48 | start << 24 | length): half the work
    again for the database."""
    import numpy as np
    from sqlalchemy import BigInteger, String, cast, func

    c = _CODING.c
    with store.engine.connect() as conn:
        max_chars = conn.execute(select(func.max(_IV.c.n_chars))).scalar() or 0
        max_code = conn.execute(select(func.max(_CODE.c.id))).scalar() or 0
    packed = max_chars < (1 << 24) and max_code < (1 << 14)
    if packed:
        item = cast(cast(c.code_id, BigInteger) * (1 << 48) + cast(c.start, BigInteger) * (1 << 24)
                    + (c.end - c.start), String)
    else:
        item = cast(c.code_id, String) + "," + cast(c.start, String) + "," + cast(c.end, String)
    q = select(c.interview_id, func.aggregate_strings(item, ",")).group_by(c.interview_id)
    if code_ids is not None:
        q = q.where(c.code_id.in_(list(code_ids)))
    if coders:
        q = q.where(c.coder.in_(list(coders)))
    if interview_ids is not None:
        q = q.where(c.interview_id.in_(list(interview_ids)))
    out = {}
    with store.engine.connect() as conn:
        for iid, joined in conn.execute(q):
            v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
            if packed:
                starts = (v >> 24) & ((1 << 24) - 1)
                out[iid] = (v >> 48, starts, starts + (v & ((1 << 24) - 1)))
            else:
                out[iid] = (v[0::3], v[1::3], v[2::3])
    return out


def _q_coders(store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(_CODING.c.coder).distinct()).scalars())


# =============================================================================================
# Read-only queries for fieldcode.agreement (intercoder reliability) and the disagreement
# review: public names over the aggregate queries above, plus per-coder coding arrays.
# =============================================================================================

_SENT = SentenceRow.__table__


def q_code_rows(store) -> list[tuple[int, str, str, int | None, int, bool]]:
    """(id, key, name, parent_id, position, retired) of every code."""
    return _q_codes(store)


def q_interview_rows(store) -> dict[int, tuple[str, int, dict[str, str]]]:
    """interview id -> (name, n_words, attributes), in name order."""
    return _q_interviews(store)


def q_turn_spans(store, ids: Sequence[int] | None = None) -> dict[int, list[TurnSpan]]:
    return _q_turns(store, ids)


def q_texts(store, ids: Sequence[int]) -> dict[int, str]:
    return _q_texts(store, ids)


def q_n_chars(store, ids: Sequence[int]) -> dict[int, int]:
    return _q_n_chars(store, ids)


def q_coders_by_interview(store, ids: Sequence[int] | None = None) -> dict[int, set[str]]:
    """interview id -> the coders with at least one coding (any code) in it."""
    q = select(_CODING.c.interview_id, _CODING.c.coder).distinct()
    out: dict[int, set[str]] = defaultdict(set)
    with store.engine.connect() as conn:
        for chunk in ([None] if ids is None else _chunks(ids)):
            qq = q if chunk is None else q.where(_CODING.c.interview_id.in_(chunk))
            for iid, coder in conn.execute(qq):
                out[iid].add(coder)
    return dict(out)


def q_coding_arrays_by_coder(store, *, interview_ids: Sequence[int] | None, code_ids: Sequence[int] | None,
                             coders: Sequence[str]) -> dict[tuple[int, str], tuple]:
    """(interview id, coder) -> (code_ids, starts, ends) numpy arrays, one aggregated string per
    interview and coder (as ``_q_coding_arrays`` does, packed when offsets fit)."""
    import numpy as np
    from sqlalchemy import BigInteger, String, cast

    c = _CODING.c
    with store.engine.connect() as conn:
        max_chars = conn.execute(select(func.max(_IV.c.n_chars))).scalar() or 0
        max_code = conn.execute(select(func.max(_CODE.c.id))).scalar() or 0
    packed = max_chars < (1 << 24) and max_code < (1 << 14)
    if packed:
        item = cast(cast(c.code_id, BigInteger) * (1 << 48) + cast(c.start, BigInteger) * (1 << 24)
                    + (c.end - c.start), String)
    else:
        item = cast(c.code_id, String) + "," + cast(c.start, String) + "," + cast(c.end, String)
    q = (select(c.interview_id, c.coder, func.aggregate_strings(item, ","))
         .where(c.coder.in_(list(coders))).group_by(c.interview_id, c.coder))
    if code_ids is not None:
        q = q.where(c.code_id.in_(list(code_ids)))
    out = {}
    with store.engine.connect() as conn:
        for chunk in ([None] if interview_ids is None else _chunks(interview_ids)):
            qq = q if chunk is None else q.where(c.interview_id.in_(chunk))
            for iid, coder, joined in conn.execute(qq):
                v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
                if packed:
                    starts = (v >> 24) & ((1 << 24) - 1)
                    out[(iid, coder)] = (v >> 48, starts, starts + (v & ((1 << 24) - 1)))
                else:
                    out[(iid, coder)] = (v[0::3], v[1::3], v[2::3])
    return out


def q_sentence_arrays(store, ids: Sequence[int]) -> dict[int, tuple]:
    """interview id -> (starts, ends) numpy arrays of its stored sentences, in order."""
    import numpy as np

    rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    q = select(_SENT.c.interview_id, _SENT.c.start, _SENT.c.end).order_by(_SENT.c.interview_id, _SENT.c.idx)
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            for iid, st, en in conn.execute(q.where(_SENT.c.interview_id.in_(chunk))):
                rows[iid].append((st, en))
    out = {}
    for iid, lst in rows.items():
        a = np.array(lst, dtype=np.int64).reshape(-1, 2)
        out[iid] = (a[:, 0], a[:, 1])
    return out


def q_codings_overlapping(store, interview_id: int, start: int, end: int,
                          coders: Sequence[str]) -> list[tuple[int, str, int, str, int, int, str]]:
    """(coding id, uid, code_id, coder, start, end, memo) of the given coders' codings of one
    interview that share at least one character with ``[start, end)``, ordered by start."""
    c = _CODING.c
    q = (select(c.id, c.uid, c.code_id, c.coder, c.start, c.end, c.memo)
         .where(c.interview_id == interview_id, c.coder.in_(list(coders)), c.start < end, c.end > start)
         .order_by(c.start, c.end, c.id))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]

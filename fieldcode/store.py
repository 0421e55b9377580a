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
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, Integer, create_engine, delete, event, func, insert, select, update
from sqlalchemy import text as text_sql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from fieldcode import dblock
from fieldcode import store_search
from fieldcode import text as textmod
from fieldcode.codebook import Codebook
from fieldcode.errors import Conflict, FieldcodeError, InvalidInput, NotFound
from fieldcode.record import CodingRecord, Reanchor
from fieldcode.models import (
    Attribute,
    Code,
    Coding,
    CodebookVersion,
    Event,
    Interview,
    Memo,
    SentenceRow,
    TurnRow,
    utcnow,
)

BUSY_TIMEOUT_MS = 15_000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str) -> Engine:
    """An engine with fieldcode's connection rules applied.  A writer that waits longer than
    the busy timeout gets :class:`~fieldcode.errors.Busy` naming the holder (see dblock)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        database = engine.url.database
        holder = dblock.holder_path(database) if database and database != ":memory:" else None

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
                conn.info["fieldcode_wait"] = time.monotonic()
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                if holder is not None:
                    dblock.record_holder(holder)
                    conn.info["fieldcode_holder"] = True
            else:
                conn.exec_driver_sql("BEGIN")

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn: Connection) -> None:
            if conn.info.pop("fieldcode_holder", False):
                dblock.clear_holder(holder)

        @event.listens_for(engine, "handle_error")
        def _on_error(ctx) -> None:  # noqa: ANN001
            if "database is locked" in str(ctx.original_exception) or "database is busy" in str(ctx.original_exception):
                started = ctx.connection.info.get("fieldcode_wait") if ctx.connection is not None else None
                waited = time.monotonic() - started if started else BUSY_TIMEOUT_MS / 1000
                raise dblock.sqlite_busy(database or "database", waited) from ctx.original_exception

        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True, connect_args={
            "application_name": dblock.application_name(),
            "options": f"-c lock_timeout={BUSY_TIMEOUT_MS}"})

        @event.listens_for(engine, "handle_error")
        def _on_pg_error(ctx) -> None:  # noqa: ANN001
            if getattr(ctx.original_exception, "sqlstate", None) == "55P03":  # lock_not_available
                raise dblock.pg_busy(engine, BUSY_TIMEOUT_MS / 1000) from ctx.original_exception

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
    interviewer_labels: tuple[str, ...] = ()
    # the search index's words (fieldcode.segment.Words), from the same spaCy pass as sentences
    words: object = None
    pipeline: str | None = None   # the spaCy pipeline named in settings (None: the built-in one)

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
    # True when codebook.yaml differs from what the database last recorded and this read-only
    # open did not record it: the codes shown are those last recorded.
    pending: bool = False


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


def _bulk_insert(conn: Connection, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One driver-level ``executemany`` of plain tuples: bulk rows skip SQLAlchemy's per-row
    parameter processing, which costs more than the insert itself for thousands of sentences."""
    q = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q(model.__tablename__)} ({', '.join(q(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    conn.exec_driver_sql(sql, rows)


class Store(CodingRecord):
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(fieldcode_write=True)
        if migrate:
            from fieldcode.migrations import current, head, upgrade

            try:
                if current(self.engine) != head():
                    # Several processes opening a new database at once: the first migrates,
                    # the others wait for it and then find the schema current.
                    with dblock.migration_lock(self.engine):
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
    def recorded_codebook_hash(self) -> str | None:
        """The hash of the codebook the database last recorded (None for a new database)."""
        with self.read() as s:
            return s.exec(select(CodebookVersion.hash).order_by(CodebookVersion.id.desc()).limit(1)).scalars().first()

    def sync_codebook(self, cb: Codebook, *, write: bool = True) -> SyncReport:
        """Make the code table match codebook.yaml: add new codes, update names and fields
        (keys are stable, so a renamed code keeps its codings), retire codes no longer in the
        file (never delete), record the codebook version hash.

        Only a read when the database already recorded this codebook.  With ``write=False``
        (read-only commands) nothing is written: a changed codebook is reported as
        ``pending`` and the codes stay as last recorded."""
        rep = SyncReport(version_hash=cb.hash)
        recorded = self.recorded_codebook_hash()
        if recorded == cb.hash:
            return rep  # a read: commands never take the write lock for an unchanged codebook
        if not write and recorded is not None:  # a new database records its first codebook
            rep.pending = True
            return rep
        with self.write() as s:
            if s.get_bind().dialect.name == "postgresql":
                # two processes syncing one new codebook would both insert its codes
                s.exec(text_sql("SELECT pg_advisory_xact_lock(:k)").bindparams(k=dblock.MIGRATION_LOCK_KEY + 1))
            last = s.exec(select(CodebookVersion.hash).order_by(CodebookVersion.id.desc()).limit(1)).scalars().first()
            if last == cb.hash:
                return rep  # another process recorded it while we waited
            existing = {c.key: c for c in s.exec(select(Code)).scalars()}
            wanted = cb.by_key()
            for pos, cd in enumerate(cb.codes):
                c = existing.get(cd.key)
                fields = dict(
                    name=cd.name, colour=cd.colour, hotkey=cd.hotkey, definition=cd.definition,
                    use_when=cd.use_when, not_when=cd.not_when, example=cd.example,
                    keywords=json.dumps(cd.keywords, ensure_ascii=False), position=pos, codable=cd.codable,
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
                       plan: Reanchor | None = None, coder: str | None = None) -> int:
        """Store ``p`` whole or not at all.  With ``replace``, the interview's text, turns and
        sentences are replaced in the same transaction.  When the text changes, ``plan`` (from
        ``reanchor_plan``) says where every coding goes: each move is a ``reanchor`` event,
        each accepted loss a ``lost`` event, and the alignment is kept so later undo and redo
        translate their offsets."""
        now = utcnow()
        labels = json.dumps(list(p.interviewer_labels), ensure_ascii=False)
        with self.write() as s:
            if replace is None:
                iid = s.connection().execute(insert(Interview).values(
                    name=p.name, source_path=p.source_path, format=p.format, encoding=p.encoding,
                    sha256=p.sha256, text=p.text, n_chars=len(p.text), n_words=p.n_words,
                    interviewer_labels=labels, imported_at=now, updated_at=now).returning(Interview.id)).scalar_one()
            else:
                iid = replace
                old_sha = s.exec(select(Interview.sha256).where(Interview.id == iid)).scalar_one()
                if old_sha != p.sha256:
                    live = set(s.exec(select(Coding.id).where(Coding.interview_id == iid)).scalars())
                    if plan is None or plan.old_sha256 != old_sha:
                        raise Conflict(f"{p.name}: the stored transcript changed while this import was "
                                       "reading it (another import?); nothing was changed: run the import again")
                    unplanned = live - set(plan.moved) - set(plan.lost)
                    if unplanned:
                        raise Conflict(f"{p.name}: {len(unplanned)} coding(s) were added while this import ran; "
                                       "nothing was changed: run the import again")
                s.exec(delete(TurnRow).where(TurnRow.interview_id == iid))
                s.exec(delete(SentenceRow).where(SentenceRow.interview_id == iid))
                s.exec(delete(Attribute).where(Attribute.interview_id == iid))
                s.exec(update(Interview).where(Interview.id == iid).values(
                    source_path=p.source_path, format=p.format, encoding=p.encoding,
                    sha256=p.sha256, text=p.text, n_chars=len(p.text),
                    n_words=p.n_words, interviewer_labels=labels, updated_at=now))
                if old_sha != p.sha256:
                    self._record_text_change(s, iid, plan, p.sha256, coder, p.text)
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
            store_search.on_interview_saved(conn, iid, p, text_changed=replace is not None and old_sha != p.sha256,
                                            model=p.pipeline)
        return iid

    def interviewer_label_state(self) -> dict[int, tuple[str, list[str], dict[str, str]]]:
        """interview id -> (name, interviewer labels its turns were marked with, attributes)."""
        attrs = self.all_attributes()
        with self.read() as s:
            return {iid: (name, json.loads(labels or "[]"), attrs.get(iid, {})) for iid, name, labels in
                    s.exec(select(Interview.id, Interview.name, Interview.interviewer_labels)).all()}

    def remark_interviewer_turns(self, labels: dict[int, list[str]]) -> dict[int, int]:
        """Re-mark each interview's turns with its new interviewer labels, in one transaction.
        Returns interview id -> number of turns whose mark changed."""
        changed: dict[int, int] = {}
        with self.write() as s:
            for iid, lab in labels.items():
                n = 0
                for t in s.exec(select(TurnRow).where(TurnRow.interview_id == iid)).scalars():
                    flag = textmod.is_interviewer(t.speaker, tuple(lab))
                    if bool(t.is_interviewer) != flag:
                        t.is_interviewer = flag
                        n += 1
                s.exec(update(Interview).where(Interview.id == iid).values(
                    interviewer_labels=json.dumps(lab, ensure_ascii=False)))
                changed[iid] = n
        return changed

    def provenance(self) -> dict:
        """For a methods appendix: each interview's transcript hash, the interviewer labels its
        turns were marked with and its turn counts; codings per coder."""
        with self.read() as s:
            turns = {iid: (n, int(ni or 0)) for iid, n, ni in s.exec(
                select(TurnRow.interview_id, func.count(), func.sum(func.cast(TurnRow.is_interviewer, Integer)))
                .group_by(TurnRow.interview_id)).all()}
            ivs = [{"name": name, "sha256": sha, "interviewer_labels": json.loads(labels or "[]"),
                    "turns": turns.get(iid, (0, 0))[0], "interviewer_turns": turns.get(iid, (0, 0))[1]}
                   for iid, name, sha, labels in s.exec(select(Interview.id, Interview.name, Interview.sha256,
                                                               Interview.interviewer_labels).order_by(Interview.name)).all()]
            per_coder = dict(sorted(s.exec(select(Coding.coder, func.count()).group_by(Coding.coder)).all()))
        return {"interviews": ivs, "codings_per_coder": per_coder}

    def set_attributes(self, interview_id: int, attrs: dict[str, str]) -> None:
        with self.write() as s:
            s.exec(delete(Attribute).where(Attribute.interview_id == interview_id))
            if attrs:
                s.connection().execute(insert(Attribute), [
                    {"interview_id": interview_id, "name": k, "value": v} for k, v in attrs.items()
                ])

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

    def turn_counts(self) -> dict[int, tuple[int, int]]:
        """interview id -> (speaker turns, interviewer turns); interviews without turns are absent."""
        with self.read() as s:
            rows = s.exec(select(TurnRow.interview_id, func.count(),
                                 func.count().filter(TurnRow.is_interviewer.is_(True)))
                          .group_by(TurnRow.interview_id)).all()
        return {iid: (int(n), int(k)) for iid, n, k in rows}

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


def _coding_item(store):
    """The SQL expression that renders one coding for ``aggregate_strings``, and whether it is
    packed into one integer (code_id << 48 | start << 24 | length, when offsets fit)."""
    from sqlalchemy import BigInteger, String, cast

    c = _CODING.c
    with store.engine.connect() as conn:
        max_chars = conn.execute(select(func.max(_IV.c.n_chars))).scalar() or 0
        max_code = conn.execute(select(func.max(_CODE.c.id))).scalar() or 0
    packed = max_chars < (1 << 24) and max_code < (1 << 14)
    if packed:
        return cast(cast(c.code_id, BigInteger) * (1 << 48) + cast(c.start, BigInteger) * (1 << 24)
                    + (c.end - c.start), String), True
    return cast(c.code_id, String) + "," + cast(c.start, String) + "," + cast(c.end, String), False


def _unpack_codings(joined: str | None, packed: bool) -> tuple:
    """(code_ids, starts, ends) numpy arrays from one aggregated string of ``_coding_item``."""
    import numpy as np

    v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
    if packed:
        starts = (v >> 24) & ((1 << 24) - 1)
        return v >> 48, starts, starts + (v & ((1 << 24) - 1))
    return v[0::3], v[1::3], v[2::3]


def _q_coding_arrays(store, *, interview_ids: Sequence[int] | None, code_ids: Sequence[int] | None,
                     coders: Sequence[str] | None) -> dict:
    """interview id -> (code_ids, starts, ends) numpy arrays.

    A million codings come back as one aggregated string per interview, parsed in C by numpy,
    rather than as a million Python tuples (about three times faster).  When offsets fit, each
    coding is packed into one integer (code_id << 48 | start << 24 | length): half the work
    again for the database."""
    c = _CODING.c
    item, packed = _coding_item(store)
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
            out[iid] = _unpack_codings(joined, packed)
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
    c = _CODING.c
    item, packed = _coding_item(store)
    q = (select(c.interview_id, c.coder, func.aggregate_strings(item, ","))
         .where(c.coder.in_(list(coders))).group_by(c.interview_id, c.coder))
    if code_ids is not None:
        q = q.where(c.code_id.in_(list(code_ids)))
    out = {}
    with store.engine.connect() as conn:
        for chunk in ([None] if interview_ids is None else _chunks(interview_ids)):
            qq = q if chunk is None else q.where(c.interview_id.in_(chunk))
            for iid, coder, joined in conn.execute(qq):
                out[(iid, coder)] = _unpack_codings(joined, packed)
    return out


def q_sentence_arrays(store, ids: Sequence[int]) -> dict[int, tuple]:
    """interview id -> (starts, ends) numpy arrays of its stored sentences, in order (one
    aggregated string per interview, parsed by numpy)."""
    import numpy as np
    from sqlalchemy import String, cast

    item = cast(_SENT.c.start, String) + "," + cast(_SENT.c.end, String)
    q = (select(_SENT.c.interview_id, func.aggregate_strings(item, ","))
         .group_by(_SENT.c.interview_id))
    out = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            for iid, joined in conn.execute(q.where(_SENT.c.interview_id.in_(chunk))):
                v = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
                starts, ends = v[0::2], v[1::2]
                order = np.argsort(starts, kind="stable")   # aggregate order is not guaranteed
                out[iid] = (starts[order], ends[order])
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


# =============================================================================================
# Code management and memos.  Merge and rekey change the database and codebook.yaml together:
# the file is replaced inside the database transaction (``on_commit``) and put back
# (``on_abort``) if the transaction then fails, so codings never end up under a retired twin.
# =============================================================================================

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
    from fieldcode.record import coding_snapshot

    abort = None
    try:
        with store.write() as s:
            src, tgt = store._code(s, source), store._code(s, target)
            if src.id == tgt.id:
                raise InvalidInput(f"cannot merge code '{src.key}' into itself")
            detail = {"merge": {"from": src.key, "into": tgt.key, "from_name": src.name, "into_name": tgt.name}}
            rows = list(s.exec(select(Coding).where(Coding.code_id == src.id).order_by(Coding.id)).scalars())
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
            abort = _file_change(s, on_commit, on_abort)
    except BaseException:
        if abort is not None:
            abort()
        raise
    return len(rows)


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


@dataclass(frozen=True)
class MemoInfo:
    """A memo as the screens and exports show it.  ``kind``: interview, passage, code or coding
    (a coding's own memo, ``coding_id`` set; edited through the coding)."""

    kind: str
    id: int
    uid: str
    author: str
    text: str
    interview_id: int | None
    interview: str
    code_id: int | None
    code_key: str
    code_name: str
    start: int | None
    end: int | None
    quote: str
    created_at: datetime
    updated_at: datetime
    coding_id: int | None = None


def _memo_kind(m: Memo) -> str:
    if m.interview_id is None:
        return "code"
    return "passage" if m.start is not None else "interview"


def add_memo(store, author: str, text: str, *, interview_id: int | None = None, code_id: int | None = None,  # noqa: ANN001
             start: int | None = None, end: int | None = None) -> int:
    """A memo on an interview, a passage of it (``start``/``end``, with or without a code), or a
    code (``code_id`` alone).  Returns its id."""
    if not text.strip():
        raise InvalidInput("a memo needs some text")
    if interview_id is None and code_id is None:
        raise InvalidInput("a memo belongs to an interview, a passage or a code")
    if (start is None) != (end is None) or (start is not None and interview_id is None):
        raise InvalidInput("a passage memo needs an interview and both start and end")
    with store.write() as s:
        prefix = ""
        if interview_id is not None:
            iv = s.get(Interview, interview_id)
            if iv is None:
                raise NotFound(f"no interview #{interview_id}")
            if start is not None:
                store._check_span(iv, start, end)
                prefix = iv.text[start:end][:80]
        if code_id is not None and s.get(Code, code_id) is None:
            raise NotFound(f"no code #{code_id}")
        now = utcnow()
        m = Memo(author=author, interview_id=interview_id, code_id=code_id, start=start, end=end,
                 quote_prefix=prefix, text=text, created_at=now, updated_at=now)
        s.add(m)
        s.flush()
        return m.id


def _own_memo(s: Session, memo_id: int, author: str) -> Memo:
    m = s.get(Memo, memo_id)
    if m is None:
        raise NotFound(f"no memo #{memo_id}")
    if m.author != author:
        raise Conflict(f"memo #{memo_id} was written by {m.author}; each researcher edits only their own memos")
    return m


def update_memo(store, memo_id: int, author: str, text: str) -> None:  # noqa: ANN001
    if not text.strip():
        raise InvalidInput("a memo needs some text (delete it instead)")
    with store.write() as s:
        m = _own_memo(s, memo_id, author)
        if m.text != text:
            m.text, m.updated_at = text, utcnow()


def delete_memo(store, memo_id: int, author: str) -> None:  # noqa: ANN001
    with store.write() as s:
        s.delete(_own_memo(s, memo_id, author))


def memos(store, *, interview_id: int | None = None, code_id: int | None = None,  # noqa: ANN001
          author: str | None = None, codings: bool = True) -> list[MemoInfo]:
    """Every memo (and, with ``codings``, every coding's memo), filtered, in interview and text
    order (code memos last)."""
    out: list[MemoInfo] = []
    with store.read() as s:
        names = dict(s.exec(select(Interview.id, Interview.name)).all())
        codes = {c.id: (c.key, c.name) for c in s.exec(select(Code)).scalars()}
        texts: dict[int, str] = {}

        def text_of(iid: int) -> str:
            if iid not in texts:
                texts[iid] = s.get(Interview, iid).text
            return texts[iid]

        q = select(Memo)
        if interview_id is not None:
            q = q.where(Memo.interview_id == interview_id)
        if code_id is not None:
            q = q.where(Memo.code_id == code_id)
        if author is not None:
            q = q.where(Memo.author == author)
        for m in s.exec(q).scalars():
            key, name = codes.get(m.code_id, ("", ""))
            quote = text_of(m.interview_id)[m.start:m.end] if m.start is not None else ""
            out.append(MemoInfo(_memo_kind(m), m.id, m.uid, m.author, m.text, m.interview_id,
                                names.get(m.interview_id, ""), m.code_id, key, name, m.start, m.end,
                                quote, m.created_at, m.updated_at))
        if codings:
            q = select(Coding).where(Coding.memo != "")
            if interview_id is not None:
                q = q.where(Coding.interview_id == interview_id)
            if code_id is not None:
                q = q.where(Coding.code_id == code_id)
            if author is not None:
                q = q.where(Coding.coder == author)
            for c in s.exec(q).scalars():
                key, name = codes.get(c.code_id, ("", ""))
                out.append(MemoInfo("coding", c.id, c.uid, c.coder, c.memo, c.interview_id,
                                    names.get(c.interview_id, ""), c.code_id, key, name, c.start, c.end,
                                    text_of(c.interview_id)[c.start:c.end], c.created_at, c.updated_at,
                                    coding_id=c.id))
    out.sort(key=lambda m: (m.interview_id is None, m.interview, m.start if m.start is not None else -1,
                            m.kind, m.created_at, m.id))
    return out


# =============================================================================================
# Exchange with other tools (fieldcode.exchange): whole-study rows for an export, memos with
# their identity for an import, and the undo of an import that failed halfway.
# =============================================================================================


def exchange_rows(store) -> dict:  # noqa: ANN001
    """Everything a REFI-QDA export needs, as plain dicts: interviews (with attributes), codes
    (active ones, and retired ones that still have codings), codings and memos."""
    attrs = store.all_attributes()
    with store.read() as s:
        ivs = [dict(id=i.id, name=i.name, text=i.text, sha256=i.sha256, imported_at=i.imported_at,
                    attributes=attrs.get(i.id, {}))
               for i in s.exec(select(Interview).order_by(Interview.name)).scalars()]
        used = set(s.exec(select(Coding.code_id).distinct()).scalars())
        used |= {c for c in s.exec(select(Memo.code_id).where(Memo.code_id.is_not(None)).distinct()).scalars()}
        codes = [dict(id=c.id, key=c.key, name=c.name, parent_id=c.parent_id, colour=c.colour,
                      definition=c.definition, use_when=c.use_when, not_when=c.not_when, example=c.example,
                      codable=c.codable)
                 for c in s.exec(select(Code).order_by(Code.position, Code.id)).scalars()
                 if c.retired_at is None or c.id in used]
        codings = [dict(uid=c.uid, interview_id=c.interview_id, code_id=c.code_id, coder=c.coder, start=c.start,
                        end=c.end, memo=c.memo, created_at=c.created_at, updated_at=c.updated_at)
                   for c in s.exec(select(Coding).order_by(Coding.interview_id, Coding.start, Coding.id)).scalars()]
        memos_ = [dict(uid=m.uid, author=m.author, interview_id=m.interview_id, code_id=m.code_id, start=m.start,
                       end=m.end, text=m.text, created_at=m.created_at, updated_at=m.updated_at)
                  for m in s.exec(select(Memo).order_by(Memo.id)).scalars()]
    return dict(interviews=ivs, codes=codes, codings=codings, memos=memos_)


def exchange_insert_memos(store, rows: list[dict]) -> tuple[list[str], int]:  # noqa: ANN001
    """Memos from another copy or tool, keeping uid and times: one transaction; a row whose uid
    is already here is skipped.  Returns ``(added uids, skipped)``."""
    added: list[str] = []
    skipped = 0
    with store.write() as s:
        for r in rows:
            if s.exec(select(Memo.id).where(Memo.uid == r["uid"])).first() is not None:
                skipped += 1
                continue
            prefix = ""
            if r.get("interview_id") is not None and r.get("start") is not None:
                iv = s.get(Interview, r["interview_id"])
                store._check_span(iv, r["start"], r["end"])
                prefix = iv.text[r["start"]:r["end"]][:80]   # as add_memo keeps it
            now = utcnow()
            s.add(Memo(uid=r["uid"], author=r["author"], interview_id=r.get("interview_id"),
                       code_id=r.get("code_id"), start=r.get("start"), end=r.get("end"), quote_prefix=prefix,
                       text=r["text"], created_at=r.get("created_at") or now,
                       updated_at=r.get("updated_at") or r.get("created_at") or now))
            added.append(r["uid"])
    return added, skipped


def exchange_existing_uids(store, coding_uids: Iterable[str], memo_uids: Iterable[str]) -> tuple[set[str], set[str]]:  # noqa: ANN001
    """Which of these coding and memo uids are already in the database."""
    cu, mu = list(coding_uids), list(memo_uids)
    out_c: set[str] = set()
    out_m: set[str] = set()
    with store.read() as s:
        for i in range(0, len(cu), 900):
            out_c |= set(s.exec(select(Coding.uid).where(Coding.uid.in_(cu[i:i + 900]))).scalars())
        for i in range(0, len(mu), 900):
            out_m |= set(s.exec(select(Memo.uid).where(Memo.uid.in_(mu[i:i + 900]))).scalars())
    return out_c, out_m


def exchange_set_imported_at(store, interview_id: int, when: datetime) -> None:  # noqa: ANN001
    """Keep the creation time an exchange file gives a source (so a round trip keeps it)."""
    with store.write() as s:
        s.exec(update(Interview).where(Interview.id == interview_id).values(imported_at=when))


def exchange_rollback(store, *, coding_uids: Iterable[str] = (), memo_uids: Iterable[str] = (),  # noqa: ANN001
                      interview_ids: Iterable[int] = (), code_keys: Iterable[str] = (),
                      attributes: dict[int, dict[str, str]] | None = None) -> None:
    """Undo an import that failed after some of its steps were stored: remove exactly what it
    added (codings and their events, memos, new interviews, new codes without codings) and put
    back the attributes it changed, in one transaction."""
    cu, mu, ii, keys = list(coding_uids), list(memo_uids), list(interview_ids), list(code_keys)
    with store.write() as s:
        if cu:
            s.exec(delete(Event).where(Event.coding_uid.in_(cu)))
            s.exec(delete(Coding).where(Coding.uid.in_(cu)))
        if mu:
            s.exec(delete(Memo).where(Memo.uid.in_(mu)))
        for iid, attrs in (attributes or {}).items():
            s.exec(delete(Attribute).where(Attribute.interview_id == iid))
            for k, v in attrs.items():
                s.add(Attribute(interview_id=iid, name=k, value=v))
        if ii:
            s.exec(delete(Interview).where(Interview.id.in_(ii)))
        if keys:
            s.flush()
            ids = list(s.exec(select(Code.id).where(Code.key.in_(keys))).scalars())
            used = set(s.exec(select(Coding.code_id).where(Coding.code_id.in_(ids))).scalars()) | set(
                s.exec(select(Memo.code_id).where(Memo.code_id.in_(ids))).scalars())
            free = [i for i in ids if i not in used]
            # children first, so no parent is removed while a child still points at it
            while free:
                parents = set(s.exec(select(Code.parent_id).where(Code.id.in_(free))).scalars())
                leaves = [i for i in free if i not in parents] or free
                s.exec(update(Code).where(Code.parent_id.in_(leaves)).values(parent_id=None))
                s.exec(delete(Code).where(Code.id.in_(leaves)))
                free = [i for i in free if i not in leaves]


# =============================================================================================
# Merging another copy of the project (fieldcode.merge): read a copy whole, write a merge plan
# in one transaction.
# =============================================================================================


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
    (id -> (key, name)), codings (uid -> dict) and events by coding uid (uid -> [dict], in log
    order), with times as naive ISO strings."""
    c, e = _CODING.c, Event.__table__.c
    out: dict = {"interviews": {}, "codes": {}, "codings": {}, "events": defaultdict(list)}
    with store.engine.connect() as conn:
        for iid, name, sha in conn.execute(select(_IV.c.id, _IV.c.name, _IV.c.sha256)):
            out["interviews"][iid] = (name, sha)
        for cid, key, name in conn.execute(select(_CODE.c.id, _CODE.c.key, _CODE.c.name)):
            out["codes"][cid] = (key, name)
        for r in conn.execute(select(c.id, c.uid, c.interview_id, c.code_id, c.coder, c.start, c.end, c.memo,
                                     c.created_at, c.updated_at)):
            out["codings"][r.uid] = {"id": r.id, "uid": r.uid, "interview_id": r.interview_id, "code_id": r.code_id,
                                     "coder": r.coder, "start": r.start, "end": r.end, "memo": r.memo,
                                     "created_at": _naive_iso(r.created_at), "updated_at": _naive_iso(r.updated_at)}
        for r in conn.execute(select(e.id, e.at, e.coder, e.action, e.coding_uid, e.interview_id, e.before, e.after,
                                     e.detail).where(e.coding_uid.is_not(None)).order_by(e.id)):
            out["events"][r.coding_uid].append(
                {"id": r.id, "at": _naive_iso(r.at), "coder": r.coder, "action": r.action,
                 "interview_id": r.interview_id, "before": r.before, "after": r.after, "detail": r.detail})
    out["events"] = dict(out["events"])
    return out


def apply_merge(store, *, inserts: Sequence[dict], updates: Sequence[dict], removals: Sequence[str],
                events: Sequence[dict]) -> None:
    """Write a merge in ONE transaction (all or nothing).

    * ``inserts``: coding dicts (uid, interview_id, code_id, coder, start, end, memo, created_at,
      updated_at) in local ids; a uid already present makes the whole merge fail.
    * ``updates``: the same, for codings (by uid) that take the other copy's state.
    * ``removals``: uids of codings the other copy removed.
    * ``events``: the other copy's history of those codings, copied in with their own time, coder
      and action (``state`` final, so nobody's undo reaches across copies); dicts with at, coder,
      action, coding_uid, interview_id, before, after, detail (JSON text)."""
    from fieldcode.record import QUOTE_PREFIX_LEN as QP

    with store.write() as s:
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
                         created_at=_utc(d["created_at"]), updated_at=_utc(d["updated_at"])))
        for d in updates:
            row = s.exec(select(Coding).where(Coding.uid == d["uid"])).scalars().first()
            if row is None:
                raise Conflict(f"coding {d['uid']} was removed here while merging; nothing was merged, run it again")
            for k in ("interview_id", "code_id", "start", "end", "memo"):
                setattr(row, k, d[k])
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


# =============================================================================================
# Consensus review (fieldcode.consensus): a consensus coder's decisions on two coders'
# disagreements, each written in one transaction with the codings it creates.
# =============================================================================================


def q_consensus_decisions(store, coder: str) -> list[dict]:
    """The ``detail`` of every consensus decision event of ``coder``, in log order."""
    e = Event.__table__.c
    with store.engine.connect() as conn:
        return [json.loads(d) for d in conn.execute(
            select(e.detail).where(e.coder == coder, e.action == "consensus", e.coding_uid.is_(None))
            .order_by(e.id)).scalars() if d]


def write_consensus(store, *, coder: str, rows: Sequence[dict], decision: dict) -> int:
    """ONE transaction: the consensus coder's new codings (dicts with interview_id, code_id,
    start, end, memo and ``sources``, the uids they come from), each with an event
    ``consensus`` whose detail names its sources, and the decision event itself (no coding:
    ``detail`` = ``decision``).  Returns the number of codings written."""
    from fieldcode.record import QUOTE_PREFIX_LEN as QP
    from fieldcode.record import coding_snapshot

    with store.write() as s:
        for r in rows:
            iv = s.get(Interview, r["interview_id"])
            if iv is None or not (0 <= r["start"] < r["end"] <= iv.n_chars):
                raise InvalidInput(f"consensus coding [{r['start']}, {r['end']}) does not fit its interview")
            q = iv.text[r["start"]:r["end"]]
            row = Coding(interview_id=iv.id, code_id=r["code_id"], coder=coder, start=r["start"], end=r["end"],
                         memo=r.get("memo") or "", quote_prefix=q[:QP], quote_sha256=textmod.sha256(q))
            s.add(row)
            s.flush()
            s.add(Event(coder=coder, action="consensus", coding_id=row.id, coding_uid=row.uid,
                        interview_id=iv.id, after=json.dumps(coding_snapshot(row, iv.sha256)),
                        detail=json.dumps({"sources": list(r["sources"]), "decision": decision.get("decision")}),
                        state="final"))
        s.add(Event(coder=coder, action="consensus", interview_id=decision.get("interview_id"),
                    detail=json.dumps(decision, ensure_ascii=False), state="final"))
    return len(rows)

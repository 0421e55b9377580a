"""The ``Store`` class: one database, its sessions, and the tables an import and the screens
read and write directly (codebook sync, interviews with their turns, sentences and attributes).

* Every coding change is one committed transaction that also appends to the event log; undo and
  redo replay that log, so they survive a restart (``fieldcode.store.record``, mixed in here).
* Turns and sentences are bulk-inserted (one executemany per table), never row by row.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Integer, delete, func, insert, select, update
from sqlalchemy import text as text_sql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from fieldcode.store import dblock
from fieldcode.store import search_index
from fieldcode.store import turn_marks
from fieldcode import text as textmod
from fieldcode.study.codebook import Codebook
from fieldcode.errors import Conflict, FieldcodeError, NotFound
from fieldcode.store.models import (
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
from fieldcode.store.engine import make_engine
from fieldcode.store.reanchor import Reanchor
from fieldcode.store.record import CodingRecord
from fieldcode.store.recheck import RecheckRecord


# the columns of a coding tuple (Store.coding_tuples and coding_tuples_of)
_CODING_TUPLE = (Coding.id, Coding.code_id, Coding.coder, Coding.start, Coding.end, Coding.memo,
                 Coding.created_at, Coding.updated_at)


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
    # the search index's words (fieldcode.ingest.segment.Words), from the same spaCy pass as sentences
    words: object = None
    pipeline: str | None = None   # the spaCy pipeline named in settings (None: the built-in one)
    turn_rule: str = ""           # the rule its turns were detected with (fieldcode.store.turn_marks.rule_key)

    @cached_property
    def sha256(self) -> str:
        return textmod.sha256(self.text)

    @cached_property
    def word_counts(self) -> tuple[int, list[int]]:
        """(words of the text, words of each turn's content), counted in one pass."""
        return textmod.count_words_by_turn(self.text, self.turns)

    @property
    def n_words(self) -> int:
        return self.word_counts[0]


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


_INSERT_INTERVIEW = insert(Interview.__table__).returning(Interview.__table__.c.id)


def bulk_insert(conn: Connection, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One driver-level ``executemany`` of plain tuples: bulk rows skip SQLAlchemy's per-row
    parameter processing, which costs more than the insert itself for thousands of sentences."""
    q = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q(model.__tablename__)} ({', '.join(q(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    conn.exec_driver_sql(sql, rows)


class Store(CodingRecord, RecheckRecord):
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(fieldcode_write=True)
        # interview id -> its turns as the current settings mark them, for a command that only
        # reads while the stored marks are out of date (set by the project; every turn query applies it)
        self.turn_overlay: dict = {}
        self.overlay_labels: dict[int, list[str]] = {}   # and the labels they are marked with
        if migrate:
            from fieldcode.store.migrations import current, head, upgrade

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
        """One write transaction: committed on success, rolled back on any error.  Inside
        :meth:`transaction` (same thread) it joins that one transaction instead."""
        outer = self._outer()
        if outer is not None:
            yield outer
            return
        with Session(self._writer, expire_on_commit=False) as s:
            with s.begin():
                yield s

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Every write in this block (``write()``, ``save_interview``, ``sync_codebook``,
        ``insert_codings``, ...) as ONE transaction: all committed at the end, or none (an error,
        or a kill of the process, leaves the database as it was).  Reads through ``read()``
        do not see its uncommitted rows; use the session it yields."""
        with self.write() as s:
            tx = self.__dict__.setdefault("_tx_local", threading.local())
            tx.session = s
            try:
                yield s
            finally:
                tx.session = None

    def _outer(self) -> Session | None:
        tx = self.__dict__.get("_tx_local")
        return getattr(tx, "session", None) if tx is not None else None

    # -- codebook ----------------------------------------------------------------------------
    def recorded_codebook_hash(self) -> str | None:
        """The hash of the codebook the database last recorded (None for a new database)."""
        with self.read() as s:
            return s.exec(select(CodebookVersion.hash).order_by(CodebookVersion.id.desc()).limit(1)).scalars().first()

    def sync_codebook(self, cb: Codebook, *, write: bool = True, by: str | None = None) -> SyncReport:
        """Make the code table match codebook.yaml: add new codes, update names and fields
        (keys are stable, so a renamed code keeps its codings), retire codes no longer in the
        file (never delete), record the codebook version hash.

        Only a read when the database already recorded this codebook.  With ``write=False``
        (read-only commands) nothing is written: a changed codebook is reported as
        ``pending`` and the codes stay as last recorded.  ``by``: the coder whose command
        records it (``fieldcode codebook history`` shows who)."""
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
                                      yaml_text=cb.path.read_text(encoding="utf-8") if cb.path.exists() else "",
                                      synced_by=by))
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
            return self.code_in(s, ref)

    def code_in(self, s: Session, ref: str | int) -> Code:
        """The code ``ref`` (id, key or name, case-insensitive) read in session ``s``."""
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
            return self.interview_in(s, ref)

    def interview_in(self, s: Session, ref: str | int) -> Interview:
        """The interview ``ref`` (id, name, or file name without its suffix) read in session ``s``."""
        iv = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            iv = s.get(Interview, int(ref))
        if iv is None and isinstance(ref, str):
            iv = s.exec(select(Interview).where(Interview.name == ref)).scalars().first()
            if iv is None:  # allow the file name without its suffix
                cands = [i for i in s.exec(select(Interview)).scalars() if Path(i.name).stem == ref]
                if len(cands) == 1:
                    iv = cands[0]
        if iv is None and isinstance(ref, str) and self.interview_labels:   # a blind coder's label
            name = next((n for n, label in self.interview_labels.items() if label == ref), None)
            if name is not None:
                iv = s.exec(select(Interview).where(Interview.name == name)).scalars().first()
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
        with self.read() as s:  # plain rows, not ORM objects: a study has thousands
            for iid, name, value in s.exec(select(Attribute.interview_id, Attribute.name, Attribute.value)
                                           .order_by(Attribute.id)).all():
                out.setdefault(iid, {})[name] = value
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
        if interview_id in self.turn_overlay:   # marks out of date, read-only: as the settings mark them now
            return [TurnRow(interview_id=interview_id, idx=i, start=t.start, end=t.end, content_start=t.content_start,
                            speaker=t.speaker, is_interviewer=t.is_interviewer, n_words=t.n_words)
                    for i, t in enumerate(self.turn_overlay[interview_id])]
        with self.read() as s:
            return list(s.exec(select(TurnRow).where(TurnRow.interview_id == interview_id).order_by(TurnRow.idx)).scalars())

    def sentences(self, interview_id: int) -> list[SentenceRow]:
        with self.read() as s:
            return list(s.exec(select(SentenceRow).where(SentenceRow.interview_id == interview_id).order_by(SentenceRow.idx)).scalars())

    def count_codings(self, interview_id: int) -> int:
        with self.read() as s:
            return s.exec(select(func.count()).select_from(Coding).where(Coding.interview_id == interview_id)).scalar_one()

    def save_interview(self, p: PreparedInterview, *, replace: int | None = None,
                       plan: Reanchor | None = None, coder: str | None = None,
                       index: search_index.IndexBatch | None = None) -> int:
        """Store ``p`` whole or not at all.  With ``replace``, the interview's text, turns and
        sentences are replaced in the same transaction, under the interview's lock (see
        ``CodingRecord.lock_interview``).  When the text changes, ``plan`` (from
        ``reanchor_plan``, planned again inside the lock if a coder changed codings since it was
        made: ``CodingRecord.replan``) says where every coding goes: each move is a ``reanchor`` event,
        each accepted loss a ``lost`` event, and the alignment is kept so later undo and redo
        translate their offsets.  The search index is written in the same transaction, or, with
        ``index``, queued in that batch after the commit (an import's many interviews)."""
        now = utcnow()
        labels = json.dumps(list(p.interviewer_labels), ensure_ascii=False)
        queued = index is not None and p.words is not None   # the batch writes its index
        if replace is None:
            # A new interview: Core statements on one connection (no ORM session, statements
            # built once), as an import stores thousands.
            outer = self._outer()
            with nullcontext(outer.connection()) if outer is not None else self._writer.begin() as conn:
                iid = conn.execute(_INSERT_INTERVIEW, {
                    "name": p.name, "source_path": p.source_path, "format": p.format, "encoding": p.encoding,
                    "sha256": p.sha256, "text": p.text, "n_chars": len(p.text), "n_words": p.n_words,
                    "interviewer_labels": labels, "turn_rule": p.turn_rule,
                    "imported_at": now, "updated_at": now}).scalar_one()
                self._store_parts(conn, iid, p, replaced=False, text_changed=False, queued=queued)
        else:
            with self.write() as s:
                iid = replace
                # The interview's lock, then every read this write decides on: a coder's change
                # waits for the re-import or is seen by it, never overwritten by a stale plan.
                old_sha = self.lock_interview(s, iid).sha256
                if old_sha != p.sha256:
                    if plan is None or plan.old_sha256 != old_sha:
                        raise Conflict(f"{p.name}: the stored transcript changed while this import was "
                                       "reading it (another import?); nothing was changed: run the import again")
                    self.replan(s, iid, plan, p.text, p.name)
                s.exec(delete(TurnRow).where(TurnRow.interview_id == iid))
                s.exec(delete(SentenceRow).where(SentenceRow.interview_id == iid))
                s.exec(delete(Attribute).where(Attribute.interview_id == iid))
                s.exec(update(Interview).where(Interview.id == iid).values(
                    source_path=p.source_path, format=p.format, encoding=p.encoding,
                    sha256=p.sha256, text=p.text, n_chars=len(p.text),
                    n_words=p.n_words, interviewer_labels=labels, turn_rule=p.turn_rule, updated_at=now))
                if old_sha != p.sha256:
                    self.record_text_change(s, iid, plan, p.sha256, coder, p.text)
                self._store_parts(s.connection(), iid, p, replaced=True, text_changed=old_sha != p.sha256, queued=queued)
        if queued:
            index.add(iid, p)
        return iid

    def _store_parts(self, conn: Connection, iid: int, p: PreparedInterview, *, replaced: bool,
                     text_changed: bool, queued: bool) -> None:
        """Inside ``save_interview``'s transaction: the interview's turns, sentences, attributes
        and (unless an import's batch writes it: ``queued``) search index."""
        if p.turns:
            bulk_insert(conn, TurnRow, ("interview_id", "idx", "start", "end", "content_start", "speaker",
                                         "is_interviewer", "n_words"), [
                (iid, i, t.start, t.end, t.content_start, t.speaker[:200], p.interviewer_turns[i], n)
                for i, (t, n) in enumerate(zip(p.turns, p.word_counts[1]))
            ])
            if replaced:
                turn_marks.apply_in(conn, iid)   # the coders' corrections, found again in the new turns
        if p.sentences:
            bulk_insert(conn, SentenceRow, ("interview_id", "idx", "start", "end"),
                         [(iid, i, a, b) for i, (a, b) in enumerate(p.sentences)])
        if p.attributes:
            bulk_insert(conn, Attribute, ("interview_id", "name", "value"),
                        [(iid, k, v) for k, v in p.attributes.items()])
        if queued:
            search_index.on_interview_stored(conn, iid, replaced=replaced, text_changed=text_changed)
        else:
            search_index.on_interview_saved(conn, iid, p, text_changed=text_changed, model=p.pipeline)

    def interviewer_label_state(self) -> dict[int, tuple[str, list[str], dict[str, str]]]:
        """interview id -> (name, interviewer labels its turns were marked with, attributes)."""
        attrs = self.all_attributes()
        with self.read() as s:
            return {iid: (name, json.loads(labels or "[]"), attrs.get(iid, {})) for iid, name, labels in
                    s.exec(select(Interview.id, Interview.name, Interview.interviewer_labels)).all()}

    def remark_interviewer_turns(self, labels: dict[int, list[str]]) -> dict[int, int]:
        """Re-mark each interview's turns with its new interviewer labels (and the coders'
        corrections over them), in one transaction.  Returns interview id -> number of turns
        whose mark changed."""
        changed: dict[int, int] = {}
        with self.write() as s:
            for iid, lab in labels.items():
                rows = list(s.exec(select(TurnRow).where(TurnRow.interview_id == iid)).scalars())
                before = {t.id: bool(t.is_interviewer) for t in rows}
                for t in rows:
                    t.is_interviewer = textmod.is_interviewer(t.speaker, tuple(lab))
                s.exec(update(Interview).where(Interview.id == iid).values(
                    interviewer_labels=json.dumps(lab, ensure_ascii=False)))
                s.flush()
                turn_marks.apply_in(s.connection(), iid)
                after = s.exec(select(TurnRow.id, TurnRow.is_interviewer).where(TurnRow.interview_id == iid)).all()
                changed[iid] = sum(before[tid] != bool(f) for tid, f in after)
        return changed

    def provenance(self) -> dict:
        """For a methods appendix: each interview's transcript hash, the interviewer labels its
        turns were marked with and its turn counts; codings per coder."""
        with self.read() as s:
            turns = {iid: (n, int(ni or 0)) for iid, n, ni in s.exec(
                select(TurnRow.interview_id, func.count(), func.sum(func.cast(TurnRow.is_interviewer, Integer)))
                .group_by(TurnRow.interview_id)).all()}
            turns.update({iid: (len(ts), sum(t.is_interviewer for t in ts)) for iid, ts in self.turn_overlay.items()})
            ivs = [{"name": name, "sha256": sha, "interviewer_labels": self.overlay_labels.get(iid, json.loads(labels or "[]")),
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
        if interview_id in self.turn_overlay:
            return [(t.start, t.end, t.content_start, t.speaker, t.is_interviewer) for t in self.turn_overlay[interview_id]]
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
        out = {iid: (int(n), int(k)) for iid, n, k in rows}
        for iid, turns in self.turn_overlay.items():
            if turns:
                out[iid] = (len(turns), sum(t.is_interviewer for t in turns))
            else:
                out.pop(iid, None)
        return out

    def changes_between(self, after: int, upto: int, limit: int = 500) -> list[tuple[str, int | None, int | None]] | None:
        """``(action, interview_id, coding_id)`` of the events after event ``after`` up to and
        including ``upto``, oldest first; None when there are more than ``limit`` (a screen
        then reloads everything instead of following them one by one)."""
        with self.read() as s:
            rows = s.exec(select(Event.action, Event.interview_id, Event.coding_id)
                          .where(Event.id > after, Event.id <= upto).order_by(Event.id).limit(limit + 1)).all()
        return None if len(rows) > limit else [tuple(r) for r in rows]

    def coding_tuples_of(self, interview_id: int, ids: Iterable[int]) -> list[tuple]:
        """As :meth:`coding_tuples`, for the codings ``ids`` of the interview that still exist."""
        with self.read() as s:
            return [tuple(r) for r in s.exec(select(*_CODING_TUPLE).where(
                Coding.interview_id == interview_id, Coding.id.in_(sorted(set(ids))))).all()]

    def coding_count(self, interview_id: int) -> int:
        """How many codings (all coders) the interview holds."""
        with self.read() as s:
            return s.exec(select(func.count()).select_from(Coding).where(Coding.interview_id == interview_id)).scalar_one()

    def coding_tuples(self, interview_id: int) -> list[tuple]:
        """``(id, code_id, coder, start, end, memo, created_at, updated_at)`` of every coding of
        an interview (all coders), ordered by start."""
        with self.read() as s:
            return [tuple(r) for r in s.exec(
                select(*_CODING_TUPLE).where(Coding.interview_id == interview_id)
                .order_by(Coding.start, Coding.end, Coding.id)).all()]


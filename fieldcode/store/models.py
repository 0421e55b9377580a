"""The database schema (SQLModel).  The store (``fieldcode.store``) is the only code that queries these tables.

Schema changes go through an Alembic migration in ``fieldcode/store/migrations/versions/``; a test
checks that the migrations and these models agree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from sqlalchemy import Boolean, Column, Index, LargeBinary, Text, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_uid() -> str:
    """A coding's (or memo's) identity: never reissued, the same in every copy of a project."""
    return uuid4().hex


class CodebookVersion(SQLModel, table=True):
    """Each distinct state of codebook.yaml that a project has been opened with."""

    __tablename__ = "codebook_version"
    id: int | None = Field(default=None, primary_key=True)
    hash: str = Field(max_length=64, index=True)
    n_codes: int
    recorded_at: datetime = Field(default_factory=utcnow)
    yaml_text: str = Field(sa_column=Column(Text, nullable=False))
    # the coder whose command recorded it (None: recorded before fieldcode noted who, or by a
    # command run without a coder)
    synced_by: str | None = Field(default=None, max_length=100)


class Code(SQLModel, table=True):
    """A theme.  ``key`` is the stable slug from codebook.yaml; ``name`` may change freely.
    Codes removed from the YAML are retired (``retired_at`` set), never deleted."""

    __tablename__ = "code"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="code.id", ondelete="RESTRICT")
    colour: str = Field(default="#888888", max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    use_when: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    not_when: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    example: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    keywords: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    position: int = 0
    retired_at: datetime | None = None
    # False for a category that only groups its children (codebook ``codable: false``)
    codable: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))


class Interview(SQLModel, table=True):
    """One transcript.  ``text`` is the normalised text; it never changes except through an
    explicit re-import, and ``sha256`` identifies its version."""

    __tablename__ = "interview"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    source_path: str = Field(sa_column=Column(Text, nullable=False))
    format: str = Field(max_length=16)
    encoding: str | None = Field(default=None, max_length=32)
    sha256: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    n_chars: int
    n_words: int
    # JSON list of the interviewer labels applied when its turns were last marked.
    interviewer_labels: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    # JSON of the turn rule its turns were detected with (mode, interviewer_lines, interviewer label:
    # ``fieldcode.store.turn_marks.rule_key``); "" for turns stored before it was recorded.
    turn_rule: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    imported_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Attribute(SQLModel, table=True):
    """A study-design attribute of an interview (pair, neighbourhood, arm, role, ...)."""

    __tablename__ = "attribute"
    __table_args__ = (UniqueConstraint("interview_id", "name", name="uq_attribute_interview_name"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


class TurnRow(SQLModel, table=True):
    """A speaker turn: ``[start, end)`` includes the label; words start at ``content_start``."""

    __tablename__ = "turn"
    __table_args__ = (Index("ix_turn_interview_start", "interview_id", "start"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    idx: int
    start: int
    end: int
    content_start: int
    speaker: str = Field(max_length=200)
    is_interviewer: bool = False
    n_words: int = 0


class TurnMark(SQLModel, table=True):
    """A coder's correction of one turn's role (interviewer or participant), the study's for every
    coder.  Anchored by the turn content's offset (``start``) and first words (``quote``), so it
    is found again after a re-import or a re-marking; applied over every detection."""

    __tablename__ = "turn_mark"
    __table_args__ = (Index("ix_turn_mark_interview", "interview_id"), {"sqlite_autoincrement": True})
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    start: int
    quote: str = Field(sa_column=Column(Text, nullable=False))
    is_interviewer: bool
    coder: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)


class SentenceRow(SQLModel, table=True):
    __tablename__ = "sentence"
    __table_args__ = (Index("ix_sentence_interview_start", "interview_id", "start"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    idx: int
    start: int
    end: int


class Coding(SQLModel, table=True):
    """A coded span ``[start, end)`` of an interview's text, by one coder.

    Identity: ``id`` is AUTOINCREMENT on SQLite (and a sequence on PostgreSQL), so a removed
    coding's number is never handed out again; ``uid`` is a UUID that is the same in every copy
    of the project (merge and exchange match on it).  Events refer to both.

    ``quote_prefix`` (the first 80 characters) and ``quote_sha256`` (of the whole coded text)
    let a coding be re-anchored if its transcript is re-imported in a new version."""

    __tablename__ = "coding"
    __table_args__ = (
        Index("ix_coding_interview_start", "interview_id", "start"),
        Index("ix_coding_code", "code_id"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, max_length=32, unique=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="RESTRICT")
    code_id: int = Field(foreign_key="code.id", ondelete="RESTRICT")
    coder: str = Field(max_length=100, index=True)
    start: int
    end: int
    quote_prefix: str = Field(sa_column=Column(Text, nullable=False))
    quote_sha256: str = Field(max_length=64)
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The coding protocol (``fieldcode.store.pins``): the codebook version (its hash) the coding
    # was made (or last confirmed) under, and the hash of its code's definition then (name,
    # definition, use_when, not_when, example).  NULL: made before fieldcode recorded them,
    # or brought in from a tool that does not say; never guessed.
    codebook_hash: str | None = Field(default=None, max_length=64)
    definition_hash: str | None = Field(default=None, max_length=64)
    # whether its coder was blind to the study's hidden attributes when it was made (NULL: unknown)
    blind: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))


class CodeLineage(SQLModel, table=True):
    """A code merged into another (``kind`` merge: ``from_key`` -> ``to_key``) or split into
    others (``kind`` split: one row per part), by whom and when, so analyses and agreement can
    follow a code's codings across the change.  Keys, not ids: the same in every copy."""

    __tablename__ = "code_lineage"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    from_key: str = Field(max_length=100, index=True)
    to_key: str = Field(max_length=100, index=True)
    by: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)
    codebook_hash: str | None = Field(default=None, max_length=64)


class Event(SQLModel, table=True):
    """Append-only log of every coding change: the audit trail and the undo/redo history.

    ``action`` is add / remove / update (the change itself), or undo / redo (pointing at the
    change in ``target_id``); reanchor / lost come from a re-import, recode from a code merge,
    merge / import from other copies and tools.  ``before`` / ``after`` are JSON snapshots of the
    coding row, each with the transcript version (``text_sha256``) its offsets refer to.
    ``detail`` is JSON with whatever else explains the change (its origin).
    ``state`` of a change: done, undone, or discarded (undone, then superseded by a new change,
    so it can no longer be redone); final for events that cannot be undone."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_coder_id", "coder", "id"),
        Index("ix_event_coding_uid", "coding_uid"),
        # the coding protocol's steps (hand-ins, unblindings), read by every coding write
        Index("ix_event_action_interview", "action", "interview_id"),
        # every coding write discards its coder's undone changes; undo finds the latest done
        # change, redo the latest undo (migration 0010)
        Index("ix_event_coder_state", "coder", "state", "id"),
        Index("ix_event_coder_action", "coder", "action", "id"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    coder: str = Field(max_length=100)
    action: str = Field(max_length=16)
    coding_id: int | None = None
    coding_uid: str | None = Field(default=None, max_length=32)
    interview_id: int | None = None
    target_id: int | None = None
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: str = Field(default="done", max_length=16)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TextChange(SQLModel, table=True):
    """How a re-import changed an interview's text: the alignment of the old version
    (``from_sha256``) with the new (``to_sha256``) as JSON ``[[old_start, old_end, new_start,
    new_end], ...]`` of the unchanged stretches.  Undo and redo of a change recorded against the
    old version translate its offsets through this, so they act on the re-anchored positions."""

    __tablename__ = "text_change"
    __table_args__ = (Index("ix_text_change_interview", "interview_id", "from_sha256"),
                      {"sqlite_autoincrement": True})
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    from_sha256: str = Field(max_length=64)
    to_sha256: str = Field(max_length=64)
    kept: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow)
    coder: str | None = Field(default=None, max_length=100)


class Memo(SQLModel, table=True):
    """A memo that is not a coding's own: on an interview (``interview_id``), on a passage of it
    (``start``/``end`` too), or on a code (``code_id``).  A coding's memo lives on the coding."""

    __tablename__ = "memo"
    __table_args__ = (Index("ix_memo_interview", "interview_id"), {"sqlite_autoincrement": True})
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, max_length=32, unique=True)
    author: str = Field(max_length=100, index=True)
    interview_id: int | None = Field(default=None, foreign_key="interview.id", ondelete="RESTRICT")
    code_id: int | None = Field(default=None, foreign_key="code.id", ondelete="RESTRICT")
    start: int | None = None
    end: int | None = None
    quote_prefix: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MemoDeletion(SQLModel, table=True):
    """A memo that was deleted: its uid, author and when.  ``merge`` reads it so that a memo
    deleted in one copy is not brought back from another copy that still has it (and a memo
    deleted there is deleted here), unless it was edited after the deletion."""

    __tablename__ = "memo_deletion"
    uid: str = Field(max_length=32, primary_key=True)
    author: str = Field(max_length=100)
    deleted_at: datetime = Field(default_factory=utcnow)


class FrameworkSummary(SQLModel, table=True):
    """A framework-matrix summary: one coder's (``author``) short summary of an interview under a
    code (a theme), or the cell's consensus summary (``consensus`` true, written under the
    consensus coder's name).  One per author and cell.

    ``cites`` is JSON: the passages it rests on, each ``{"uid", "code_id", "start", "end",
    "sha"}`` of a coding as it was when cited (``sha`` = its ``quote_sha256``), so a citation
    whose coding was later removed, recoded or re-anchored is found stale
    (``fieldcode.store.framework``).  Every edit is an event (action ``summary``)."""

    __tablename__ = "framework_summary"
    __table_args__ = (
        UniqueConstraint("author", "interview_id", "code_id", name="uq_framework_summary_cell"),
        Index("ix_framework_summary_interview", "interview_id"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, max_length=32, unique=True)
    author: str = Field(max_length=100)
    consensus: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    interview_id: int = Field(foreign_key="interview.id", ondelete="RESTRICT")
    code_id: int = Field(foreign_key="code.id", ondelete="RESTRICT")
    text: str = Field(sa_column=Column(Text, nullable=False))
    cites: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FrameworkSummaryDeletion(SQLModel, table=True):
    """A framework summary that was deleted: its uid, author and when, so that ``merge`` neither
    brings it back from a copy that still has it nor keeps one another copy deleted (as
    :class:`MemoDeletion` does for memos)."""

    __tablename__ = "framework_summary_deletion"
    uid: str = Field(max_length=32, primary_key=True)
    author: str = Field(max_length=100)
    deleted_at: datetime = Field(default_factory=utcnow)


class WordIndex(SQLModel, table=True):
    """The search index: one row per word form of an interview, with where it occurs.

    ``lemma`` and ``norm`` (the form as written) are lower-cased; ``postings`` holds
    ``position, start, end, sentence, turn`` per word as little-endian int32 (``fieldcode.store.search``
    reads and writes it; position = the word's number among the interview's words, punctuation
    left out; sentence and turn are 0-based, -1 for none).  One row per form rather than per word keeps an
    import's extra rows to a fraction of its words."""

    __tablename__ = "word_index"
    __table_args__ = (Index("ix_word_index_lemma", "lemma"), Index("ix_word_index_norm", "norm"),
                      Index("ix_word_index_interview", "interview_id"))
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    lemma: str = Field(max_length=200)
    norm: str = Field(max_length=200)
    n: int
    postings: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Suggestion(SQLModel, table=True):
    """A coding proposed to one coder, waiting for that coder's decision.

    ``origin`` is JSON: how it was found (``kind`` search / keyword / model, the query or
    keyword or model, the ``unit`` hit / sentence / turn, ``at``, ``by``).  ``state`` is proposed,
    accepted or rejected; a rejected suggestion stays, so the same span is not proposed to the
    same coder for the same code again.  Accepting writes a coding with uid ``coding_uid``
    (chosen when proposed, so an accept that is repeated after a crash cannot add it twice)."""

    __tablename__ = "suggestion"
    __table_args__ = (
        UniqueConstraint("coder", "interview_id", "code_id", "start", "end", name="uq_suggestion_span"),
        Index("ix_suggestion_coder_state", "coder", "state"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", ondelete="RESTRICT")
    coder: str = Field(max_length=100)
    start: int
    end: int
    origin: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="proposed", max_length=16)
    coding_uid: str = Field(default_factory=new_uid, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class WordIndexState(SQLModel, table=True):
    """Which interviews the search index holds, with their word count (fieldcode's count, the
    denominator of search counts: kept here so a search never reads the transcripts' rows) and
    the pipeline that lemmatised them."""

    __tablename__ = "word_index_state"
    interview_id: int = Field(foreign_key="interview.id", ondelete="CASCADE", primary_key=True)
    n_words: int
    pipeline: str = Field(max_length=100)
    built_at: datetime = Field(default_factory=utcnow)

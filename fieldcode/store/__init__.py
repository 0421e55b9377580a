"""The only package that talks to the database.  ``from fieldcode.store import Store, q_texts, ...``
reaches everything public; the modules hold one idea each:

* ``engine``    the engine and fieldcode's connection rules (SQLite WAL, ``BEGIN IMMEDIATE``,
                busy timeout; PostgreSQL lock timeout)
* ``core``      the ``Store`` class: sessions, codebook sync, interviews, turns, sentences,
                attributes, and the small reads the screens poll
* ``record``    the coding record mixed into ``Store``: coding writes, the event log, undo and
                redo, re-anchoring after a re-import
* ``queries``   read-only set-based aggregates for analysis, agreement, search and suggestions
* ``code_ops``  merging codes and changing a key (together with codebook.yaml)
* ``memo``      memos and the memo list
* ``exchange``  whole-study rows and the writes of a REFI-QDA import
* ``merge``     reading another copy whole and writing a merge in one transaction
* ``consensus`` the consensus coder's decisions and codings
* ``models``    the SQLModel tables
* ``dblock``    the database's write lock and who holds it
* ``search_index``  the word index's writer (kept in step with every stored text)
* ``search``    reading the word index, and the suggestion queue
* ``turn_marks``  which turns are the interviewer's: the rule they were detected with, coders'
                corrections of single turns, and the in-memory marks a read uses when the stored
                ones are out of date (``Store.turn_overlay``)
* ``migrations``  Alembic migrations, applied when a project opens

Layer: below the domain packages (``analysis``, ``team``, ``find``, ``exchange``) and
``project``; above ``ingest`` and ``study``, which it may import, with the ground floor.  Nothing
else in fieldcode opens a connection.

Importing this package loads SQLAlchemy: light commands reach it only through
``fieldcode.lazy.lazy_module``.
"""

from __future__ import annotations

from fieldcode.store.engine import BUSY_TIMEOUT_MS, make_engine, sqlite_url
from fieldcode.store.reanchor import Move, Reanchor
from fieldcode.store.record import (
    QUOTE_PREFIX_LEN,
    CodingRecord,
    clean_memo,
    coding_snapshot,
    describe_event,
)
from fieldcode.store.core import InterviewInfo, PreparedInterview, Store, SyncReport, bulk_insert
from fieldcode.store.queries import (
    TurnSpan,
    q_code_rows,
    q_coders,
    q_coders_by_interview,
    q_coding_arrays,
    q_coding_arrays_by_coder,
    q_codings,
    q_codings_overlapping,
    q_interview_rows,
    q_n_chars,
    q_sentence_arrays,
    q_texts,
    q_turn_spans,
)
from fieldcode.store.code_ops import codebook_stamp, merge_codes, rekey_code
from fieldcode.store.memo import MemoInfo, add_memo, delete_memo, memos, update_memo
from fieldcode.store.exchange import (
    exchange_existing_uids,
    exchange_insert_memos,
    exchange_rows,
    exchange_set_imported_at,
)
from fieldcode.store.merge import apply_merge, q_merge_view
from fieldcode.store.consensus import q_consensus_decisions, write_consensus

__all__ = [
    "BUSY_TIMEOUT_MS", "make_engine", "sqlite_url",
    "QUOTE_PREFIX_LEN", "CodingRecord", "Move", "Reanchor", "clean_memo", "coding_snapshot", "describe_event",
    "InterviewInfo", "PreparedInterview", "Store", "SyncReport", "bulk_insert",
    "TurnSpan", "q_code_rows", "q_coders", "q_coders_by_interview", "q_coding_arrays", "q_coding_arrays_by_coder",
    "q_codings", "q_codings_overlapping", "q_interview_rows", "q_n_chars", "q_sentence_arrays", "q_texts",
    "q_turn_spans",
    "codebook_stamp", "merge_codes", "rekey_code",
    "MemoInfo", "add_memo", "delete_memo", "memos", "update_memo",
    "exchange_existing_uids", "exchange_insert_memos", "exchange_rows",
    "exchange_set_imported_at",
    "apply_merge", "q_merge_view",
    "q_consensus_decisions", "write_consensus",
]

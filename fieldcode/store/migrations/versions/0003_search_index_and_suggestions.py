"""search index (word_index) and the review queue of suggestions (suggestion)

* ``word_index``: one row per word form of an interview (lower-cased lemma and form) with its
  postings (position, start, end, sentence, turn of each occurrence, packed int32).  New imports write it in the import's
  transaction.  This migration builds it for the interviews already stored, which runs the
  built-in spaCy pipeline (blank English + lookup lemmatizer, no download) inside the
  migration: a few seconds per 100,000 words.  (A project whose settings name a trained
  pipeline gets the built-in pipeline's lemmas here; re-import to use the other's.)
* ``word_index_state``: which interviews are indexed, their word count, the pipeline used.
* ``suggestion``: codings proposed to a coder, with their origin and state.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _build_index(conn) -> None:  # noqa: ANN001
    from fieldcode.ingest.segment import analyse_many
    from fieldcode.store.models import utcnow
    from fieldcode.store.search_index import BUILT_IN, posting_rows, stored_document, stored_sentences

    ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM interview WHERE n_words > 0 ORDER BY id"))]
    for k in range(0, len(ids), 50):
        chunk = ids[k:k + 50]
        docs = [stored_document(conn, iid) for iid in chunk]
        for iid, (_s, words) in zip(chunk, analyse_many(docs)):
            turn_rows = [tuple(r) for r in conn.execute(sa.text(
                'SELECT start, "end", id FROM turn WHERE interview_id = :i ORDER BY idx'), {"i": iid})]
            rows = posting_rows(iid, words, stored_sentences(conn, iid), turn_rows)
            conn.execute(sa.text("INSERT INTO word_index_state (interview_id, n_words, pipeline, built_at) "
                                 "SELECT id, n_words, :p, :t FROM interview WHERE id = :i"),
                         {"p": BUILT_IN, "t": utcnow(), "i": iid})
            if rows:
                conn.execute(sa.text("INSERT INTO word_index (interview_id, lemma, norm, n, postings) "
                                     "VALUES (:i, :l, :f, :n, :p)"),
                             [{"i": i, "l": lemma, "f": norm, "n": n, "p": p} for i, lemma, norm, n, p in rows])


def upgrade() -> None:
    op.create_table(
        "word_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("lemma", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("norm", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("postings", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_word_index_lemma", "word_index", ["lemma"], unique=False)
    op.create_index("ix_word_index_norm", "word_index", ["norm"], unique=False)
    op.create_index("ix_word_index_interview", "word_index", ["interview_id"], unique=False)
    op.create_table(
        "word_index_state",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("n_words", sa.Integer(), nullable=False),
        sa.Column("pipeline", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("built_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id"),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("coder", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("coding_uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coder", "interview_id", "code_id", "start", "end", name="uq_suggestion_span"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_suggestion_coder_state", "suggestion", ["coder", "state"], unique=False)
    _build_index(op.get_bind())


def downgrade() -> None:
    op.drop_table("suggestion")
    op.drop_table("word_index_state")
    op.drop_table("word_index")

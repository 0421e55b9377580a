"""coding identity that is never reused; text changes; memos; interviewer labels applied

* ``coding`` and ``event`` become AUTOINCREMENT on SQLite, and SQLite's counter is seeded past
  every coding id the event log has ever named, so no old event can land on a new coding.
* ``coding.uid``: a UUID per coding.  Existing codings and events are given theirs by replaying
  the event log, so an event that named a reused number keeps naming the coding it really
  changed (the earlier release reused ids on SQLite).  These uids are derived (UUID5) from the
  log itself, so two copies of one project upgraded apart agree on them.
* ``event.coding_uid`` / ``event.detail``; ``text_change``; ``memo``;
  ``interview.interviewer_labels``.

Nothing is renumbered or dropped: ids, times and snapshots are copied as they are.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHANGES = ("add", "remove", "update", "reanchor")


NAMESPACE = uuid.UUID("6f1c8e52-6a43-4f3e-9d55-0c3f1f0c9a11")


def _uid(*parts) -> str:
    """A uid derived from what both copies of a project share: two copies of one old project,
    upgraded separately on two laptops, give their common codings the same uids, so a later
    ``fieldcode merge`` matches them instead of duplicating every coding."""
    return uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)).hex


def _replay_uids(conn) -> tuple[dict[int, str], dict[int, str]]:
    """(event id -> coding uid, live coding id -> uid) from the event log, in order.

    Each coding number may have had several lives (an add after the number was freed starts a
    new one); undo / redo bring back the life of the change they point at."""
    life: dict[int, str] = {}        # coding id -> uid of its current or last life
    present: dict[int, bool] = {}
    by_event: dict[int, str] = {}
    rows = conn.execute(sa.text(
        "SELECT id, action, coding_id, target_id, at, coder FROM event ORDER BY id")).all()
    action_of = {r[0]: r[1] for r in rows}
    for eid, action, cid, target, at, coder in rows:
        if cid is None:
            continue
        if action == "add":
            if not present.get(cid):
                life[cid] = _uid("life", cid, eid, at, coder)     # a new life for this number
            present[cid] = True
        elif action in ("undo", "redo") and target in by_event:
            life[cid] = by_event[target]
            undid_remove = action_of.get(target) == "remove"
            present[cid] = undid_remove if action == "undo" else not undid_remove
        else:
            life.setdefault(cid, _uid("life", cid, eid, at, coder))
            present[cid] = action != "remove"
        by_event[eid] = life[cid]
    live = {cid: life[cid] for cid, here in present.items() if here}
    return by_event, live


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"

    with op.batch_alter_table("interview") as b:
        b.add_column(sa.Column("interviewer_labels", sa.Text(), server_default="[]", nullable=False))

    kw = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    with op.batch_alter_table("coding", **kw) as b:
        b.add_column(sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    with op.batch_alter_table("event", **kw) as b:
        b.add_column(sa.Column("coding_uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        b.add_column(sa.Column("detail", sa.Text(), nullable=True))

    by_event, live = _replay_uids(conn)
    for cid, coder, created, start, end, iid in conn.execute(sa.text(
            'SELECT id, coder, created_at, start, "end", interview_id FROM coding')).all():
        conn.execute(sa.text("UPDATE coding SET uid = :u WHERE id = :i"),
                     {"u": live.get(cid) or _uid("coding", cid, coder, created, start, end, iid), "i": cid})
    for eid, uid in by_event.items():
        conn.execute(sa.text("UPDATE event SET coding_uid = :u WHERE id = :i"), {"u": uid, "i": eid})

    with op.batch_alter_table("coding", **({"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}
                                            if sqlite else {})) as b:
        b.alter_column("uid", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        b.create_unique_constraint("uq_coding_uid", ["uid"])
    with op.batch_alter_table("event") as b:
        b.create_index("ix_event_coding_uid", ["coding_uid"], unique=False)

    if sqlite:
        # Never hand out again any number an event has named.
        top = conn.execute(sa.text(
            "SELECT max(m) FROM (SELECT max(id) AS m FROM coding UNION ALL "
            "SELECT max(coding_id) FROM event)")).scalar() or 0
        conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'coding'"))
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('coding', :n)"), {"n": top})
    else:
        top = conn.execute(sa.text("SELECT coalesce(max(coding_id), 0) FROM event")).scalar() or 0
        if top:
            conn.execute(sa.text(
                "SELECT setval(pg_get_serial_sequence('coding', 'id'), "
                "greatest(:n, (SELECT coalesce(max(id), 0) FROM coding)))"), {"n": top})

    op.create_table(
        "text_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("from_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("to_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kept", sa.Text(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("coder", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_text_change_interview", "text_change", ["interview_id", "from_sha256"], unique=False)

    op.create_table(
        "memo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("quote_prefix", sa.Text(), server_default="", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_memo_interview", "memo", ["interview_id"], unique=False)
    op.create_index(op.f("ix_memo_author"), "memo", ["author"], unique=False)


def downgrade() -> None:
    op.drop_table("memo")
    op.drop_table("text_change")
    with op.batch_alter_table("event") as b:
        b.drop_index("ix_event_coding_uid")
        b.drop_column("detail")
        b.drop_column("coding_uid")
    with op.batch_alter_table("coding") as b:
        b.drop_constraint("uq_coding_uid", type_="unique")
        b.drop_column("uid")
    with op.batch_alter_table("interview") as b:
        b.drop_column("interviewer_labels")

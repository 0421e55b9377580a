"""turn marks: the rule an interview's turns were detected with (interview.turn_rule), so a changed
turn setting is seen without the transcript file, and coders' corrections of single turns (turn_mark)

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interview") as batch:
        batch.add_column(sa.Column("turn_rule", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "turn_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("is_interviewer", sa.Boolean(), nullable=False),
        sa.Column("coder", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_turn_mark_interview", "turn_mark", ["interview_id"])


def downgrade() -> None:
    op.drop_index("ix_turn_mark_interview", table_name="turn_mark")
    op.drop_table("turn_mark")
    with op.batch_alter_table("interview") as batch:
        batch.drop_column("turn_rule")

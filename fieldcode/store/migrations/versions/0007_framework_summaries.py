"""framework summaries (framework_summary): each coder's summary of an interview under a theme,
with the codings it cites, and the consensus summary of a cell; framework_summary_deletion keeps
a deleted summary's uid so that merge does not bring it back

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "framework_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("consensus", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cites", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["code_id"], ["code.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sa.UniqueConstraint("author", "interview_id", "code_id", name="uq_framework_summary_cell"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_framework_summary_interview", "framework_summary", ["interview_id"])
    op.create_table(
        "framework_summary_deletion",
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uid"),
    )


def downgrade() -> None:
    op.drop_table("framework_summary_deletion")
    op.drop_index("ix_framework_summary_interview", table_name="framework_summary")
    op.drop_table("framework_summary")

"""codes that are categories only (codebook ``codable: false``, REFI-QDA ``isCodable="false"``)

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (no table rebuild: on SQLite that would drop a table codings refer to)
    op.add_column("code", sa.Column("codable", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("code", "codable")   # plain DROP COLUMN (SQLite >= 3.35), no table rebuild

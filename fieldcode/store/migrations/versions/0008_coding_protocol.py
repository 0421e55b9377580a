"""the coding protocol: each coding's codebook version and definition hash (its pins) and whether
its coder was blind; who recorded each codebook version; the lineage of merged and split codes

Existing codings get NULL pins and NULL blind (unknown: made before fieldcode recorded them);
nothing is guessed for them.  Existing codebook versions get NULL ``synced_by``.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coding") as batch:
        batch.add_column(sa.Column("codebook_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("definition_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("blind", sa.Boolean(), nullable=True))
    with op.batch_alter_table("codebook_version") as batch:
        batch.add_column(sa.Column("synced_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.create_table(
        "code_lineage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("from_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("to_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("codebook_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_code_lineage_from_key", "code_lineage", ["from_key"])
    op.create_index("ix_code_lineage_to_key", "code_lineage", ["to_key"])


def downgrade() -> None:
    op.drop_index("ix_code_lineage_to_key", table_name="code_lineage")
    op.drop_index("ix_code_lineage_from_key", table_name="code_lineage")
    op.drop_table("code_lineage")
    with op.batch_alter_table("codebook_version") as batch:
        batch.drop_column("synced_by")
    with op.batch_alter_table("coding") as batch:
        batch.drop_column("blind")
        batch.drop_column("definition_hash")
        batch.drop_column("codebook_hash")

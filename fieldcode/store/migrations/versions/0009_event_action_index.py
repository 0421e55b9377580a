"""an index on the event log by action and interview (ix_event_action_interview), so that every
coding write's check of its coder's hand-in and blindness (fieldcode.store.protocol) reads the
few protocol steps instead of scanning the whole log

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_action_interview", "event", ["action", "interview_id"])


def downgrade() -> None:
    op.drop_index("ix_event_action_interview", table_name="event")

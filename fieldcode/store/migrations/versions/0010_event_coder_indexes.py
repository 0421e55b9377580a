"""two indexes on the event log, by coder and state (ix_event_coder_state) and by coder and
action (ix_event_coder_action), so that every coding write's "a new change makes your undone
changes impossible to redo" update, undo's search for the coder's latest change and redo's for
their latest undo read those few events instead of walking all the coder's events: with 100,000
events by the coder the update took 41 ms of every coding write, most of a key press in the
coding screen

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_coder_state", "event", ["coder", "state", "id"])
    op.create_index("ix_event_coder_action", "event", ["coder", "action", "id"])


def downgrade() -> None:
    op.drop_index("ix_event_coder_action", table_name="event")
    op.drop_index("ix_event_coder_state", table_name="event")

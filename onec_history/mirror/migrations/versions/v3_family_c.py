"""Schema version 3 (family C): ``counterparties.partner``, ``events.document_set``; the events already
there get the one event set a mirror held before (its facts name it).

Revision ID: v3
Revises: v2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v3"
down_revision = "v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("counterparties", sa.Column("partner", sa.String(36)))
    op.add_column("events", sa.Column("document_set", sa.String(200)))
    op.create_index("ix_events_document_set", "events", ["document_set"])
    op.execute("UPDATE events SET document_set = (SELECT value FROM mirror_meta WHERE key = 'event_set') "
               "WHERE document_set IS NULL")

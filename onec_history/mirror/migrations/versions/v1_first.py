"""Schema version 1: counterparties, events, participants, documents, links, names, mirror_meta,
mirror_sets — what the first release's create_all made. The anchor a mirror of that version is stamped
with; nothing to do (a new mirror is created at the head and stamped there).

Revision ID: v1
"""

from __future__ import annotations

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: version 1 is where the chain starts."""

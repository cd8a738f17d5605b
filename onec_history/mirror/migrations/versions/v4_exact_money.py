"""Schema version 4: ``documents.amount`` exact. PostgreSQL's ``double precision`` becomes NUMERIC (a
float8 turns into the decimal of its 15 significant digits: a 1C sum, Число 15.2, exactly). SQLite keeps
its column, whose type is only an affinity: values written from now on are decimal text.

Revision ID: v4
Revises: v3
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v4"
down_revision = "v3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("documents", "amount", type_=sa.Numeric(), postgresql_using="amount::numeric")

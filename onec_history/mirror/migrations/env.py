"""Alembic's environment for the mirror: migrations run on the connection onec-history hands over
(``config.attributes["connection"]``), never from an ini file's URL."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()

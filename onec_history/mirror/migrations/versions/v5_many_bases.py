"""Schema version 5: one warehouse for many bases. Every table is keyed by the base first (its name in
the config file), the facts of ``mirror_meta`` are per base, and the table ``bases`` says which bases
the database holds: name, URL without credentials, family, and when each was last synced.

The rows already there belong to the one base the mirror held: the base the run that migrates is for
when its URL is the mirror's (``config.attributes["base_name"]``), else ``default`` (claimed by name
later; see sync.py). Each table is made again with the new key and its rows copied, the same on SQLite
and PostgreSQL; its indexes lead with the base.

Revision ID: v5
Revises: v4
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "v5"
down_revision = "v4"
branch_labels = None
depends_on = None

TABLES = ("mirror_meta", "mirror_sets", "sync_state", "counterparties", "events", "event_participants",
          "documents", "links", "names")


def _rekey(name: str, base: str) -> None:
    bind = op.get_bind()
    old = sa.Table(name, sa.MetaData(), autoload_with=bind)
    indexes = [ix for ix in sa.inspect(bind).get_indexes(name) if ix["name"]]
    for ix in indexes:
        op.drop_index(str(ix["name"]), table_name=name)
    keyed = [c.name for c in old.primary_key.columns]
    op.rename_table(name, f"{name}_v4")
    columns = [sa.Column("base", sa.String(100), nullable=False)]
    columns += [sa.Column(c.name, c.type, nullable=c.nullable and c.name not in keyed) for c in old.columns]
    op.create_table(name, *columns, sa.PrimaryKeyConstraint("base", *keyed, name=f"pk_{name}"))
    quote = bind.dialect.identifier_preparer.quote
    listed = ", ".join(quote(c.name) for c in old.columns)
    op.execute(sa.text(f"INSERT INTO {quote(name)} (base, {listed}) SELECT :base, {listed} "
                       f"FROM {quote(name + '_v4')}").bindparams(base=base))
    op.drop_table(f"{name}_v4")
    for ix in indexes:
        op.create_index(str(ix["name"]), name, ["base", *[str(c) for c in ix["column_names"]]])


def upgrade() -> None:
    base = context.config.attributes.get("base_name") or "default"
    bind = op.get_bind()
    facts = {str(k): str(v) for k, v in bind.execute(sa.text("SELECT key, value FROM mirror_meta")).all()}
    for name in TABLES:
        _rekey(name, base)
    op.create_table(
        "bases",
        sa.Column("base", sa.String(100), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("family", sa.String(10)),
        sa.Column("last_sync_at", sa.DateTime),
        sa.Column("last_complete_at", sa.DateTime),
    )
    if facts.get("base_url"):
        synced = bind.execute(sa.text("SELECT max(synced_at) FROM mirror_sets")).scalar()
        complete = bind.execute(sa.text("SELECT last_complete_at FROM sync_state WHERE entity_set = '*'")).scalar()
        op.execute(sa.text("INSERT INTO bases (base, url, family, last_sync_at, last_complete_at) "
                           "VALUES (:base, :url, :family, :synced, :complete)").bindparams(
            base=base, url=facts["base_url"], family=facts.get("family"), synced=synced, complete=complete))
    op.execute(sa.text("UPDATE mirror_meta SET value = '5' WHERE key = 'schema_version'"))

"""A mirror as an earlier onec-history left it, made from a current one: one base, no ``base`` column, no
``bases`` table and no alembic version, and for older versions without the columns and tables that came
later (version 2: no partner/document_set; version 1: no sync_state either)."""

from __future__ import annotations

import sqlalchemy as sa

from onec_history.mirror.sync import engine_for

_LATER = {"2": {"counterparties": ("partner",), "events": ("document_set",)},
          "3": {}, "4": {}}


def as_made_by_version(url: str, version: str) -> None:
    later = dict(_LATER.get(version, _LATER["2"]))
    engine = engine_for(url)
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        tables = sa.inspect(conn).get_table_names()
        for name in tables:
            if name in ("bases", "alembic_version"):
                conn.exec_driver_sql(f"DROP TABLE {quote(name)}")
                continue
            if name == "sync_state" and version == "1":
                conn.exec_driver_sql("DROP TABLE sync_state")
                continue
            old = sa.Table(name, sa.MetaData(), autoload_with=conn)
            for ix in sa.inspect(conn).get_indexes(name):
                conn.exec_driver_sql(f"DROP INDEX {quote(str(ix['name']))}")
            keep = [c for c in old.columns if c.name != "base" and c.name not in later.get(name, ())]
            keyed = [c.name for c in old.primary_key.columns if c.name != "base"]
            conn.exec_driver_sql(f"ALTER TABLE {quote(name)} RENAME TO {quote(name + '_new')}")
            made = sa.Table(name, sa.MetaData(), *[sa.Column(c.name, c.type, primary_key=c.name in keyed,
                                                             nullable=c.nullable) for c in keep])
            made.create(conn)
            listed = ", ".join(quote(c.name) for c in keep)
            conn.exec_driver_sql(f"INSERT INTO {quote(name)} ({listed}) SELECT {listed} FROM {quote(name + '_new')}")
            conn.exec_driver_sql(f"DROP TABLE {quote(name + '_new')}")
        if version in ("3", "4"):
            conn.exec_driver_sql("CREATE INDEX ix_events_document_set ON events (document_set)")
        if version != "4" and conn.dialect.name == "postgresql":  # sums were double precision before 4
            conn.exec_driver_sql("ALTER TABLE documents ALTER COLUMN amount TYPE double precision")
        conn.exec_driver_sql(f"UPDATE mirror_meta SET value = '{version}' WHERE key = 'schema_version'")
    engine.dispose()

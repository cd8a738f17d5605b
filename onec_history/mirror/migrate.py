"""The mirror's schema over time, by alembic: a new database is created at the newest schema and stamped
there; an existing one is brought up to it in place, one revision after another (``migrations/versions``).

A mirror made before alembic kept its version in ``mirror_meta`` (``schema_version`` 1 to 4); it is
stamped with that revision first (or, without the fact, with the one its tables show), then upgraded.
On PostgreSQL the migration holds an advisory lock, so two runs starting on a new database at once do
not both create it.
"""

from __future__ import annotations

import threading
from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext

from . import schema as ms

__all__ = ["HEAD", "current_version", "migrate"]

HEAD = "v5"
_LOCK = 0x6F6E6563  # "onec": the advisory lock of the migrations on PostgreSQL
# alembic's context is one module-wide proxy: bases mirrored in threads migrate one at a time.
_IN_PROCESS = threading.Lock()


def _config(conn: sa.Connection, base_name: str | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("onec_history.mirror") / "migrations"))
    cfg.attributes["connection"] = conn
    cfg.attributes["base_name"] = base_name
    return cfg


def _legacy_version(conn: sa.Connection) -> str | None:
    """The version of a mirror made before alembic: its fact, else what its tables show; None: no mirror."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    if "mirror_meta" not in tables:
        return None
    if "base" in {c["name"] for c in inspector.get_columns("mirror_meta")}:
        return "5"  # made at the head by a run killed before its stamp was committed (SQLite's DDL commits)
    fact = conn.execute(sa.text("SELECT value FROM mirror_meta WHERE key = 'schema_version'")).scalar()
    if fact in ("1", "2", "3", "4"):
        return str(fact)
    if "sync_state" not in tables:
        return "1"
    if "partner" not in {c["name"] for c in inspector.get_columns("counterparties")}:
        return "2"
    return "3"  # version 4 changed a column's type only: its step is harmless to run again


def current_version(conn: sa.Connection) -> str | None:
    """The schema version of the database behind ``conn`` (``"5"``), or None when it holds no mirror."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if "mirror_meta" not in sa.inspect(conn).get_table_names():
        return None  # a version table left behind by dropped tables is no mirror
    if revision is not None:
        return revision.removeprefix("v")
    return _legacy_version(conn)


def migrate(engine: sa.Engine, *, base_name: str | None = None) -> str | None:
    """Bring the database to the newest schema; the version it had before (None: it was new).

    ``base_name`` is the base the rows of a single-base mirror (before version 5) belong to."""
    with engine.connect() as conn:
        if current_version(conn) == HEAD.removeprefix("v") and \
                MigrationContext.configure(conn).get_current_revision() == HEAD:
            return HEAD.removeprefix("v")  # current: alembic is not even loaded
    with _IN_PROCESS, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        cfg = _config(conn, base_name)
        before = current_version(conn)
        if before is None:
            ms.metadata.create_all(conn)
            command.stamp(cfg, HEAD, purge=True)
            return None
        if MigrationContext.configure(conn).get_current_revision() is None:
            command.stamp(cfg, f"v{before}")
        command.upgrade(cfg, HEAD)
        return before

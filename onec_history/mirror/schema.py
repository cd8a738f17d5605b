"""The mirror's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

=====================  ==========================================================================
table                  what it holds (one row per …)
=====================  ==========================================================================
mirror_meta            key/value facts: schema version, the base's URL, family, set names
mirror_sets            synced entity set: rows, time of the last complete run and of the last full copy
sync_state             entity set, plus ``*`` for the run as a whole: whether its last run completed
counterparties         counterparty or folder of the catalog (``Counterparty`` model fields; family C:
                       the ``partner`` it belongs to)
events                 event (``Event`` model fields; ``start_time``/``end_time``; basis as set+ref;
                       ``document_set``: its document, one of family C's six interaction documents
                       or ``Document_Событие``)
event_participants     participant row of an event (family B's client lives here)
documents              document of any linked set, events included: number, date, posted, deletion
                       mark, counterparty, amount, currency, title, kind, state (a chain node)
links                  "child was entered on the basis of parent": (child, link attribute, parent)
names                  display name of a referenced catalog item (users/employees, УНФ states)
=====================  ==========================================================================

References are 1C's ``Ref_Key`` GUIDs as text (36 characters, lower case); an empty reference is
NULL. Dates are naive 1C server-local times, as 1C sends them. ``data_version`` is 1C's opaque
``DataVersion``: the next run compares it with a ``Ref_Key, DataVersion`` scan and fetches only
the rows whose version moved. Deletion marks are the ``deleted`` columns; objects deleted in 1C
physically disappear from the mirror.

Completeness (``sync_state``, schema version 2): a run first commits its plan — every set it will
copy, ``pending`` when the set has no row yet — and the ``*`` row as ``running``. Each set is then
committed as ``running`` (``completed_at`` NULL) before anything of it is written, and as
``complete`` in the same transaction as its last rows; the last set's transaction also completes
``*``. So a run killed at any moment leaves the sets it had not finished ``running`` or
``pending``, never ``complete``. ``last_complete_at`` keeps the end of a set's last complete run
through a later run that was killed. A mirror of schema version 1 (made before ``sync_state``
existed) has unknown completeness until the next run, which adds the table in place.

Evolution: a new table is added in place by ``create_all``; a new column of an existing table is
listed in :data:`ADDED_COLUMNS` with the version that brought it, and :func:`upgrade` adds it in
place (``ALTER TABLE … ADD COLUMN``, both dialects) at the start of the next run. Version 3 added
``counterparties.partner`` and ``events.document_set`` (filled for the rows already there from the
event set the mirror's facts name: before version 3 a mirror held one event set). The reader
reads every version it lists, leaving out the columns an older mirror lacks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    inspect,
    select,
    update,
)

__all__ = [
    "ADDED_COLUMNS",
    "READABLE_VERSIONS",
    "RUN",
    "SCHEMA_VERSION",
    "Money",
    "counterparties",
    "documents",
    "event_participants",
    "events",
    "links",
    "metadata",
    "mirror_meta",
    "mirror_sets",
    "names",
    "sync_state",
    "upgrade",
]

SCHEMA_VERSION = "4"
#: Versions this code reads: 1 has the same tables but no ``sync_state`` (completeness unknown);
#: 1 and 2 lack the columns of :data:`ADDED_COLUMNS` (read as empty); up to 3 a document's amount was
#: a double precision column (4: NUMERIC, converted in place by :func:`upgrade`).
READABLE_VERSIONS = ("1", "2", "3", "4")
#: Versions that record completeness (``sync_state``).
STATE_VERSIONS = ("2", "3", "4")
#: The ``sync_state`` row of the run as a whole.
RUN = "*"

metadata = MetaData()


class Money(TypeDecorator[float]):
    """A sum of money, kept exact in the database: ``NUMERIC`` where the database has it (PostgreSQL: a
    ``sum()`` over it does not drift the way ``double precision`` does), decimal text in SQLite (whose
    NUMERIC is a float). 1C sends sums as JSON numbers of at most 15 significant digits (Число 15.2),
    which a Python float holds exactly as its shortest ``repr``: that is the text stored, and a float is
    what reading gives back, as the 1C path gives.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        exact = Decimal(repr(float(value))) if isinstance(value, float | int) else Decimal(value)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Any) -> float | None:
        return None if value is None else float(value)


def _ref(name: str, *, primary_key: bool = False, nullable: bool = True) -> Column[str]:
    return Column(name, String(36), primary_key=primary_key, nullable=nullable and not primary_key)


def _set(name: str, *, primary_key: bool = False) -> Column[str]:
    return Column(name, String(200), primary_key=primary_key, nullable=not primary_key)


mirror_meta = Table(
    "mirror_meta", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

mirror_sets = Table(
    "mirror_sets", metadata,
    _set("entity_set", primary_key=True),
    Column("role", String(30), nullable=False),  # counterparties | events | documents | names
    Column("rows", Integer, nullable=False),
    Column("synced_at", DateTime, nullable=False),
    Column("full_at", DateTime),
)

sync_state = Table(
    "sync_state", metadata,
    _set("entity_set", primary_key=True),  # a synced set, or RUN ("*") for the run as a whole
    Column("role", String(30), nullable=False),  # counterparties | events | documents | names | run
    Column("status", String(20), nullable=False),  # pending | running | complete | skipped | failed
    Column("started_at", DateTime),  # when its last run started; NULL: never started
    Column("completed_at", DateTime),  # when that run completed; NULL while it runs, after a kill or a failure
    Column("last_complete_at", DateTime),  # when its last complete run ended (kept through a killed one)
    Column("rows", Integer),  # rows after its last complete run
)

counterparties = Table(
    "counterparties", metadata,
    _ref("ref", primary_key=True),
    Column("data_version", String(64)),
    Column("code", String(50)),
    Column("name", Text, nullable=False),
    Column("full_name", Text),
    Column("inn", String(20)),
    Column("kpp", String(20)),
    _ref("parent"),
    Column("is_folder", Boolean, nullable=False),
    _ref("manager"),
    Column("buyer", Boolean),
    Column("supplier", Boolean),
    Column("deleted", Boolean, nullable=False),
    Column("comment", Text),
    _ref("partner"),  # version 3; family C: the partner (Catalog_Партнеры) the counterparty belongs to
    Index("ix_counterparties_inn", "inn"),
    Index("ix_counterparties_parent", "parent"),
)

events = Table(
    "events", metadata,
    _ref("ref", primary_key=True),
    Column("data_version", String(64)),
    Column("number", String(50)),
    Column("date", DateTime),
    Column("posted", Boolean),
    Column("deleted", Boolean, nullable=False),
    Column("kind", String(20)),
    Column("kind_raw", String(100)),
    Column("direction", String(20)),
    Column("direction_raw", String(100)),
    Column("state", String(20)),
    Column("state_raw", String(200)),
    _ref("counterparty"),
    _set("counterparty_set"),
    Column("counterparty_text", Text),
    _ref("contact"),
    _ref("responsible"),
    Column("start_time", DateTime),
    Column("end_time", DateTime),
    Column("subject", Text),
    Column("body", Text),
    Column("comment", Text),
    _set("basis_set"),
    _ref("basis_ref"),
    _set("document_set"),  # version 3; the event's document (family C: six of them)
    Index("ix_events_counterparty", "counterparty"),
    Index("ix_events_date", "date"),
    Index("ix_events_responsible", "responsible"),
)

event_participants = Table(
    "event_participants", metadata,
    _ref("event_ref", primary_key=True),
    Column("line", Integer, primary_key=True),
    _ref("ref"),
    _set("entity_set"),
    Column("text", Text),
    Index("ix_event_participants_ref", "ref"),
)

documents = Table(
    "documents", metadata,
    _set("entity_set", primary_key=True),
    _ref("ref", primary_key=True),
    Column("data_version", String(64)),
    Column("number", String(50)),
    Column("date", DateTime),
    Column("posted", Boolean),
    Column("deleted", Boolean, nullable=False),
    _ref("counterparty"),
    _set("counterparty_set"),
    Column("amount", Money),
    _ref("currency"),
    Column("title", Text),
    Column("kind", String(100)),
    Column("state", String(200)),
    Index("ix_documents_counterparty", "counterparty"),
    Index("ix_documents_date", "date"),
)

links = Table(
    "links", metadata,
    _set("child_set", primary_key=True),
    _ref("child_ref", primary_key=True),
    Column("link", String(200), primary_key=True),  # the attribute: "Основание", "Товары.ЗаказПокупателя"
    _set("parent_set", primary_key=True),
    _ref("parent_ref", primary_key=True),
    Index("ix_links_parent", "parent_set", "parent_ref"),
)

names = Table(
    "names", metadata,
    _set("entity_set", primary_key=True),
    _ref("ref", primary_key=True),
    Column("data_version", String(64)),
    Column("name", Text, nullable=False),
)


#: Columns added to existing tables after version 2, in the order they came: (version, table, column).
ADDED_COLUMNS: tuple[tuple[str, Table, str], ...] = (
    ("3", counterparties, "partner"),
    ("3", events, "document_set"),
)
_ADDED_INDEXES = (Index("ix_events_document_set", events.c.document_set),)


def upgrade(conn: Connection) -> list[str]:
    """Bring the tables of an older mirror up to :data:`SCHEMA_VERSION` in place: add the columns of
    :data:`ADDED_COLUMNS` it lacks (and their indexes), fill ``events.document_set`` of the rows it
    holds. Returns the ``table.column`` names added (empty for a current mirror)."""
    inspector = inspect(conn)
    added: list[str] = []
    for _, table, name in ADDED_COLUMNS:
        if name in {c["name"] for c in inspector.get_columns(table.name)}:
            continue
        column = table.c[name]
        kind = column.type.compile(dialect=conn.dialect)
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(name)} {kind}")
        added.append(f"{table.name}.{name}")
    for index in _ADDED_INDEXES:
        index.create(conn, checkfirst=True)
    _exact_amounts(conn, inspector)
    if "events.document_set" in added:
        # Before version 3 a mirror held one event set: the one its facts name.
        event_set = select(mirror_meta.c.value).where(mirror_meta.c.key == "event_set").scalar_subquery()
        conn.execute(update(events).where(events.c.document_set.is_(None)).values(document_set=event_set))
    return added



def _exact_amounts(conn: Connection, inspector: Any) -> None:
    """Up to version 3 ``documents.amount`` was ``double precision``: on PostgreSQL it becomes NUMERIC in
    place (a float8 turns into the decimal of its 15 significant digits: a 1C sum exactly). SQLite keeps
    its column (its types are affinities): the values written from now on are exact text, the older ones
    read back as the same floats."""
    if conn.dialect.name != "postgresql":
        return
    kind = next((c["type"] for c in inspector.get_columns(documents.name) if c["name"] == "amount"), None)
    if isinstance(kind, Float):  # DOUBLE_PRECISION (a Float is a Numeric too)
        conn.exec_driver_sql("ALTER TABLE documents ALTER COLUMN amount TYPE NUMERIC USING amount::numeric")

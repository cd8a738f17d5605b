"""The mirror's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL, many bases in one database.

=====================  ==========================================================================
table                  what it holds (one row per …)
=====================  ==========================================================================
bases                  base in the database: its name, URL (no credentials), family, last sync times
mirror_meta            key/value facts of a base: schema version, its URL, family, set names
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

Every table but ``bases`` has the column ``base`` first in its primary key: the name of the base in
the config file (``[bases.msk]``), or ``default`` for a configuration with one unnamed base. Families
A, B and C land in the same tables; one base's rows never touch another's.

References are 1C's ``Ref_Key`` GUIDs as text (36 characters, lower case); an empty reference is
NULL. Dates are naive 1C server-local times, as 1C sends them. ``data_version`` is 1C's opaque
``DataVersion``: the next run compares it with a ``Ref_Key, DataVersion`` scan and fetches only
the rows whose version moved. Deletion marks are the ``deleted`` columns; objects deleted in 1C
physically disappear from the mirror. Sums are exact (:class:`Money`).

Completeness (``sync_state``): a run first commits its plan — every set it will copy, ``pending``
when the set has no row yet — and the ``*`` row as ``running``. Each set is then committed as
``running`` (``completed_at`` NULL) before anything of it is written, and as ``complete`` in the same
transaction as its last rows; the last set's transaction also completes ``*``. So a run killed at
any moment leaves the sets it had not finished ``running`` or ``pending``, never ``complete``.
``last_complete_at`` keeps the end of a set's last complete run through a later run that was killed.

Evolution is alembic's (:mod:`onec_history.mirror.migrate`, revisions in ``migrations/versions``):
version 2 added ``sync_state``, 3 the family-C columns, 4 exact sums, 5 the base in every key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)

__all__ = [
    "DEFAULT_BASE",
    "RUN",
    "SCHEMA_VERSION",
    "Money",
    "bases",
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
]

SCHEMA_VERSION = "5"
#: The ``sync_state`` row of the run as a whole.
RUN = "*"
#: The base of a configuration that names none (its one url).
DEFAULT_BASE = "default"

# Primary keys named pk_<table>, as the version-5 migration names them: the same on a new database.
metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})


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


def _base() -> Column[str]:
    return Column("base", String(100), primary_key=True)


def _ref(name: str, *, primary_key: bool = False, nullable: bool = True) -> Column[str]:
    return Column(name, String(36), primary_key=primary_key, nullable=nullable and not primary_key)


def _set(name: str, *, primary_key: bool = False) -> Column[str]:
    return Column(name, String(200), primary_key=primary_key, nullable=not primary_key)


bases = Table(
    "bases", metadata,
    Column("base", String(100), primary_key=True),
    Column("url", Text, nullable=False),  # without credentials
    Column("family", String(10)),
    Column("last_sync_at", DateTime),  # when its last run started
    Column("last_complete_at", DateTime),  # when its last complete run ended
)

mirror_meta = Table(
    "mirror_meta", metadata,
    _base(),
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

mirror_sets = Table(
    "mirror_sets", metadata,
    _base(),
    _set("entity_set", primary_key=True),
    Column("role", String(30), nullable=False),  # counterparties | events | documents | names
    Column("rows", Integer, nullable=False),
    Column("synced_at", DateTime, nullable=False),
    Column("full_at", DateTime),
)

sync_state = Table(
    "sync_state", metadata,
    _base(),
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
    _base(),
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
    _ref("partner"),  # family C: the partner (Catalog_Партнеры) the counterparty belongs to
    Index("ix_counterparties_inn", "base", "inn"),
    Index("ix_counterparties_parent", "base", "parent"),
)

events = Table(
    "events", metadata,
    _base(),
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
    _set("document_set"),  # the event's document (family C: six of them)
    Index("ix_events_counterparty", "base", "counterparty"),
    Index("ix_events_date", "base", "date"),
    Index("ix_events_responsible", "base", "responsible"),
    Index("ix_events_document_set", "base", "document_set"),
)

event_participants = Table(
    "event_participants", metadata,
    _base(),
    _ref("event_ref", primary_key=True),
    Column("line", Integer, primary_key=True),
    _ref("ref"),
    _set("entity_set"),
    Column("text", Text),
    Index("ix_event_participants_ref", "base", "ref"),
)

documents = Table(
    "documents", metadata,
    _base(),
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
    Index("ix_documents_counterparty", "base", "counterparty"),
    Index("ix_documents_date", "base", "date"),
)

links = Table(
    "links", metadata,
    _base(),
    _set("child_set", primary_key=True),
    _ref("child_ref", primary_key=True),
    Column("link", String(200), primary_key=True),  # the attribute: "Основание", "Товары.ЗаказПокупателя"
    _set("parent_set", primary_key=True),
    _ref("parent_ref", primary_key=True),
    Index("ix_links_parent", "base", "parent_set", "parent_ref"),
)

names = Table(
    "names", metadata,
    _base(),
    _set("entity_set", primary_key=True),
    _ref("ref", primary_key=True),
    Column("data_version", String(64)),
    Column("name", Text, nullable=False),
)

"""A local database copy of a base's counterparties, events and document links, kept current; many
bases may share one database (each row keyed by its base's name).

>>> report = Mirror(history, "sqlite:///mirror.db", base="msk").sync()       # doctest: +SKIP

The first run copies every set in one paged pass each. Later runs read ``Ref_Key, DataVersion``
of each set (a few bytes per object), compare with the stored versions, fetch only the rows that
are new or changed — in ``Ref_Key eq … or …`` groups that fit the URL budget — and delete the
rows 1C no longer has. Deletion marks arrive as changed rows. Each set is written in one
transaction, so an interrupted run leaves every set either as before or fully updated — and the
``sync_state`` table says which: a set is committed as ``running`` before it is written and as
``complete`` in the same transaction as its last rows (see :mod:`onec_history.mirror.schema`).

The database is any SQLAlchemy URL; ``postgresql://`` is served by psycopg 3. The schema is
described in :mod:`onec_history.mirror.schema`.
"""

from __future__ import annotations

import logging
import re
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from .. import paging
from .. import query as q
from ..chains.links import Link, LinkTable, discover_links
from ..chains.nodes import NodeReader, link_value
from ..errors import ConfigError, NotPublishedError
from ..events.interactions import InteractionReader
from ..events.read import EventReader
from ..export.rows import NamePreloader
from ..history import History
from ..models import Event
from . import schema as ms
from .migrate import migrate

__all__ = ["EngineOwner", "Mirror", "MirrorReport", "SetReport", "database_error", "engine_for"]

log = logging.getLogger("onec_history.mirror")

Rows = dict[sa.Table, list[dict[str, Any]]]
_BATCH = 500  # rows per INSERT statement
_SCAN_PAGE = 5000  # Ref_Key+DataVersion rows are ~90 bytes: bigger pages spare 1C the per-request cost


def engine_for(url: str) -> sa.Engine:
    """An engine for ``url``: ``sqlite:///file``, a bare file path, or ``postgresql://…`` (psycopg 3)."""
    given = url
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # SQLite lets one writer at a time: bases mirrored in parallel into one file wait their turn
    # (a set is one transaction) rather than fail after pysqlite's 5 s.
    options: dict[str, Any] = {"connect_args": {"timeout": 600}} if url.startswith("sqlite") else {}
    try:
        return sa.create_engine(url, future=True, **options)
    except ImportError as exc:  # the driver is an extra: SQLite needs nothing, PostgreSQL psycopg
        if url.startswith("postgresql"):
            raise ConfigError(f"The mirror database {without_password(given)} is PostgreSQL, and its driver "
                              "(psycopg) is not installed",
                              hint="Install it with: pip install 'onec-history[postgres]'.") from None
        raise database_error(url, exc) from None
    except (sa.exc.ArgumentError, ValueError) as exc:  # a malformed URL (a port "abc"), a dialect we lack
        raise database_error(url, exc) from None


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s'\"]*):[^@\s'\"]*@")


def without_password(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (messages, logs)."""
    return _PASSWORD_IN_URL.sub(r"\1:***@", text)


def database_error(url: str, exc: BaseException) -> ConfigError:
    """The mirror database cannot be used: one paragraph naming it (without its password) and why."""
    shown = without_password(url)
    reason = without_password(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
    return ConfigError(
        f"The mirror database {shown} cannot be used: {reason}",
        hint="Check --db (or ONEC_MIRROR_DB): sqlite:///file.db in a writable directory, or "
             "postgresql://user@host/db of a running server the user may write to.",
    )


@dataclass
class SetReport:
    entity_set: str
    role: str
    mode: str = "incremental"  # full | incremental
    remote: int = 0  # objects in 1C
    changed: int = 0  # new or changed, fetched
    deleted: int = 0  # gone from 1C, removed locally
    requests: int = 0
    bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class MirrorReport:
    sets: list[SetReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # sets whose previous run had not completed

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sets)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.sets)

    @property
    def changed(self) -> int:
        return sum(s.changed + s.deleted for s in self.sets)


@dataclass
class _Unit:
    """One entity set and how its rows land in the tables."""

    base: str
    entity_set: str
    role: str
    select: tuple[str, ...]
    table: sa.Table  # holds (ref, data_version); scoped by ``set_column`` when it has that column
    convert: Callable[[list[dict[str, Any]]], Rows]
    children: tuple[tuple[sa.Table, str, str | None], ...] = ()  # (table, ref column, set column)
    set_column: str = "entity_set"  # events: document_set (family C keeps six sets in the one table)

    def scope(self, table: sa.Table, set_column: str | None = "entity_set") -> Any:
        """This base's rows of this set in ``table`` (every table has the base first in its key)."""
        if set_column and set_column in table.c:
            return sa.and_(table.c.base == self.base, table.c[set_column] == self.entity_set)
        return table.c.base == self.base

    def own(self) -> Any:
        """The rows of this set in its own table."""
        return self.scope(self.table, self.set_column)

    def child_scope(self, table: sa.Table, ref_column: str, set_column: str | None) -> Any:
        """The rows of this set in a child table: by its set column, else by the parent's refs."""
        if set_column and set_column in table.c:
            return sa.and_(table.c.base == self.base, table.c[set_column] == self.entity_set)
        return sa.and_(table.c.base == self.base,
                       table.c[ref_column].in_(sa.select(self.table.c.ref).where(self.own())))


_Owner = TypeVar("_Owner", bound="EngineOwner")


class EngineOwner:
    """Owns a SQLAlchemy engine and disposes of it: use as a context manager, or call :meth:`close`."""

    engine: sa.Engine

    def _own(self, engine: sa.Engine) -> sa.Engine:
        """``engine``, disposed of when this owner is dropped without :meth:`close`: its pooled
        connections are closed then, not left for the garbage collector to find open (Python 3.13
        warns of each SQLite one). The engine itself cannot carry this: its pool refers back to it."""
        weakref.finalize(self, engine.dispose)
        return engine

    def close(self) -> None:
        """Close every pooled connection (psycopg warns about connections left open)."""
        self.engine.dispose()

    def __enter__(self: _Owner) -> _Owner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Mirror(EngineOwner):
    """Copies one base into a database, as the rows of ``base`` (the base's name; other bases' rows in
    the same database are never touched)."""

    def __init__(self, history: History, db_url: str, *, link_overrides: Any = None,
                 base: str = ms.DEFAULT_BASE) -> None:
        self.history = history
        self.base = base
        self._on_rows: Callable[[str, int], None] | None = None
        self.client = history.client
        self.profile = history.profile
        self.engine = self._own(engine_for(db_url))
        self.link_overrides = link_overrides
        self._preloader: NamePreloader | None = None

    def _owners(self) -> NamePreloader:
        """Family C: decides when the contact persons' catalogue is read whole for their partners
        (:meth:`Partners.preload_owners <onec_history.counterparties.partners.Partners.preload_owners>`),
        by the export's rule for names; one for the run, shared by the six documents."""
        if self._preloader is None:
            self._preloader = NamePreloader(self.history.names)
            person_set = self.profile.person_set
            if person_set:
                self._preloader.loaders[person_set] = self.history.base.partners.preload_owners
        return self._preloader

    # -- units ------------------------------------------------------------------------------------
    def _units(self, report: MirrorReport) -> list[_Unit]:
        p = self.profile
        md = self.client.metadata()
        table: LinkTable = discover_links(md, p.family, self.link_overrides)
        report.warnings.extend(table.warnings)
        reader = NodeReader(self.client, table, p)
        events = self.history.event_reader
        # One unit per event document: Document_Событие (A, B), each published interaction (C).
        readers = events.readers if isinstance(events, InteractionReader) else [events]
        units = [self._counterparty_unit(), *(self._event_unit(r, table, reader) for r in readers)]
        event_sets = {r.profile.event_set for r in readers}
        for entity_set in table.document_sets():
            if entity_set not in event_sets and entity_set in md:
                units.append(self._document_unit(entity_set, table, reader))
        # Names of the users, УНФ's states, and family C's partners (the events' clients), their
        # contact persons and unregistered callers (participants).
        catalogs = (p.users_set, p.state_catalog, p.partner_set, p.person_set, p.string_contact_set)
        for catalog in dict.fromkeys(c for c in catalogs if c):
            if catalog in md:
                units.append(self._names_unit(catalog))
        return units

    def _counterparty_unit(self) -> _Unit:
        mapper = self.history.counterparty_mapper()
        cols = [c.name for c in ms.counterparties.c]

        def convert(rows: list[dict[str, Any]]) -> Rows:
            out = []
            for row in rows:
                d = mapper.map(row).model_dump()
                out.append({c: d.get(c) for c in cols})
            return {ms.counterparties: out}

        return _Unit(self.base, self.profile.counterparty_set, "counterparties", _with_version(mapper.select()),
                     ms.counterparties, convert)

    def _event_unit(self, events: EventReader, table: LinkTable, reader: NodeReader) -> _Unit:
        """One event document: family C's interaction documents each have theirs, the client made
        the partner (a contact person's owner, read in bulk; an unregistered caller's text)."""
        mapper = events.mapper()
        event_set = events.profile.event_set
        shape = reader.shape(event_set)
        own = table.of_set(event_set)
        select = _with_version((*mapper.select(), *shape.select, *_link_columns(own)))
        interactions = self.history.event_reader if events.profile.doc is not None else None
        person_set = events.profile.person_set

        def convert(rows: list[dict[str, Any]]) -> Rows:
            parts: list[dict[str, Any]] = []
            mapped = [mapper.map(row) for row in rows]
            if isinstance(interactions, InteractionReader):
                # the contact persons' partners by key, or the whole catalogue once a copy names enough
                self._owners().consider([(person_set, e.counterparty) for e in mapped
                                         if e.counterparty and e.counterparty_set == person_set], rows=len(mapped))
                mapped = interactions.clients(mapped)
            for e in mapped:
                parts.extend({"event_ref": e.ref, "line": p.line or i, "ref": p.ref, "entity_set": p.entity_set,
                              "text": p.text} for i, p in enumerate(e.participants, start=1))
            docs = self._doc_rows(event_set, rows, reader, own)
            return {ms.events: [_event_row(e) for e in mapped], ms.event_participants: parts, **docs}

        return _Unit(self.base, event_set, "events", select, ms.events, convert,
                     children=((ms.event_participants, "event_ref", None), (ms.documents, "ref", "entity_set"),
                               (ms.links, "child_ref", "child_set")), set_column="document_set")

    def _document_unit(self, entity_set: str, table: LinkTable, reader: NodeReader) -> _Unit:
        own = table.of_set(entity_set)
        shape = reader.shape(entity_set)
        select = _with_version((*shape.select, *_link_columns(own)))

        def convert(rows: list[dict[str, Any]]) -> Rows:
            return self._doc_rows(entity_set, rows, reader, own)

        return _Unit(self.base, entity_set, "documents", select, ms.documents, convert,
                     children=((ms.links, "child_ref", "child_set"),))

    def _doc_rows(self, entity_set: str, rows: list[dict[str, Any]], reader: NodeReader,
                  own: tuple[Link, ...]) -> Rows:
        shape = reader.shape(entity_set)
        docs, edges = [], {}
        for row in rows:
            node = shape.node(row)
            docs.append({"entity_set": entity_set, "ref": node.key.ref, "data_version": row.get("DataVersion"),
                         "number": node.number, "date": node.date, "posted": node.posted, "deleted": node.deleted,
                         "counterparty": node.counterparty, "counterparty_set": node.counterparty_set,
                         "amount": node.amount, "currency": node.currency, "title": node.title, "kind": node.kind,
                         "state": node.state})
            for link in own:
                for source in (row.get(link.section) or ()) if link.section else (row,):
                    parent = link_value(link, source)
                    if parent is not None:
                        key = (entity_set, node.key.ref, link.name, parent.entity_set, parent.ref)
                        edges[key] = dict(zip(("child_set", "child_ref", "link", "parent_set", "parent_ref"), key,
                                              strict=True))
        return {ms.documents: docs, ms.links: list(edges.values())}

    def _names_unit(self, entity_set: str) -> _Unit:
        es = self.client.entity_set(entity_set)
        name_prop = "Description" if "Description" in es.properties else "Ref_Key"

        def convert(rows: list[dict[str, Any]]) -> Rows:
            return {ms.names: [{"entity_set": entity_set, "ref": str(r["Ref_Key"]),
                                "data_version": r.get("DataVersion"), "name": str(r.get(name_prop) or "").strip()}
                               for r in rows]}

        return _Unit(self.base, entity_set, "names", _with_version(("Ref_Key", name_prop)), ms.names, convert)

    # -- running ----------------------------------------------------------------------------------
    def sync(self, *, full: bool = False, progress: Callable[[SetReport], None] | None = None,
             on_rows: Callable[[str, int], None] | None = None) -> MirrorReport:
        """Bring the database up to date; ``full`` re-copies everything. ``progress`` hears of each set
        done, ``on_rows(entity_set, n)`` of each page of ``n`` rows written (a progress line)."""
        self._on_rows = on_rows
        try:
            return self._sync(full=full, progress=progress)
        except sa.exc.SQLAlchemyError as exc:  # the local database, not 1C: unreachable, read-only, full
            raise database_error(self.engine.url.render_as_string(hide_password=False), exc) from None

    def _sync(self, *, full: bool, progress: Callable[[SetReport], None] | None) -> MirrorReport:
        before = migrate(self.engine, base_name=self._claim())
        report = MirrorReport()
        self._rename_default(report)
        units = self._units(report)
        if before in ("1", "2") and self.profile.documents:
            # Family C was not mirrored before version 3 (one document, contact persons as clients):
            # copy it again rather than keep rows of the old shape.
            report.warnings.append(f"the mirror was made by an earlier onec-history (schema version {before}): "
                                   "every set is copied again")
            full = True
        self._begin_run(units, report)
        current: _Unit | None = None
        try:
            for i, unit in enumerate(units):
                current = unit
                last = i == len(units) - 1
                try:
                    done = self._sync_unit(unit, full=full, last=last)
                except NotPublishedError as exc:
                    report.warnings.append(f"{unit.entity_set}: {exc.message}; skipped")
                    self._skip(unit, last=last)
                    continue
                report.sets.append(done)
                if progress is not None:
                    progress(done)
        except BaseException:
            # A kill -9 gets no say: the set stays 'running'. Anything else is recorded as a failure.
            self._mark_failed(current)
            raise
        return report

    def _begin_run(self, units: list[_Unit], report: MirrorReport) -> None:
        """Write the facts and commit the plan: every set this run copies, and the run as 'running'."""
        p = self.profile
        meta, state = ms.mirror_meta, ms.sync_state
        url = self.client.transport.safe_base_url
        base = self.base
        facts = {"schema_version": ms.SCHEMA_VERSION, "base_url": url,
                 "family": p.family.value, "event_set": p.event_set, "counterparty_set": p.counterparty_set,
                 "users_set": p.users_set, "state_catalog": p.state_catalog or "",
                 "event_sets": ",".join(u.entity_set for u in units if u.role == "events"),
                 "partner_set": p.partner_set or ""}
        with self.engine.begin() as conn:
            before = conn.execute(sa.select(meta.c.value).where(meta.c.base == base, meta.c.key == "base_url")).scalar()
            if before and before != url:
                # Keys of another base never match: the run below replaces its rows (each set in one pass).
                report.warnings.append(f"the base {base!r} of this database was {without_password(before)}; it is "
                                       f"now {without_password(url)}, whose rows replace it")
            conn.execute(meta.delete().where(meta.c.base == base))
            conn.execute(meta.insert(), [{"base": base, "key": k, "value": v} for k, v in facts.items()])
            bases = ms.bases
            moved = conn.execute(bases.update().where(bases.c.base == base).values(
                url=url, family=p.family.value, last_sync_at=_now()))
            if moved.rowcount == 0:
                conn.execute(bases.insert().values(base=base, url=url, family=p.family.value, last_sync_at=_now()))
            known = {r.entity_set: r for r in conn.execute(sa.select(state).where(state.c.base == base))}
            planned = {u.entity_set for u in units}
            report.resumed = [name for name, r in known.items()
                              if name in planned and r.status in ("running", "failed", "pending")]
            stale = [name for name in known if name not in planned and name != ms.RUN]
            if stale:  # sets no longer copied (the link table changed): nothing waits for them
                conn.execute(state.delete().where(state.c.base == base, state.c.entity_set.in_(stale)))
            for unit in units:
                if unit.entity_set not in known:
                    conn.execute(state.insert().values(base=base, entity_set=unit.entity_set, role=unit.role,
                                                       status="pending"))
            _upsert(conn, state, base, ms.RUN, role="run", status="running", started_at=_now(), completed_at=None)

    def _mark_running(self, unit: _Unit) -> None:
        """Committed before anything of the set is written: a kill from here on leaves it 'running'."""
        with self.engine.begin() as conn:
            _upsert(conn, ms.sync_state, self.base, unit.entity_set, role=unit.role, status="running",
                    started_at=_now(), completed_at=None)

    def _complete(self, conn: sa.Connection, unit: _Unit, rep: SetReport, *, last: bool) -> None:
        """In the transaction of the set's last rows: the set, and after the last set the run, complete."""
        now = _now()
        count = conn.execute(sa.select(sa.func.count()).select_from(unit.table).where(unit.own()))
        rows = int(count.scalar_one())
        values: dict[str, Any] = {"role": unit.role, "rows": rows, "synced_at": now}
        if rep.mode == "full":
            values["full_at"] = now
        _upsert(conn, ms.mirror_sets, self.base, unit.entity_set, **values)
        _upsert(conn, ms.sync_state, self.base, unit.entity_set, role=unit.role, status="complete", completed_at=now,
                last_complete_at=now, rows=rows)
        if last:
            self._complete_run(conn, now)

    def _skip(self, unit: _Unit, *, last: bool) -> None:
        """A set the base does not publish: nothing to wait for (its earlier rows, if any, stay)."""
        now = _now()
        with self.engine.begin() as conn:
            _upsert(conn, ms.sync_state, self.base, unit.entity_set, role=unit.role, status="skipped",
                    completed_at=now)
            if last:
                self._complete_run(conn, now)

    def _complete_run(self, conn: sa.Connection, now: datetime) -> None:
        _upsert(conn, ms.sync_state, self.base, ms.RUN, role="run", status="complete", completed_at=now,
                last_complete_at=now)
        conn.execute(ms.bases.update().where(ms.bases.c.base == self.base).values(last_complete_at=now))

    def _mark_failed(self, unit: _Unit | None) -> None:
        """Best effort: the database itself may be what failed."""
        try:
            with self.engine.begin() as conn:
                t = ms.sync_state
                names = [ms.RUN] + ([unit.entity_set] if unit is not None else [])
                conn.execute(t.update().where(t.c.base == self.base, t.c.entity_set.in_(names),
                                              t.c.status == "running").values(status="failed"))
        except sa.exc.SQLAlchemyError:
            log.debug("could not record the failed run", exc_info=True)

    def _local_versions(self, unit: _Unit) -> dict[str, str | None]:
        t = unit.table
        with self.engine.connect() as conn:
            return {str(r[0]): r[1] for r in conn.execute(sa.select(t.c.ref, t.c.data_version).where(unit.own()))}

    def _sync_unit(self, unit: _Unit, *, full: bool, last: bool) -> SetReport:
        stats = self.client.transport.stats
        req0, bytes0 = stats.requests, stats.bytes_received
        rep = SetReport(unit.entity_set, unit.role)
        self._mark_running(unit)

        def finish(conn: sa.Connection) -> None:
            self._complete(conn, unit, rep, last=last)

        local = {} if full else self._local_versions(unit)
        if not local:
            rep.mode = "full"
            rep.remote = rep.changed = self._replace_all(unit, finish)
        else:
            remote = {str(r["Ref_Key"]): r.get("DataVersion") for r in self.client.iterate(
                unit.entity_set, q.Query(select=("Ref_Key", "DataVersion")),
                page_size=max(self.client.page_size, _SCAN_PAGE))}
            changed = [ref for ref, dv in remote.items() if local.get(ref) != dv]
            gone = [ref for ref in local if ref not in remote]
            rep.remote, rep.changed, rep.deleted = len(remote), len(changed), len(gone)
            if changed and len(changed) > len(remote) // 2:
                # Most rows moved: one paged pass is cheaper than or-groups of keys.
                rep.mode = "full"
                self._replace_all(unit, finish)
            elif changed or gone:
                self._replace(unit, changed + gone, self._fetch(unit, changed), finish)
            else:
                with self.engine.begin() as conn:
                    finish(conn)
        rep.requests, rep.bytes = stats.requests - req0, stats.bytes_received - bytes0
        return rep

    def _fetch(self, unit: _Unit, refs: list[str]) -> Iterator[list[dict[str, Any]]]:
        """The rows of ``refs``, a batch per request."""
        # An event's Cyrillic $select alone can fill most of the URL budget: the client then asks for
        # all properties so that a score of keys share a request (Client.key_queries).
        terms = [q.eq("Ref_Key", _uuid(r)) for r in sorted(refs)]
        for group in self.client.key_queries(unit.entity_set, terms, q.Query(select=unit.select)):
            yield list(self.client.iterate(unit.entity_set, group))

    def _replace_all(self, unit: _Unit, finish: Callable[[sa.Connection], None]) -> int:
        """Re-copy the whole set page by page (memory stays flat) in one transaction that ends with
        ``finish``; the row count."""
        n = 0
        with self.engine.begin() as conn:
            for table, ref_col, set_col in unit.children:  # first: a child may be scoped by its parents
                conn.execute(table.delete().where(unit.child_scope(table, ref_col, set_col)))
            conn.execute(unit.table.delete().where(unit.own()))
            for page in paging.ahead(self.client.pages(unit.entity_set, q.Query(select=unit.select))):
                self._insert(conn, unit.convert(page))
                n += len(page)
                if self._on_rows is not None:
                    self._on_rows(unit.entity_set, len(page))
            finish(conn)
        return n

    def _replace(self, unit: _Unit, refs: list[str], batches: Iterable[list[dict[str, Any]]],
                 finish: Callable[[sa.Connection], None]) -> None:
        with self.engine.begin() as conn:
            for i in range(0, len(refs), _BATCH):
                chunk = refs[i:i + _BATCH]
                conn.execute(unit.table.delete().where(unit.own(), unit.table.c.ref.in_(chunk)))
                for table, ref_col, set_col in unit.children:
                    conn.execute(table.delete().where(unit.scope(table, set_col), table.c[ref_col].in_(chunk)))
            for rows in batches:
                self._insert(conn, unit.convert(rows))
                if self._on_rows is not None:
                    self._on_rows(unit.entity_set, len(rows))
            finish(conn)

    def _insert(self, conn: sa.Connection, rows: Rows) -> None:
        base = self.base
        for table, items in rows.items():
            for i in range(0, len(items), _BATCH):
                if items[i:i + _BATCH]:
                    conn.execute(table.insert(), [{**row, "base": base} for row in items[i:i + _BATCH]])

    def _rename_default(self, report: MirrorReport) -> None:
        """Rows of this base's URL kept as ``default`` (a single-base mirror, from before the base had a
        name) become this base's rather than being copied a second time beside it."""
        if self.base == ms.DEFAULT_BASE:
            return
        b = ms.bases
        with self.engine.begin() as conn:
            names = dict(conn.execute(sa.select(b.c.base, b.c.url)).all())
            if self.base in names or names.get(ms.DEFAULT_BASE) != self.client.transport.safe_base_url:
                return
            for table in ms.metadata.sorted_tables:
                conn.execute(table.update().where(table.c.base == ms.DEFAULT_BASE).values(base=self.base))
        report.warnings.append(f"the rows this database kept for {without_password(names[ms.DEFAULT_BASE])} "
                               f"as base {ms.DEFAULT_BASE!r} are now base {self.base!r}")

    def _claim(self) -> str:
        """The base the rows of a mirror made before version 5 (one base, no base column) belong to:
        this one when the mirror's URL is this base's, else ``default`` (a later run of that base
        under another name claims them, see :meth:`_rename_default`)."""
        try:
            with self.engine.connect() as conn:
                tables = sa.inspect(conn).get_table_names()
                if "mirror_meta" not in tables or "base" in {c["name"] for c in sa.inspect(conn).get_columns(
                        "mirror_meta")}:
                    return self.base
                url = conn.execute(sa.text("SELECT value FROM mirror_meta WHERE key = 'base_url'")).scalar()
        except sa.exc.SQLAlchemyError:
            return self.base
        return self.base if url == self.client.transport.safe_base_url else ms.DEFAULT_BASE


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _upsert(conn: sa.Connection, table: sa.Table, base: str, entity_set: str, **values: Any) -> None:
    """Update the row of ``entity_set`` of ``base``, or insert it (both dialects, no ON CONFLICT)."""
    done = conn.execute(table.update().where(table.c.base == base, table.c.entity_set == entity_set).values(**values))
    if done.rowcount == 0:
        conn.execute(table.insert().values(base=base, entity_set=entity_set, **values))


def _with_version(select: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(("Ref_Key", "DataVersion", *select)))


def _link_columns(links: Iterable[Link]) -> list[str]:
    """Header link columns, and the tabular sections holding row links (read inline)."""
    out: list[str] = []
    for link in links:
        out.extend([link.section] if link.section else link.columns)
    return out


def _uuid(ref: str) -> uuid.UUID:
    return uuid.UUID(ref)


def _event_row(e: Event) -> dict[str, Any]:
    return {"ref": e.ref, "data_version": e.data_version, "number": e.number, "date": e.date, "posted": e.posted,
            "deleted": e.deleted, "kind": e.kind.value if e.kind else None, "kind_raw": e.kind_raw,
            "direction": e.direction.value if e.direction else None, "direction_raw": e.direction_raw,
            "state": e.state.value if e.state else None, "state_raw": e.state_raw, "counterparty": e.counterparty,
            "counterparty_set": e.counterparty_set, "counterparty_text": e.counterparty_text, "contact": e.contact,
            "responsible": e.responsible, "start_time": e.start, "end_time": e.end, "subject": e.subject,
            "body": e.body, "comment": e.comment, "basis_set": e.basis.entity_set if e.basis else None,
            "basis_ref": e.basis.ref if e.basis else None, "document_set": e.document_set}


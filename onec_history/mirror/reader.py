"""Reading the mirror back as the library's own models — for reports that should not load 1C.

>>> m = MirrorReader("sqlite:///mirror.db")                                   # doctest: +SKIP
>>> for e in m.events(EventFilter(counterparty=ref, since=datetime(2024, 1, 1))): ...   # doctest: +SKIP

:meth:`MirrorReader.events` takes the same :class:`~onec_history.history.EventFilter` as
:meth:`History.events <onec_history.history.History.events>` and yields the same
:class:`~onec_history.models.Event` objects (participants, client and responsible names filled in);
:meth:`counterparties` yields :class:`~onec_history.models.Counterparty`; :meth:`documents` and
:meth:`links` give the chain graph as :class:`~onec_history.chains.model.Node` and
(child, link, parent) :class:`~onec_history.chains.model.DocKey` triples.

:meth:`MirrorReader.sync_state` says whether each set's last run completed (:class:`MirrorState`);
the reader itself serves whatever the tables hold — reports check the state first
(:class:`~onec_history.mirror.source.MirrorSource`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..chains.model import DocKey, Node
from ..errors import ConfigError, IncompleteMirrorError
from ..history import EventFilter
from ..models import Counterparty, DocumentRef, Event, Participant
from . import schema as ms
from .migrate import current_version
from .sync import EngineOwner, engine_for, without_password

__all__ = ["ROLES", "ROLE_TABLES", "MirrorReader", "MirrorState", "SetState"]

#: The table each role of set fills first (events also fill event_participants, documents, links).
ROLE_TABLES = {"counterparties": "counterparties", "events": "events", "documents": "documents", "names": "names"}
ROLES = tuple(ROLE_TABLES)
_DONE = ("complete", "skipped")  # skipped: the base does not publish the set — nothing to wait for


def _when(moment: datetime | None) -> str:
    return f"{moment:%d.%m.%Y %H:%M:%S}" if moment else "an unknown time"


@dataclass(frozen=True)
class SetState:
    """Whether one set's last run completed (a ``sync_state`` row)."""

    entity_set: str
    role: str  # counterparties | events | documents | names | run
    status: str  # pending | running | complete | skipped | failed
    started_at: datetime | None = None  # its last run started; None: never started
    completed_at: datetime | None = None  # that run completed; None while it runs, after a kill or a failure
    last_complete_at: datetime | None = None  # its last complete run ended (kept through a killed one)
    rows: int | None = None  # rows after its last complete run

    @property
    def complete(self) -> bool:
        return self.status in _DONE

    @property
    def table(self) -> str:
        return ROLE_TABLES.get(self.role, self.role)

    def problem(self) -> str:
        """What is wrong with it, in a few words (for an incomplete set)."""
        where = f"table {self.table} ({self.entity_set})"
        if self.started_at is None:
            return f"{where} was never synced: no run has reached it yet"
        how = "failed" if self.status == "failed" else "did not complete (killed or interrupted)"
        held = (f"it still holds the complete copy of {_when(self.last_complete_at)}" if self.last_complete_at
                else "it holds no complete copy")
        return f"{where}: its last run started {_when(self.started_at)} and {how}; {held}"


@dataclass(frozen=True)
class MirrorState:
    """Completeness of a mirror: the run as a whole and each set (:data:`schema.sync_state <.schema>`)."""

    known: bool  # False: schema version 1, made before completeness was recorded
    run: SetState | None  # None: no run got as far as committing its plan
    sets: tuple[SetState, ...] = ()

    def of(self, roles: Iterable[str] | None = None) -> list[SetState]:
        wanted = set(ROLES if roles is None else roles)
        return [s for s in self.sets if s.role in wanted]

    def gaps(self, roles: Iterable[str] | None = None) -> list[str]:
        """Why the tables of these roles (every role when None) cannot be trusted; empty when complete."""
        if not self.known:
            return ["it was made by an earlier onec-history, which did not record whether each table's last run "
                    "completed, so its completeness is unknown"]
        if self.run is None:
            return ["it was never synced: its first run stopped before copying anything"]
        return [s.problem() for s in self.of(roles) if not s.complete]

    def gap_tables(self, roles: Iterable[str] | None = None) -> list[str]:
        if not self.known or self.run is None:
            return sorted({ROLE_TABLES[r] for r in (ROLES if roles is None else roles) if r in ROLE_TABLES})
        return [s.table for s in self.of(roles) if not s.complete]

    def synced_at(self, roles: Iterable[str] | None = None) -> datetime | None:
        """When the tables of these roles were last completely synced — the oldest one's last complete
        run; None when one of them never completed, or completeness is unknown."""
        if not self.known or self.run is None:
            return None
        times = [s.last_complete_at for s in self.of(roles) if s.status != "skipped"]
        if not times:
            return self.run.last_complete_at
        return None if any(t is None for t in times) else min(t for t in times if t is not None)

_CP_COLUMNS = ("ref", "data_version", "code", "name", "full_name", "inn", "kpp", "parent", "is_folder", "manager",
               "buyer", "supplier", "deleted", "comment", "partner")


class MirrorReader(EngineOwner):
    """Read-only access to a mirror database made by :class:`~onec_history.mirror.sync.Mirror`: the rows
    of one of the bases it holds (``base``; may be left out when it holds one)."""

    def __init__(self, db_url: str, *, base: str | None = None) -> None:
        self.url = without_password(db_url)
        engine, held = _open(db_url, self.url)
        self.engine = self._own(engine)
        if base is None and len(held) > 1:
            self.close()
            raise ConfigError(f"The mirror {self.url} holds {len(held)} bases ({', '.join(held)})",
                              hint="Name one with --base NAME, or ask a report for --base all.")
        if base is not None and base not in held:
            self.close()
            raise ConfigError(f"The mirror {self.url} holds no base named {base!r}",
                              hint=f"It holds: {', '.join(held)}. Mirror that base first with "
                                   f"'onec-history --base {base} mirror --db {self.url}'.")
        self.base: str = base if base is not None else held[0]
        m = ms.mirror_meta
        with self.engine.connect() as conn:
            self._meta = {r.key: r.value for r in conn.execute(sa.select(m).where(m.c.base == self.base))}
        self._names: dict[tuple[str, str], str] | None = None

    @staticmethod
    def bases(db_url: str) -> list[dict[str, Any]]:
        """The bases a mirror database holds (``bases``): name, url, family, last sync times; the
        database must be of the current schema."""
        engine, _ = _open(db_url, without_password(db_url))
        try:
            with engine.connect() as conn:
                return [dict(r) for r in conn.execute(sa.select(ms.bases).order_by(ms.bases.c.base)).mappings()]
        finally:
            engine.dispose()

    def _mine(self, table: sa.Table) -> Any:
        return table.c.base == self.base

    # -- facts ------------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """The base's facts: base_url, family, event_set, counterparty_set, users_set, state_catalog,
        schema_version, event_sets (every event document mirrored) and partner_set (family C)."""
        return dict(self._meta)

    def sync_state(self) -> MirrorState:
        """Whether the run as a whole and each set's last run completed."""
        t = ms.sync_state
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(self._mine(t)).order_by(t.c.entity_set)).mappings().all()
        states = [SetState(entity_set=r["entity_set"], role=r["role"], status=r["status"], started_at=r["started_at"],
                           completed_at=r["completed_at"], last_complete_at=r["last_complete_at"], rows=r["rows"])
                  for r in rows]
        run = next((s for s in states if s.entity_set == ms.RUN), None)
        sets = sorted((s for s in states if s.entity_set != ms.RUN),  # in the order a run copies them
                      key=lambda s: (ROLES.index(s.role) if s.role in ROLES else len(ROLES), s.entity_set))
        return MirrorState(known=True, run=run, sets=tuple(sets))

    def synced_at(self, roles: Iterable[str] | None = None) -> datetime | None:
        """When the tables of ``roles`` (all when None) were last completely synced; None when one of
        them never was, or completeness is unknown. A killed run's start never counts."""
        return self.sync_state().synced_at(roles)

    def name(self, entity_set: str | None, ref: str | None) -> str | None:
        """A display name: counterparties from their table, users/employees/states from ``names``."""
        if not entity_set or not ref:
            return None
        if self._names is None:
            with self.engine.connect() as conn:
                names = {(r.entity_set, r.ref): r.name
                         for r in conn.execute(sa.select(ms.names).where(self._mine(ms.names)))}
                cps = self._meta.get("counterparty_set", "")
                c = ms.counterparties
                names.update({(cps, r.ref): r.name for r in conn.execute(
                    sa.select(c.c.ref, c.c.name).where(self._mine(c)))})
            self._names = names
        return self._names.get((entity_set, ref))

    # -- counterparties ---------------------------------------------------------------------------
    def counterparties(self, *, buyers_only: bool = False, folders: bool = False,
                       include_deleted: bool = True) -> Iterator[Counterparty]:
        t = ms.counterparties
        stmt = sa.select(t).where(self._mine(t)).order_by(t.c.name, t.c.ref)
        if not folders:
            stmt = stmt.where(t.c.is_folder.is_(False))
        if buyers_only:
            stmt = stmt.where(t.c.buyer.is_(True))
        if not include_deleted:
            stmt = stmt.where(t.c.deleted.is_(False))
        yield from self._counterparties(stmt)

    def counterparty(self, ref: str) -> Counterparty | None:
        t = ms.counterparties
        return next(self._counterparties(sa.select(t).where(self._mine(t), t.c.ref == ref)), None)

    def _counterparties(self, stmt: Any) -> Iterator[Counterparty]:
        cps, users = self._meta.get("counterparty_set"), self._meta.get("users_set")
        partners = self._meta.get("partner_set")
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        for r in rows:
            values = {c: r.get(c) for c in _CP_COLUMNS}
            yield Counterparty(**values, parent_name=self.name(cps, r["parent"]),
                               manager_name=self.name(users, r["manager"]),
                               partner_name=self.name(partners, values["partner"]))

    # -- events -----------------------------------------------------------------------------------
    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None) -> Iterator[Event]:
        """Events as :meth:`History.events` yields them: by client (header or participant), period, kind…"""
        f = f or EventFilter()
        t, p = ms.events, ms.event_participants
        conds: list[Any] = [self._mine(t)]
        if f.since:
            conds.append(t.c.date >= f.since)
        if f.until:
            conds.append(t.c.date <= f.until)
        if not f.include_deleted:
            conds.append(t.c.deleted.is_(False))
        for column, value in ((t.c.kind, f.kind), (t.c.state, f.state), (t.c.direction, f.direction)):
            if value is not None:
                conds.append(column == value.value)
        if f.responsible:
            conds.append(t.c.responsible == f.responsible)
        if f.counterparty:
            clients = self._clients_of(f.counterparty)
            as_participant = sa.select(p.c.event_ref).where(self._mine(p), p.c.ref.in_(clients))
            conds.append(sa.or_(t.c.counterparty.in_(clients), t.c.ref.in_(as_participant)))
        order = (t.c.date.desc(), t.c.ref.desc()) if newest_first else (t.c.date, t.c.ref)
        stmt = sa.select(t).where(*conds).order_by(*order)
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
            parts: dict[str, list[Participant]] = {}
            refs = [r["ref"] for r in rows]
            for i in range(0, len(refs), 500):
                for pr in conn.execute(sa.select(p).where(self._mine(p), p.c.event_ref.in_(refs[i:i + 500]))
                                       .order_by(p.c.line)):
                    parts.setdefault(pr.event_ref, []).append(
                        Participant(line=pr.line, ref=pr.ref, entity_set=pr.entity_set, text=pr.text))
        users = self._meta.get("users_set")
        for r in rows:
            yield self._event(r, tuple(parts.get(r["ref"], ())), users)

    def _clients_of(self, counterparty: str) -> list[str]:
        """What stands for the counterparty in the events: itself, and (family C) its partner —
        the mirror holds a contact person's interactions under the person's partner."""
        clients = [counterparty]
        t = ms.counterparties
        with self.engine.connect() as conn:
            partner = conn.execute(sa.select(t.c.partner).where(self._mine(t), t.c.ref == counterparty)).scalar()
        if partner:
            clients.append(partner)
        return clients

    def _event(self, r: Any, participants: tuple[Participant, ...], users: str | None) -> Event:
        basis = DocumentRef(entity_set=r["basis_set"], ref=r["basis_ref"]) if r["basis_ref"] else None
        return Event(
            ref=r["ref"], number=r["number"], date=r["date"], posted=r["posted"], deleted=r["deleted"],
            kind=r["kind"], kind_raw=r["kind_raw"], direction=r["direction"], direction_raw=r["direction_raw"],
            state=r["state"], state_raw=r["state_raw"], counterparty=r["counterparty"],
            counterparty_set=r["counterparty_set"], counterparty_text=r["counterparty_text"],
            counterparty_name=self.name(r["counterparty_set"], r["counterparty"]), participants=participants,
            contact=r["contact"], responsible=r["responsible"], responsible_name=self.name(users, r["responsible"]),
            start=r["start_time"], end=r["end_time"], subject=r["subject"], body=r["body"], comment=r["comment"],
            basis=basis, data_version=r["data_version"], document_set=r.get("document_set"),
        )

    # -- documents and links ----------------------------------------------------------------------
    def documents(self, entity_set: str | None = None, *, since: datetime | None = None,
                  until: datetime | None = None) -> Iterator[Node]:
        """Documents of the linked sets (events included) as chain nodes, oldest first."""
        t = ms.documents
        conds: list[Any] = [self._mine(t)]
        if entity_set:
            conds.append(t.c.entity_set == entity_set)
        if since:
            conds.append(t.c.date >= since)
        if until:
            conds.append(t.c.date <= until)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(*conds).order_by(t.c.date, t.c.entity_set, t.c.ref)).mappings().all()
        for r in rows:
            yield Node(key=DocKey(r["entity_set"], r["ref"]), number=r["number"], date=r["date"], posted=r["posted"],
                       deleted=r["deleted"], counterparty=r["counterparty"], counterparty_set=r["counterparty_set"],
                       counterparty_name=self.name(r["counterparty_set"], r["counterparty"]), amount=r["amount"],
                       currency=r["currency"], title=r["title"], kind=r["kind"], state=r["state"])

    def links(self) -> Iterator[tuple[DocKey, str, DocKey]]:
        """Every (child, link attribute, parent): the child was entered on the basis of the parent."""
        t = ms.links
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(self._mine(t)).order_by(
                t.c.parent_set, t.c.parent_ref, t.c.child_set, t.c.child_ref, t.c.link)).all()
        for r in rows:
            yield DocKey(r.child_set, r.child_ref), r.link, DocKey(r.parent_set, r.parent_ref)


def _open(db_url: str, shown: str) -> tuple[sa.Engine, list[str]]:
    """The engine of a mirror of the current schema and the bases it holds; ConfigError (the engine
    disposed of) for anything else: no such file, not a mirror, an earlier schema, never synced."""
    _must_exist(db_url, shown)
    engine = engine_for(db_url)
    try:
        with engine.connect() as conn:
            version = current_version(conn)
            held = [str(r[0]) for r in conn.execute(sa.select(ms.bases.c.base).order_by(ms.bases.c.base))] \
                if version == ms.SCHEMA_VERSION else []
        if version is None:
            raise ConfigError(f"{shown} is not an onec-history mirror: it has none of the mirror's tables",
                              hint=f"Make one with 'onec-history mirror --db {shown}'.")
        if version != ms.SCHEMA_VERSION:
            raise ConfigError(f"The mirror {shown} was made by an earlier onec-history (schema version {version}, "
                              f"this one reads {ms.SCHEMA_VERSION})",
                              hint=f"Run 'onec-history mirror --db {shown}' once: it upgrades the database in "
                                   "place, keeping every row, and brings it up to date.")
        if not held:  # the tables exist: a first run was stopped before it wrote anything
            raise IncompleteMirrorError(
                f"The mirror {shown} was never synced: its first run stopped before copying anything",
                tables=sorted(ROLE_TABLES.values()),
                hint=f"Run `onec-history mirror --db {shown}` again to complete it.")
    except sa.exc.SQLAlchemyError:
        engine.dispose()
        raise ConfigError(f"{shown} is not an onec-history mirror: its tables cannot be read as one",
                          hint="Name the database 'onec-history mirror --db URL' made, or make one with it.") from None
    except BaseException:
        engine.dispose()
        raise
    return engine, held


def _must_exist(db_url: str, shown: str) -> None:
    """A SQLite file that is not there is said so, not created empty by opening it."""
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        return  # engine_for words the malformed URL
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not os.path.exists(parsed.database):
        raise ConfigError(f"The mirror database {parsed.database} does not exist",
                          hint=f"Make it with 'onec-history mirror --db {shown}' (the first run copies the base), "
                               "or check the path given to --from-mirror / ONEC_MIRROR_DB.")

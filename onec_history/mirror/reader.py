"""Reading the mirror back as the library's own models — for reports that should not load 1C.

>>> m = MirrorReader("sqlite:///mirror.db")                                   # doctest: +SKIP
>>> for e in m.events(EventFilter(counterparty=ref, since=datetime(2024, 1, 1))): ...   # doctest: +SKIP

:meth:`MirrorReader.events` takes the same :class:`~onec_history.history.EventFilter` as
:meth:`History.events <onec_history.history.History.events>` and yields the same
:class:`~onec_history.models.Event` objects (participants, client and responsible names filled in);
:meth:`counterparties` yields :class:`~onec_history.models.Counterparty`; :meth:`documents` and
:meth:`links` give the chain graph as :class:`~onec_history.chains.model.Node` and
(child, link, parent) :class:`~onec_history.chains.model.DocKey` triples.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..chains.model import DocKey, Node
from ..errors import ConfigError
from ..history import EventFilter
from ..models import Counterparty, DocumentRef, Event, Participant
from . import schema as ms
from .sync import EngineOwner, engine_for, without_password

__all__ = ["MirrorReader"]

_CP_COLUMNS = ("ref", "data_version", "code", "name", "full_name", "inn", "kpp", "parent", "is_folder", "manager",
               "buyer", "supplier", "deleted", "comment")


class MirrorReader(EngineOwner):
    """Read-only access to a mirror database made by :class:`~onec_history.mirror.sync.Mirror`."""

    def __init__(self, db_url: str) -> None:
        self.engine = engine_for(db_url)
        try:
            with self.engine.connect() as conn:
                self._meta = {r.key: r.value for r in conn.execute(sa.select(ms.mirror_meta))}
        except sa.exc.SQLAlchemyError as exc:
            self.close()
            raise ConfigError(f"{without_password(db_url)} is not an onec-history mirror ({exc.__class__.__name__})",
                              hint="Create it with 'onec-history mirror --db URL'.") from None
        if self._meta.get("schema_version") != ms.SCHEMA_VERSION:
            version = self._meta.get("schema_version")
            raise ConfigError(f"The mirror {without_password(db_url)} has schema version {version!r}; "
                              f"this onec-history reads version {ms.SCHEMA_VERSION}",
                              hint="Re-create it with 'onec-history mirror --db URL --full'.")
        self._names: dict[tuple[str, str], str] | None = None

    # -- facts ------------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """base_url, family, event_set, counterparty_set, users_set, state_catalog, schema_version."""
        return dict(self._meta)

    def synced_at(self) -> datetime | None:
        """When the oldest set was last brought up to date."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.min(ms.mirror_sets.c.synced_at))).scalar()
        return value if isinstance(value, datetime) else None

    def name(self, entity_set: str | None, ref: str | None) -> str | None:
        """A display name: counterparties from their table, users/employees/states from ``names``."""
        if not entity_set or not ref:
            return None
        if self._names is None:
            with self.engine.connect() as conn:
                names = {(r.entity_set, r.ref): r.name for r in conn.execute(sa.select(ms.names))}
                cps = self._meta.get("counterparty_set", "")
                names.update({(cps, r.ref): r.name for r in conn.execute(
                    sa.select(ms.counterparties.c.ref, ms.counterparties.c.name))})
            self._names = names
        return self._names.get((entity_set, ref))

    # -- counterparties ---------------------------------------------------------------------------
    def counterparties(self, *, buyers_only: bool = False, folders: bool = False,
                       include_deleted: bool = True) -> Iterator[Counterparty]:
        t = ms.counterparties
        stmt = sa.select(t).order_by(t.c.name, t.c.ref)
        if not folders:
            stmt = stmt.where(t.c.is_folder.is_(False))
        if buyers_only:
            stmt = stmt.where(t.c.buyer.is_(True))
        if not include_deleted:
            stmt = stmt.where(t.c.deleted.is_(False))
        yield from self._counterparties(stmt)

    def counterparty(self, ref: str) -> Counterparty | None:
        return next(self._counterparties(sa.select(ms.counterparties).where(ms.counterparties.c.ref == ref)), None)

    def _counterparties(self, stmt: Any) -> Iterator[Counterparty]:
        cps, users = self._meta.get("counterparty_set"), self._meta.get("users_set")
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        for r in rows:
            values = {c: r[c] for c in _CP_COLUMNS}
            yield Counterparty(**values, parent_name=self.name(cps, r["parent"]),
                               manager_name=self.name(users, r["manager"]))

    # -- events -----------------------------------------------------------------------------------
    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None) -> Iterator[Event]:
        """Events as :meth:`History.events` yields them: by client (header or participant), period, kind…"""
        f = f or EventFilter()
        t, p = ms.events, ms.event_participants
        conds: list[Any] = []
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
            as_participant = sa.select(p.c.event_ref).where(p.c.ref == f.counterparty)
            conds.append(sa.or_(t.c.counterparty == f.counterparty, t.c.ref.in_(as_participant)))
        order = (t.c.date.desc(), t.c.ref.desc()) if newest_first else (t.c.date, t.c.ref)
        stmt = sa.select(t).where(*conds).order_by(*order)
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
            parts: dict[str, list[Participant]] = {}
            refs = [r["ref"] for r in rows]
            for i in range(0, len(refs), 500):
                for pr in conn.execute(sa.select(p).where(p.c.event_ref.in_(refs[i:i + 500])).order_by(p.c.line)):
                    parts.setdefault(pr.event_ref, []).append(
                        Participant(line=pr.line, ref=pr.ref, entity_set=pr.entity_set, text=pr.text))
        users = self._meta.get("users_set")
        for r in rows:
            yield self._event(r, tuple(parts.get(r["ref"], ())), users)

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
            basis=basis, data_version=r["data_version"],
        )

    # -- documents and links ----------------------------------------------------------------------
    def documents(self, entity_set: str | None = None, *, since: datetime | None = None,
                  until: datetime | None = None) -> Iterator[Node]:
        """Documents of the linked sets (events included) as chain nodes, oldest first."""
        t = ms.documents
        conds: list[Any] = []
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
            rows = conn.execute(sa.select(t).order_by(t.c.parent_set, t.c.parent_ref, t.c.child_set,
                                                      t.c.child_ref, t.c.link)).all()
        for r in rows:
            yield DocKey(r.child_set, r.child_ref), r.link, DocKey(r.parent_set, r.parent_ref)

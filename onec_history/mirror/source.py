"""The reports' source over a mirror database: the same rows as from 1C, without a request to 1C.

A mirror is only read when the tables a report needs were completely synced by their last run:
otherwise :class:`MirrorSource` raises :class:`~onec_history.errors.IncompleteMirrorError` — a mirror
whose first run was killed after the counterparties holds no events, and would report every buyer
as inactive. ``allow_partial=True`` reads it anyway and says what is missing in :attr:`MirrorSource.gaps`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa

from ..errors import ConfigError, IncompleteMirrorError
from ..events.shape import clients_of
from ..history import EventFilter
from ..models import Direction, Event, EventState, is_guid, strip
from ..profiles import Family
from ..reports.sources import Bound, Buyer, Graph, ReportEvent
from ..users import Candidate, pick_user
from . import schema as ms
from .reader import ROLES, MirrorReader

__all__ = ["MirrorSource", "incomplete_error"]


class MirrorSource:
    """The same passes over a mirror database (``onec-history mirror --db URL``): no request to 1C.

    ``needs`` are the roles of the tables the caller reads (``counterparties``, ``events``,
    ``documents``, ``names``; every one when None — see :data:`onec_history.reports.sources.NEEDS`).
    When one of them is not completely synced the source refuses, unless ``allow_partial``: then
    :attr:`gaps` says what is wrong and :attr:`synced_at` when those tables were last complete.
    """

    def __init__(self, mirror: MirrorReader | str, *, needs: Iterable[str] | None = None,
                 allow_partial: bool = False, base: str | None = None) -> None:
        own = isinstance(mirror, str)  # a reader the caller passed stays the caller's to close
        if isinstance(mirror, str):
            mirror = MirrorReader(mirror, base=base)
        self.m = mirror
        self.needs = tuple(ROLES if needs is None else needs)
        self.state = state = mirror.sync_state()
        #: Why the needed tables cannot be trusted (empty for a complete mirror).
        self.gaps = state.gaps(self.needs)
        self.gap_tables = state.gap_tables(self.needs)
        #: When the needed tables were last completely synced (None: never, or unknown).
        self.synced_at = state.synced_at(self.needs)
        if self.gaps and not allow_partial:
            if own:
                mirror.close()
            raise incomplete_error(mirror.url, self.gaps, self.gap_tables)
        meta = mirror.meta()
        try:
            self.family = Family(meta["family"])
        except (KeyError, ValueError):
            raise ConfigError(f"The mirror does not say which configuration it copies ({meta.get('family')!r})",
                              hint="Re-create it with 'onec-history mirror --db URL --full'.") from None
        if self.family is Family.C:
            if own:
                mirror.close()
            raise ConfigError(
                "Reports from the mirror of a family-C base (УТ 11 / КА 2 / ERP) are not supported yet: the "
                "mirror keeps the interactions, but not yet what the reports need of them (the partners' "
                "flags and managers, the contact persons' partners, the due moments of planned interactions "
                "and the deals), so its figures would be wrong",
                hint="Run the report without --from-mirror: it reads 1C directly (a few requests per "
                     "interaction document). The mirror itself stays usable for your own SQL.")
        self.event_set, self.counterparty_set = meta["event_set"], meta["counterparty_set"]
        # The mirror keeps managers' names with the users (the reader names them from users_set).
        self.users_set = self.manager_set = meta["users_set"]

    def events(self, state: EventState, bounds: Sequence[Bound], *, newest_first: bool,
               fields: tuple[str, ...], responsible: str | None = None) -> Iterator[ReportEvent]:
        del fields  # every column is local
        evs = [self._event(e) for e in self.m.events(EventFilter(state=state, responsible=responsible,
                                                                 include_deleted=False), newest_first=False)]
        # 1C filters and orders on the start (the document date when there is none): done here in Python.
        evs = [e for e in evs if e.when is not None and all(_holds(op, e.when, v) for op, v in bounds)]
        evs.sort(key=lambda e: (e.when or datetime.min, e.ref), reverse=newest_first)
        return iter(evs)

    def incoming(self, since: datetime, until: datetime) -> dict[str, datetime | None]:
        f = EventFilter(since=since, until=until, direction=Direction.INCOMING, include_deleted=False)
        return {e.ref: e.start or e.date for e in self.m.events(f, newest_first=False)}

    def _event(self, e: Event) -> ReportEvent:
        header = (e.counterparty, e.counterparty_set, e.counterparty_text)
        clients, text = clients_of(header, ((p.ref, p.entity_set, p.text) for p in e.participants),
                                   self.counterparty_set)
        return ReportEvent(ref=e.ref, number=strip(e.number) if e.number is not None else None,
                           when=e.start or e.date, end=e.end, kind=strip(e.kind_raw) or None,
                           kind_code=e.kind.value if e.kind is not None else None,
                           subject=(e.subject or "").strip() or None, responsible=e.responsible,
                           clients=clients, text_client=text)

    def close(self) -> None:
        self.m.close()

    def __enter__(self) -> MirrorSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def buyers(self, manager: str | None) -> dict[str, Buyer]:
        rows = list(self.m.counterparties(include_deleted=False))
        if any(c.buyer is not None for c in rows):  # a configuration without the flag counts everyone
            rows = [c for c in rows if c.buyer]
        return {c.ref: ((c.name or "").strip(), strip(c.inn) or None, c.manager)
                for c in rows if not manager or c.manager == manager}

    def prefetch(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        del pairs  # every name is local

    def name(self, entity_set: str, ref: str | None) -> str | None:
        return self.m.name(entity_set, ref)

    def graph(self, since: datetime, until: datetime) -> Graph:
        dates = {n.key: n.date for n in self.m.documents(since=since, until=until)}
        # As 1C's bulk scan: a link counts when its child is a document of the period.
        edges = list(dict.fromkeys((parent, child) for child, _, parent in self.m.links() if child in dates))
        return dates, edges

    def find_user(self, spec: str) -> str:
        """A user's reference from a reference or a name prefix, among the names the mirror holds."""
        spec = spec.strip()
        if is_guid(spec):
            return spec
        users, t = self.users_set, ms.names
        with self.m.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.ref, t.c.name).where(t.c.entity_set == users)).all()
        candidates = [Candidate(r.ref, r.name.strip()) for r in rows
                      if r.name.strip().casefold().startswith(spec.casefold())]
        return pick_user(spec, candidates, users, where=" in the mirror").required()


def incomplete_error(url: str, gaps: Sequence[str], tables: Sequence[str]) -> IncompleteMirrorError:
    """One paragraph: which tables, since when, and the two ways on."""
    return IncompleteMirrorError(
        f"The mirror {url} is incomplete, so a report from it would be wrong: " + "; ".join(gaps),
        tables=tables,
        hint=f"Run `onec-history mirror --db {url}` again to complete it (it continues where the last run "
             "stopped and updates an older mirror in place), or pass --allow-partial to report on what it "
             "holds, with a warning.")


def _holds(op: str, value: datetime, bound: datetime) -> bool:
    return value >= bound if op == "ge" else value <= bound if op == "le" else value < bound

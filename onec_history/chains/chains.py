"""The chains front door: one object per base that knows its links, walks chains, builds histories.

>>> chains = Chains(history)                                   # doctest: +SKIP
>>> chain = chains.walk(chains.resolve("Событие", "00000000270"))  # doctest: +SKIP
>>> print(to_tree(chain))                                      # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import family_c
from ..documents import DocAddress, Documents
from ..errors import NotPublishedError
from ..history import History
from ..profiles import Profile, ProfileError
from .deals import bridge_deals
from .graph import LinkGraph, scan_links
from .links import LinkTable, discover_links
from .model import Chain, DocKey
from .timeline import Timeline, build_timeline
from .walk import DEFAULT_DEPTH, ChainWalker

__all__ = ["Chains"]


class Chains:
    """Chains and client histories of the base behind ``history`` (its client, profile and names)."""

    def __init__(self, history: History, *, link_overrides: Any = None, jobs: int = 4) -> None:
        self.history = history
        self.client = history.client
        self.link_overrides = link_overrides
        self.jobs = jobs
        self._links: LinkTable | None = None

    @property
    def profile(self) -> Profile | None:
        """The base's profile, or None where there is none (family C): chains then use $metadata alone."""
        try:
            return self.history.profile
        except (ProfileError, NotPublishedError):
            return None

    @property
    def links(self) -> LinkTable:
        if self._links is None:
            profile = self.profile
            family = profile.family if profile is not None else None
            self._links = discover_links(self.client.metadata(), family, self.link_overrides)
        return self._links

    def walker(self) -> ChainWalker:
        return ChainWalker(self.client, self.links, self.profile, jobs=self.jobs)

    # -- naming documents --------------------------------------------------------------------------
    def document_set(self, type_name: str) -> str:
        """``Событие``, ``Document_Событие``, ``Заказ покупателя`` or any case of them → the published set."""
        return Documents(self.client).document_set(type_name)

    def resolve(self, doc: str, number: str | None = None, *, type_name: str | None = None,
                year: int | None = None) -> DocKey:
        """A document from any address :mod:`onec_history.documents` reads; a bare reference without
        a type is looked for in the event set and the linked document sets."""
        sets = (tuple(self.profile.event_sets()) if self.profile else ()) + self.links.document_sets()
        address = DocAddress.parse(doc, number, type_name=type_name)
        if address.key is not None and address.key.entity_set == family_c.DEALS and self._deals_bridge():
            return address.key  # family C: a deal, as a history shows it, is where its chain meets
        return Documents(self.client).resolve(address, year=year, search_sets=sets)

    def _deals_bridge(self) -> bool:
        profile = self.profile
        return profile is not None and bool(profile.documents) and family_c.DEALS in self.client.metadata()

    # -- chains and histories ----------------------------------------------------------------------
    def walk(self, start: DocKey, *, direction: str = "both", depth: int = DEFAULT_DEPTH,
             names: bool = True) -> Chain:
        walker = self.walker()
        chain = walker.walk(start, direction=direction, depth=depth)
        profile = self.profile
        if profile is not None and profile.documents:  # family C: deals join interactions and sales
            from_deal = [start.ref] if start.entity_set == family_c.DEALS else []
            bridge_deals(walker, chain, profile, depth=depth, follow=direction == "both" or bool(from_deal),
                         deals=from_deal)
            chain.warnings = list(walker.reader.warnings)
        chain.warnings = [*self.links.warnings, *chain.warnings]
        if names:
            walker.reader.resolve_names(chain.nodes.values(), self.history.names)
        return chain

    def timeline(self, counterparty: str, *, since: datetime | None = None, until: datetime | None = None,
                 strategy: str = "auto", depth: int = DEFAULT_DEPTH, names: bool = True) -> Timeline:
        walker = self.walker()
        profile = self.history.profile
        targets, partner, deals = None, None, []
        if profile.documents:  # family C: the interactions of the partner and its contact persons
            partners = self.history.base.partners
            partner = partners.partner_of(counterparty)
            targets = partners.partner_targets(partner) if partner else []
            deals = partners.deals_of(partner) if partner else []
        result = build_timeline(walker, profile, counterparty, since=since, until=until,
                                strategy=strategy, depth=depth, targets=targets, partner=partner, deals=deals)
        if partner is None and profile.documents:
            result.chain.warnings.extend(self.history.base.partners.warnings)
        result.chain.warnings = [*self.links.warnings, *result.chain.warnings]
        if names:
            walker.reader.resolve_names(result.chain.nodes.values(), self.history.names)
        return result

    def graph(self, *, since: datetime | None = None, until: datetime | None = None) -> LinkGraph:
        """Every link of the period in one pass per set (for funnels and reports)."""
        return scan_links(self.client, self.links, since=since, until=until, jobs=self.jobs)

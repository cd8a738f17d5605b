"""The chains front door: one object per base that knows its links, walks chains, builds histories.

>>> chains = Chains(history)                                   # doctest: +SKIP
>>> chain = chains.walk(chains.resolve("Событие", "00000000270"))  # doctest: +SKIP
>>> print(to_tree(chain))                                      # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import NoMatchError, NotPublishedError, QueryError
from ..history import History
from ..metadata import SetKind
from ..models import is_guid
from ..profiles import Profile, ProfileError
from .graph import LinkGraph, scan_links
from .links import LinkTable, discover_links
from .model import Chain, DocKey
from .timeline import Timeline, build_timeline
from .walk import DEFAULT_DEPTH, ChainWalker

__all__ = ["Chains", "profile_without_links"]


def profile_without_links(profile_settings: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """Split the config's ``[profile]`` table into the profile proper and its ``links`` entry."""
    rest = {k: v for k, v in profile_settings.items() if k != "links"}
    return rest, profile_settings.get("links")


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
        """``Событие``, ``Document_Событие`` or a case-insensitive match → the published set name."""
        md = self.client.metadata()
        name = type_name.strip()
        for candidate in (name, f"Document_{name}"):
            if candidate in md and md.get(candidate).kind is SetKind.DOCUMENT:
                return candidate
        folded = {s.casefold(): s for s, es in md.sets.items() if es.kind is SetKind.DOCUMENT}
        for candidate in (name, f"Document_{name}"):
            if candidate.casefold() in folded:
                return folded[candidate.casefold()]
        raise NoMatchError(f"No published document type {type_name!r}",
                           hint="Name a document set such as Document_ЗаказПокупателя ('onec-history metadata').")

    def resolve(self, doc: str, number: str | None = None, *, type_name: str | None = None,
                year: int | None = None) -> DocKey:
        """A document from ``Document_X(guid'…')``, a bare GUID (with ``type_name``), or a type and number."""
        key = DocKey.parse(doc)
        if key is not None:
            return DocKey(self.document_set(key.entity_set), key.ref)
        if number is not None:
            return self.walker().find_by_number(self.document_set(doc), number, year=year)
        if is_guid(doc.strip()):
            if type_name:
                return DocKey(self.document_set(type_name), str(uuid.UUID(doc)))
            return self._find_anywhere(str(uuid.UUID(doc)))
        if type_name:
            return self.walker().find_by_number(self.document_set(type_name), doc, year=year)
        raise QueryError(f"{doc!r} is not a document",
                         hint="Give Document_X(guid'…'), a reference with --type X, or a type and a number "
                              "(Событие 00000000123).")

    def _find_anywhere(self, ref: str) -> DocKey:
        """A bare reference without a type: try the linked document sets (a request each)."""
        md = self.client.metadata()
        profile = self.profile
        for entity_set in ((profile.event_set,) if profile else ()) + self.links.document_sets():
            if entity_set in md and self.client.find(entity_set, ref, select=("Ref_Key",)) is not None:
                return DocKey(entity_set, ref)
        raise NoMatchError(f"No linked document has the reference {ref}",
                           hint="Give its type with --type.")

    # -- chains and histories ----------------------------------------------------------------------
    def walk(self, start: DocKey, *, direction: str = "both", depth: int = DEFAULT_DEPTH,
             names: bool = True) -> Chain:
        walker = self.walker()
        chain = walker.walk(start, direction=direction, depth=depth)
        chain.warnings = [*self.links.warnings, *chain.warnings]
        if names:
            walker.reader.resolve_names(chain.nodes.values(), self.history.names)
        return chain

    def timeline(self, counterparty: str, *, since: datetime | None = None, until: datetime | None = None,
                 strategy: str = "auto", depth: int = DEFAULT_DEPTH, names: bool = True) -> Timeline:
        walker = self.walker()
        result = build_timeline(walker, self.history.profile, counterparty, since=since, until=until,
                                strategy=strategy, depth=depth)
        result.chain.warnings = [*self.links.warnings, *result.chain.warnings]
        if names:
            walker.reader.resolve_names(result.chain.nodes.values(), self.history.names)
        return result

    def graph(self, *, since: datetime | None = None, until: datetime | None = None) -> LinkGraph:
        """Every link of the period in one pass per set (for funnels and reports)."""
        return scan_links(self.client, self.links, since=since, until=until, jobs=self.jobs)

"""One 1C base: its client, its profile (detected once), display names, the state catalogue, the
row mappers, and the one identity key every per-base store on disk is filed under.

>>> base = Base.open(Client(Transport(url)))     # doctest: +SKIP
>>> base.profile.family, base.key                 # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import query as q
from .client import Client
from .counterparties.partners import Partners
from .mapping import CounterpartyMapper, EventMapper
from .metadata_cache import CapabilityMemory
from .models import EventState
from .names import NameResolver
from .profiles import Profile, detect_profile
from .users import UserResolver

__all__ = ["Base"]

log = logging.getLogger("onec_history.base")


class Base:
    """A 1C base as the domain modules see it. Build it with :meth:`open` (detects the profile)."""

    def __init__(self, client: Client, profile: Profile, *, key: str | None = None) -> None:
        self.client = client
        self.profile = profile
        self.key = key or client.key
        self.names = NameResolver(client)
        self.users = UserResolver(client, profile.users_set)
        self._state_lookup: dict[str, tuple[str, EventState]] | None = None
        self._partners: Partners | None = None
        cache = client.metadata_cache
        self.memory = CapabilityMemory(self.key, cache.directory if cache is not None else None)
        # The profile knows string lengths that 1C's $metadata does not publish; settings win.
        client.add_lengths(profile.lengths)

    @classmethod
    def open(cls, client: Client, profile_overrides: Mapping[str, Any] | None = None, *,
             key: str | None = None) -> Base:
        """Read the base's ``$metadata`` (or its cache) and detect the configuration family."""
        return cls(client, detect_profile(client.metadata(), dict(profile_overrides or {})), key=key)

    @property
    def partners(self) -> Partners:
        """Family C: counterparty → partner → contact persons, read in bulk and kept for the run."""
        if self._partners is None:
            self._partners = Partners(self.client, self.profile, self.names)
        return self._partners

    # -- mappers and the state catalogue ---------------------------------------------------------
    def event_mapper(self) -> EventMapper:
        return EventMapper(self.profile, state_lookup=self.state_lookup())

    def counterparty_mapper(self) -> CounterpartyMapper:
        return CounterpartyMapper(self.profile)

    def state_lookup(self) -> dict[str, tuple[str, EventState]]:
        """Family B: the Состояние catalog, read once (it is small), by ref → (name, state)."""
        if self._state_lookup is not None:
            return self._state_lookup
        lookup: dict[str, tuple[str, EventState]] = {}
        catalog = self.profile.state_catalog
        if catalog and catalog in self.client.metadata():
            by_name = {v: k for k, v in self.profile.states.items()}
            es = self.client.entity_set(catalog)
            select = tuple(p for p in ("Ref_Key", "Description", "PredefinedDataName") if p in es.properties)
            for row in self.client.iterate(catalog, q.Query(select=select)):
                name = str(row.get("Description") or "").strip()
                predefined = str(row.get("PredefinedDataName") or "")
                state = by_name.get(predefined) or by_name.get(name) or EventState.OTHER
                lookup[str(row["Ref_Key"])] = (name, state)
                self.names.remember(catalog, str(row["Ref_Key"]), name)
        self._state_lookup = lookup
        return lookup

    # -- what the base was found to support, remembered on disk under the key ---------------------
    def remembered_search(self) -> str | None:
        """The prefix-search function that worked on this base before (startswith, like, substringof)."""
        fn = self.memory.get("prefix_search")
        return fn if isinstance(fn, str) else None

    def remember_search(self, fn: str) -> None:
        self.memory.remember("prefix_search", fn)

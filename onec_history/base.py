"""One 1C base: its client, its profile (detected once), display names, the state catalogue, the
row mappers, and the one identity key every per-base store on disk is filed under.

>>> base = Base.open(Client(Transport(url)))     # doctest: +SKIP
>>> base.profile.family, base.key                 # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import query as q
from .client import Client
from .mapping import CounterpartyMapper, EventMapper
from .metadata import default_cache_dir
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
        self._search_fn: str | None = None
        # The profile knows string lengths that 1C's $metadata does not publish; settings win.
        client.add_lengths(profile.lengths)

    @classmethod
    def open(cls, client: Client, profile_overrides: Mapping[str, Any] | None = None, *,
             key: str | None = None) -> Base:
        """Read the base's ``$metadata`` (or its cache) and detect the configuration family."""
        return cls(client, detect_profile(client.metadata(), dict(profile_overrides or {})), key=key)

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
    def _capabilities_path(self) -> Path:
        return default_cache_dir() / f"capabilities-{uuid.uuid5(uuid.NAMESPACE_URL, self.key).hex}.json"

    def remembered_search(self) -> str | None:
        """The prefix-search function that worked on this base before (startswith, like, substringof)."""
        if self._search_fn is None:
            try:
                data = json.loads(self._capabilities_path().read_text(encoding="utf-8"))
                self._search_fn = data.get("prefix_search")
            except (OSError, ValueError):
                return None
        return self._search_fn

    def remember_search(self, fn: str) -> None:
        self._search_fn = fn
        path = self._capabilities_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"prefix_search": fn}), encoding="utf-8")
        except OSError as exc:  # remembering is an optimisation; never fail a search over it
            log.debug("cannot remember the search function: %s", exc)

"""Display names of references, resolved in bulk with a cache — never one request per row."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable

from .client import Client
from .errors import NotPublishedError, ODataError

__all__ = ["NameResolver"]

log = logging.getLogger("onec_history.names")


class NameResolver:
    """Maps (entity set, ref) to a name; ``prefetch`` fetches every unknown ref in a few requests."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._names: dict[tuple[str, str], str] = {}
        self._fields: dict[str, str] = {}
        self.unavailable: set[str] = set()

    def _name_field(self, entity_set: str) -> str | None:
        if entity_set in self._fields:
            return self._fields[entity_set]
        es = self.client.entity_set(entity_set)
        for candidate in ("Description", "Number", "Code"):
            if candidate in es.properties:
                self._fields[entity_set] = candidate
                return candidate
        return None

    def prefetch(self, refs: Iterable[tuple[str | None, str | None]]) -> None:
        """Fetch names for (set, ref) pairs not yet known; split so URLs stay short."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for entity_set, ref in refs:
            if entity_set and ref and (entity_set, ref) not in self._names and entity_set not in self.unavailable:
                wanted[entity_set].add(ref)
        for entity_set, keys in wanted.items():
            try:
                name_field = self._name_field(entity_set)
            except NotPublishedError:
                log.warning("%s is not published: showing references instead of names", entity_set)
                self.unavailable.add(entity_set)
                continue
            if name_field is None:
                continue
            try:
                for page in self.client.iter_by(entity_set, "Ref_Key", [uuid.UUID(k) for k in sorted(keys)],
                                                select=("Ref_Key", name_field)):
                    for row in page:
                        self._names[(entity_set, str(row["Ref_Key"]))] = str(row.get(name_field) or "").strip()
            except ODataError as exc:
                log.warning("cannot read names from %s: %s", entity_set, exc.message)
                self.unavailable.add(entity_set)
            for k in keys:
                self._names.setdefault((entity_set, k), "")

    def name(self, entity_set: str | None, ref: str | None) -> str | None:
        if not entity_set or not ref:
            return None
        if (entity_set, ref) not in self._names:
            self.prefetch([(entity_set, ref)])
        return self._names.get((entity_set, ref)) or None

    def remember(self, entity_set: str, ref: str, name: str) -> None:
        self._names[(entity_set, ref)] = name

"""What onec-history keeps on disk per base: its parsed ``$metadata`` and what it learnt about it.

Both live in the cache directory (``$XDG_CACHE_HOME/onec-history/metadata``, ``%LOCALAPPDATA%``
on Windows, or ``cache_dir`` from the settings) under the base's one identity key
(:func:`onec_history.transport.base_key`: the URL without secrets, and the user — publications
and rights differ by user). Writes are atomic; an unreadable or unwritable file is a warning and
a fresh fetch, never a failed command.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .metadata import (
    Composite,
    EntitySet,
    Metadata,
    Property,
    Reference,
    SetKind,
    TabularSection,
    parse_metadata,
)
from .paths import cache_dir

__all__ = ["CapabilityMemory", "MetadataCache", "default_cache_dir", "dump_metadata", "load_metadata"]

_JSON_FORMAT = 2

log = logging.getLogger(__name__)

def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/onec-history/metadata`` (``~/.cache/…``); the platform's cache folder
    elsewhere (paths.py). A cache is only a cache: an earlier version's place is not looked at."""
    return cache_dir() / "metadata"


class MetadataCache:
    """Parsed ``$metadata`` per base (and user: publications differ by rights) as JSON files."""

    def __init__(self, directory: Path | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory if directory is not None else default_cache_dir()
        self._clock = clock

    def path_for(self, base_url: str, *, user: str = "") -> Path:
        key = hashlib.sha256(f"{base_url.rstrip('/')}\n{user}".encode()).hexdigest()
        return self.directory / f"{key}.json"

    def load(
        self,
        base_url: str,
        fetch: Callable[[], bytes],
        *,
        ttl: float = 86400.0,
        refresh: bool = False,
        user: str = "",
    ) -> Metadata:
        """The cached model when younger than ``ttl`` seconds, else ``fetch()`` parsed and stored."""
        path = self.path_for(base_url, user=user)
        if not refresh:
            cached = self._read(path, ttl)
            if cached is not None:
                return cached
        metadata = parse_metadata(fetch())
        self._write(path, metadata)
        return metadata

    def invalidate(self, base_url: str, *, user: str = "") -> None:
        self.path_for(base_url, user=user).unlink(missing_ok=True)

    def _read(self, path: Path, ttl: float) -> Metadata | None:
        try:
            obj = json.loads(path.read_bytes())
            age = self._clock() - float(obj["saved_at"])
            if not 0 <= age <= ttl:
                return None
            return _metadata_from_obj(obj["metadata"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            log.warning("ignoring unreadable metadata cache %s: %r", path, exc)
            return None

    def _write(self, path: Path, metadata: Metadata) -> None:
        document = {"saved_at": self._clock(), "metadata": _metadata_to_obj(metadata)}
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            # Readers see the old file or the new one, never half of one.
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            # A read-only or full disk must not stop the command: the next run fetches again.
            log.warning("could not write metadata cache %s: %r", path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


class CapabilityMemory:
    """Small facts learnt about one base (which prefix-search function its platform accepts),
    remembered between runs under the base's key. Remembering is an optimisation: a file that
    cannot be read or written is ignored."""

    def __init__(self, key: str, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / f"capabilities-{uuid.uuid5(uuid.NAMESPACE_URL, key).hex}.json"
        self._facts: dict[str, Any] | None = None

    def get(self, name: str) -> Any:
        if self._facts is None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self._facts = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._facts = {}
        return self._facts.get(name)

    def remember(self, name: str, value: Any) -> None:
        self.get(name)
        assert self._facts is not None
        self._facts[name] = value
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self._facts), encoding="utf-8")
        except OSError as exc:
            log.debug("cannot remember %s: %s", name, exc)


# -- the JSON document ----------------------------------------------------------------------------


def dump_metadata(metadata: Metadata) -> bytes:
    """The parsed model as a compact JSON document (what the cache stores under ``metadata``)."""
    return json.dumps(_metadata_to_obj(metadata), ensure_ascii=False, separators=(",", ":")).encode()


def load_metadata(data: bytes) -> Metadata:
    """Inverse of :func:`dump_metadata`; ValueError when ``data`` is not such a document."""
    try:
        return _metadata_from_obj(json.loads(data))
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"not a onec-history metadata document: {exc!r}") from exc


def _shape_to_obj(shape: EntitySet | TabularSection, table: dict[Property, int]) -> dict[str, Any]:
    # Properties go by index into one table: the same property repeats across thousands of sets.
    return {
        "properties": [table.setdefault(p, len(table)) for p in shape.properties.values()],
        "composites": [[c.name, c.type_property] for c in shape.composites.values()],
        "references": [[r.name, r.key_property, r.target_set] for r in shape.references.values()],
    }


def _shape_from_obj(obj: Mapping[str, Any], table: list[Property]) -> dict[str, Any]:
    props = [table[i] for i in obj["properties"]]
    return {
        "properties": MappingProxyType({p.name: p for p in props}),
        "composites": MappingProxyType({c[0]: Composite(c[0], c[1]) for c in obj["composites"]}),
        "references": MappingProxyType({r[0]: Reference(r[0], r[1], r[2]) for r in obj["references"]}),
    }


def _metadata_to_obj(metadata: Metadata) -> dict[str, Any]:
    table: dict[Property, int] = {}
    sets = []
    for es in metadata.sets.values():
        sections = [
            {"name": ts.name, "set_name": ts.set_name, **_shape_to_obj(ts, table)}
            for ts in es.tabular_sections.values()
        ]
        sets.append(
            {
                "name": es.name,
                "kind": es.kind.value,
                "object_name": es.object_name,
                "type_name": es.type_name,
                "key": list(es.key),
                **_shape_to_obj(es, table),
                "tabular_sections": sections,
                "actions": list(es.actions),
                "owner": es.owner,
            }
        )
    return {
        "format": _JSON_FORMAT,
        "namespace": metadata.namespace,
        "container": metadata.container,
        "enums": {name: list(members) for name, members in metadata.enums.items()},
        "property_table": [[p.name, p.edm_type, p.nullable] for p in table],
        "sets": sets,
    }


def _metadata_from_obj(obj: Mapping[str, Any]) -> Metadata:
    if obj.get("format") != _JSON_FORMAT:
        raise ValueError(f"unsupported metadata format {obj.get('format')!r}")
    table = [Property(name, edm_type, bool(nullable)) for name, edm_type, nullable in obj["property_table"]]
    sets: dict[str, EntitySet] = {}
    for item in obj["sets"]:
        sections = {
            ts["name"]: TabularSection(name=ts["name"], set_name=ts["set_name"], **_shape_from_obj(ts, table))
            for ts in item["tabular_sections"]
        }
        sets[item["name"]] = EntitySet(
            name=item["name"],
            kind=SetKind(item["kind"]),
            object_name=item["object_name"],
            type_name=item["type_name"],
            key=tuple(item["key"]),
            **_shape_from_obj(item, table),
            tabular_sections=MappingProxyType(sections),
            actions=tuple(item["actions"]),
            owner=item["owner"],
        )
    enums = {name: tuple(members) for name, members in obj["enums"].items()}
    return Metadata(
        namespace=obj["namespace"],
        container=obj["container"],
        sets=MappingProxyType(sets),
        enums=MappingProxyType(enums),
    )

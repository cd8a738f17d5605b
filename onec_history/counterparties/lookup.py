"""Finding the counterparties a file's rows mean, and the folders they go into.

Matching reads only what it needs: the rows' key values in ``or``-groups that fit the URL
budget (1C has no ``in``, odata-1c.md §2), or — for ``--mark-missing``, which must see every
counterparty anyway — one paged pass over the catalog. Either way only the columns the import
compares are selected, with ``DataVersion`` for the conflict check.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import query as q
from ..client import Client
from ..errors import ValidationError
from ..models import parse_ref
from ..profiles import Profile
from .plan import FolderPlan, ImportPlan, normalise
from .rows import CpSchema, FieldSpec, ParsedRow

__all__ = ["FolderTree", "Lookup", "MatchSpec", "parse_match"]

_SYSTEM = ("Ref_Key", "DataVersion", "IsFolder", "DeletionMark", "Predefined", "Parent_Key")
FOLDER_NAMESPACE = uuid.UUID("0c7d1f0e-3f7a-5b8e-a1d2-6a8f4e2b9c31")


@dataclass(frozen=True)
class MatchSpec:
    """How rows are matched: the fields whose values form the key, and their OData properties."""

    mode: str  # inn-kpp | code | column
    fields: tuple[FieldSpec, ...]

    @property
    def props(self) -> tuple[str, ...]:
        return tuple(f.prop or "Ref_Key" for f in self.fields)


def parse_match(text: str, schema: CpSchema, columns: Mapping[str, FieldSpec]) -> MatchSpec:
    """``inn-kpp``, ``code`` or ``column:NAME``; the file must have the columns the mode needs."""
    present = {spec.name for spec in columns.values()}
    if text == "inn-kpp":
        fields = tuple(schema.by_logical[n] for n in ("inn", "kpp") if n in schema.by_logical)
        if "inn" not in present:
            raise ValidationError("--match inn-kpp needs an 'inn' column in the file", field="inn")
        return MatchSpec("inn-kpp", fields)
    if text == "code":
        if "code" not in schema.by_logical or "code" not in present:
            raise ValidationError("--match code needs a 'code' column (and codes in the catalog)", field="code")
        return MatchSpec("code", (schema.by_logical["code"],))
    if text.startswith("column:"):
        name = text.partition(":")[2].strip()
        spec = schema.resolve(name)
        if spec is None or spec.name not in present:
            raise ValidationError(f"--match column:{name}: the file has no column {name!r} that maps to a "
                                  f"property of {schema.es.name}", field=name)
        if spec.name in ("external_id", "group"):
            raise ValidationError(f"--match column:{name}: {spec.name} is not stored in 1C; match by 'ref', "
                                  "a logical field or a property", field=name)
        return MatchSpec("column", (spec,))
    raise ValidationError(f"--match {text!r}: expected inn-kpp, code or column:NAME", field="match")


class Lookup:
    """Existing counterparties indexed by match key, read once per plan."""

    def __init__(self, client: Client, profile: Profile, schema: CpSchema, match: MatchSpec,
                 columns: Mapping[str, FieldSpec]) -> None:
        self.client = client
        self.profile = profile
        self.schema = schema
        self.match = match
        self.entity_set = profile.counterparty_set
        props = schema.es.properties
        wanted = [*_SYSTEM, schema.name_prop, *match.props, *(s.prop for s in columns.values() if s.prop)]
        self.select = tuple(dict.fromkeys(p for p in wanted if p in props))
        self._index: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._rows: dict[str, dict[str, Any]] = {}

    # -- keys -------------------------------------------------------------------------------------
    def keys(self, rows: list[ParsedRow]) -> dict[int, tuple[str, ...]]:
        """Each good row's key; a row without one, or repeating an earlier row's, gets an error."""
        out: dict[int, tuple[str, ...]] = {}
        first: dict[tuple[str, ...], int] = {}
        for row in rows:
            if not row.ok:
                continue
            values = [row.values.get(f.name) for f in self.match.fields]
            if values[0] is None:
                row.errors.append(f"no {self.match.fields[0].name} to match on (--match {self._mode_text()})")
                continue
            key = tuple(self._norm(f, v) for f, v in zip(self.match.fields, values, strict=True))
            if key in first:
                row.errors.append(f"the same {self.key_text(key)} as line {first[key]}")
                continue
            first[key] = row.line
            out[row.line] = key
        return out

    def _mode_text(self) -> str:
        return self.match.mode if self.match.mode != "column" else f"column:{self.match.fields[0].name}"

    @staticmethod
    def _norm(spec: FieldSpec, value: Any) -> str:
        n = normalise("Edm.Guid" if spec.name == "ref" else spec.edm_type, value)
        return "" if n is None else str(n).strip()

    def key_text(self, key: tuple[str, ...]) -> str:
        return " ".join(f"{f.name}={v}" for f, v in zip(self.match.fields, key, strict=True) if v)

    def _key_of(self, row: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(self._norm(f, row.get(p)) for f, p in zip(self.match.fields, self.match.props, strict=True))

    # -- reading ----------------------------------------------------------------------------------
    def load(self, keys: Iterable[tuple[str, ...]], *, full: bool) -> None:
        """Read the counterparties the keys may mean (by the first key part), or all of them."""
        if full:
            self._add(self.client.iterate(self.entity_set, q.Query(select=self.select)))
            return
        first = self.match.fields[0]
        prop = self.match.props[0]
        values = sorted({k[0] for k in keys})
        terms = [q.eq(prop, uuid.UUID(v) if first.edm_type == "Edm.Guid" or first.name == "ref" else v)
                 for v in values]
        self._add_terms(terms)

    def by_refs(self, refs: list[str]) -> dict[str, dict[str, Any]]:
        """Counterparties by reference (rows created by an earlier run whose key was since edited)."""
        missing = [r for r in refs if r not in self._rows]
        if missing:
            self._add_terms([q.eq("Ref_Key", uuid.UUID(r)) for r in missing])
        return {r: self._rows[r] for r in refs if r in self._rows and not self._rows[r].get("IsFolder")}

    def _add_terms(self, terms: list[q.Filter]) -> None:
        if not terms:
            return
        for page in self.client.iter_any(self.entity_set, terms, q.Query(select=self.select)):
            self._add(page)

    def _add(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            ref = str(row["Ref_Key"])
            if ref in self._rows:
                continue
            self._rows[ref] = row
            if not row.get("IsFolder"):
                self._index.setdefault(self._key_of(row), []).append(row)

    def all_items(self) -> list[dict[str, Any]]:
        return [r for r in self._rows.values() if not r.get("IsFolder")]

    # -- matching ---------------------------------------------------------------------------------
    def candidates(self, key: tuple[str, ...]) -> list[dict[str, Any]]:
        found = self._index.get(key, [])
        if not found and self.match.mode == "inn-kpp" and len(key) == 2 and not key[1]:
            # No КПП in the file: any КПП will do, as long as only one counterparty has this ИНН.
            found = [r for k, rows in self._index.items() if k[0] == key[0] for r in rows]
        return found

    def one(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        """The counterparty ``key`` means; several → a ValidationError naming them."""
        found = self.candidates(key)
        if len(found) > 1:
            live = [r for r in found if not r.get("DeletionMark")]
            found = live if live else found
        if len(found) > 1:
            names = ", ".join(f"{str(r.get(self.schema.name_prop) or '').strip()} ({r['Ref_Key']})" for r in found[:5])
            raise ValidationError(f"{self.key_text(key)} matches {len(found)} counterparties: {names}; "
                                  "give the КПП or match by code or reference")
        return found[0] if found else None

    # -- folders ----------------------------------------------------------------------------------
    def folder_tree(self, *, needed: bool) -> FolderTree:
        if not needed:
            return FolderTree({})
        rows = self.client.iterate(self.entity_set, q.Query(
            filter=q.eq("IsFolder", True), select=("Ref_Key", "Parent_Key", self.schema.name_prop)))
        return FolderTree({str(r["Ref_Key"]): (parse_ref(r.get("Parent_Key")),
                                                str(r.get(self.schema.name_prop) or "").strip()) for r in rows})


class FolderTree:
    """The catalog's folders: names → references, paths resolved and planned for creation."""

    def __init__(self, folders: dict[str, tuple[str | None, str]]) -> None:
        self.folders = folders  # ref → (parent ref, name)
        self._children: dict[tuple[str | None, str], str] = {}
        for ref, (parent, name) in folders.items():
            self._children.setdefault((parent, name.casefold()), ref)
        self._planned: dict[tuple[str, ...], FolderPlan] = {}

    def resolve(self, path: str, *, create: bool, plan: ImportPlan) -> str:
        """The reference of folder ``path`` ('A/B/C'); missing parts are planned when ``create``."""
        parts = tuple(p.strip() for p in path.replace("\\", "/").split("/") if p.strip())
        if not parts:
            raise ValidationError(f"group {path!r} is empty")
        if len(parts) == 1 and (None, parts[0].casefold()) not in self._children:
            anywhere = [ref for ref, (_, name) in self.folders.items() if name.casefold() == parts[0].casefold()]
            if len(anywhere) == 1:
                return anywhere[0]
            if len(anywhere) > 1:
                raise ValidationError(f"{len(anywhere)} folders are named {parts[0]!r}; give the path "
                                      "from the top, e.g. 'Покупатели/Москва'")
        parent: str | None = None
        for depth, name in enumerate(parts, start=1):
            ref = self._children.get((parent, name.casefold()))
            if ref is None:
                planned = self._planned.get(parts[:depth])
                if planned is None:
                    if not create:
                        raise ValidationError(f"no folder {'/'.join(parts[:depth])!r} in the catalog; "
                                              "pass --create-folders to create it")
                    ref = str(uuid.uuid5(FOLDER_NAMESPACE, "/".join(p.casefold() for p in parts[:depth])))
                    planned = FolderPlan(parts[:depth], ref, parent)
                    self._planned[parts[:depth]] = planned
                    plan.folders.append(planned)
                ref = planned.ref
            parent = ref
        assert parent is not None
        return parent

    def subtree(self, group: str) -> set[str]:
        """``group`` (a name or a path) and every folder below it."""
        roots = [ref for ref, (_, name) in self.folders.items() if name.casefold() == group.strip().casefold()]
        if not roots:
            tail = group.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip().casefold()
            roots = [ref for ref, (_, name) in self.folders.items() if name.casefold() == tail]
        out: set[str] = set()
        stack = list(roots)
        while stack:
            ref = stack.pop()
            if ref in out:
                continue
            out.add(ref)
            stack.extend(r for r, (parent, _) in self.folders.items() if parent == ref)
        return out

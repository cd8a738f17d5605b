"""Responsible people (the base's users or employees catalogue): a reference from what a person types.

One rule everywhere — the CLI's ``--responsible``/``--manager``, the batch create, the
counterparty import and the mirror's reports: a reference is taken as it is (the batch paths
check that it exists), otherwise an exact name (case-insensitive) wins over a name prefix,
groups and items marked for deletion never match, and more than one candidate is an error that
lists them. Many specs cost a few requests: exact names and references in bulk (or-filters
under the URL budget), only the names that match nothing exactly are searched by prefix.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import query as q
from .client import Client
from .errors import AmbiguousError, NoMatchError, NotPublishedError, ODataError
from .models import is_guid

__all__ = ["Candidate", "Found", "UserResolver", "pick_user"]


@dataclass(frozen=True)
class Found:
    """What a spec resolved to: a reference, or why not (``choices`` name the candidates when
    several match)."""

    ref: str | None
    error: str | None = None
    name: str | None = None
    ambiguous: bool = False  # ``error`` is "several match", not "none does"
    choices: tuple[str, ...] = ()

    def required(self) -> str:
        """The reference, or the error raised as :class:`NoMatchError`/:class:`AmbiguousError`."""
        if self.ref is not None:
            return self.ref
        if self.ambiguous:
            raise AmbiguousError(self.error or "", candidates=list(self.choices), choices=list(self.choices),
                                 hint="Give the full name or the reference.")
        raise NoMatchError(self.error or "", hint="Give the name as 1C shows it, or the reference.")


@dataclass(frozen=True)
class Candidate:
    ref: str
    name: str
    deleted: bool = False
    folder: bool = False


def pick_user(spec: str, candidates: Sequence[Candidate], users_set: str, *, where: str = "") -> Found:
    """The one live entry ``spec`` names among ``candidates`` (exact names first), or why not."""
    exact = [c for c in candidates if c.name.casefold() == spec.casefold()]
    items = [c for c in exact or candidates if not c.folder]
    live = [c for c in items if not c.deleted]
    if not live:
        why = "is marked for deletion" if items else "matches nobody"
        return Found(None, f"{spec!r} {why} in {users_set}{where}")
    if len(live) > 1:
        names = tuple(c.name for c in live)
        return Found(None, f"{spec!r} matches {len(live)} entries of {users_set}{where} ({', '.join(names[:5])}); "
                           "give the full name", ambiguous=True, choices=names)
    return Found(live[0].ref, name=live[0].name)


def _candidate(row: dict[str, Any]) -> Candidate:
    return Candidate(str(row["Ref_Key"]), str(row.get("Description") or "").strip(), bool(row.get("DeletionMark")),
                     bool(row.get("IsFolder")))


class UserResolver:
    """References of responsible people in one base's users catalogue (``users_set``)."""

    def __init__(self, client: Client, users_set: str) -> None:
        self.client = client
        self.users_set = users_set

    def find(self, spec: str) -> str:
        """One reference, or :class:`NoMatchError`/:class:`AmbiguousError` saying what to give.

        A reference is taken as it is, without a request: a filter by it is the check."""
        spec = spec.strip()
        if is_guid(spec):
            return str(uuid.UUID(spec))
        return self.resolve([spec])[spec].required()

    def for_login(self, login: str | None) -> str | None:
        """The entry the base's login names: 1C keeps the infobase user's name as the item's code
        (УТ 10.3, УПП) or as its name; ``None`` when none or several match, or the set is absent."""
        if not login or not login.strip():
            return None
        try:
            es = self.client.entity_set(self.users_set)
        except NotPublishedError:
            return None
        select = tuple(p for p in ("Ref_Key", "Description", "DeletionMark", "IsFolder") if p in es.properties)
        for prop in ("Code", "Description"):
            if prop in es.properties:
                found = [c for c in map(_candidate, self._bulk(prop, [login.strip()], select))
                         if not c.deleted and not c.folder]
                if len(found) == 1:
                    return found[0].ref
        return None

    def resolve(self, specs: Iterable[str]) -> dict[str, Found]:
        """Each spec (a reference, an exact name or a unique name prefix) → one entry or why not."""
        users_set = self.users_set
        wanted = list(dict.fromkeys(s.strip() for s in specs if s and s.strip()))
        if not wanted:
            return {}
        try:
            es = self.client.entity_set(users_set)
        except NotPublishedError:
            return {s: Found(None, f"{users_set} is not published; cannot resolve the responsible") for s in wanted}
        select = tuple(p for p in ("Ref_Key", "Description", "DeletionMark", "IsFolder") if p in es.properties)
        refs = [s for s in wanted if is_guid(s)]
        names = [s for s in wanted if not is_guid(s)]
        rows = self._bulk("Ref_Key", [uuid.UUID(r) for r in refs], select)
        rows += self._bulk("Description", names, select)
        by_ref = {str(r["Ref_Key"]): _candidate(r) for r in rows}
        by_name: dict[str, list[Candidate]] = defaultdict(list)
        for c in by_ref.values():
            by_name[c.name.casefold()].append(c)
        out: dict[str, Found] = {}
        for spec in refs:
            found = by_ref.get(str(uuid.UUID(spec)))
            out[spec] = Found(found.ref, name=found.name) if found \
                else Found(None, f"no entry of {users_set} has the reference {spec}")
        for spec in names:
            candidates = by_name.get(spec.casefold()) or self._by_prefix(spec, select)
            out[spec] = pick_user(spec, candidates, users_set)
        return out

    def _bulk(self, prop: str, values: list[Any], select: tuple[str, ...]) -> list[dict[str, Any]]:
        return [row for page in self.client.iter_by(self.users_set, prop, values, select=select) for row in page]

    def _by_prefix(self, text: str, select: tuple[str, ...]) -> list[Candidate]:
        try:
            rows = list(self.client.iterate(self.users_set, q.Query(filter=q.startswith("Description", text),
                                                                    select=select, top=21)))
        except ODataError:  # a platform without startswith: match over the (small) whole list
            every = self.client.iterate(self.users_set, q.Query(select=select))
            rows = [r for r in every if str(r.get("Description") or "").casefold().startswith(text.casefold())]
        return [_candidate(r) for r in rows]

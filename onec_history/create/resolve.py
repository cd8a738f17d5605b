"""References of a whole batch resolved in bulk: counterparties, responsibles, basis documents.

Distinct specs are collected first and looked up with or-filters split under the URL budget
(1C has no ``in``, odata-1c.md §2), so a file of 10,000 rows naming 50 clients costs a handful
of requests, not 10,000. Only name *prefixes* that match no exact name are searched one by one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..counterparties.specs import Spec
from ..history import History
from ..models import Counterparty, DocumentRef, EventState
from ..users import Found

__all__ = ["Found", "Resolver"]



def _describe(cps: list[Counterparty]) -> str:
    shown = ", ".join(f"{c.name} (код {c.code})" if c.code else c.name for c in cps[:5])
    return shown + (f" and {len(cps) - 5} more" if len(cps) > 5 else "")


class Resolver:
    """Bulk lookups against one base through its :class:`History` (profile, client, search)."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.client = history.client
        self.profile = history.profile

    # -- generic ----------------------------------------------------------------------------------
    def _bulk_eq(self, entity_set: str, prop: str, values: Iterable[Any],
                 select: tuple[str, ...]) -> list[dict[str, Any]]:
        return [row for page in self.client.iter_by(entity_set, prop, values, select=select) for row in page]

    # -- counterparties ---------------------------------------------------------------------------
    def counterparties(self, specs_in: Iterable[str]) -> dict[str, Found]:
        """Each spec (a ref, ИНН, code, exact name or name prefix) → one counterparty or an error."""
        mapper = self.history.counterparty_mapper()
        select = mapper.select()
        cp_set = self.profile.counterparty_set
        inn_attr = self.profile.counterparty_attr("inn")
        published = {"Ref_Key", *self.client.entity_set(cp_set).properties}
        out: dict[str, Found] = {}
        specs: dict[str, Spec] = {}
        plan: dict[str, list[str]] = {}  # spec → stages to try, in order
        for raw in dict.fromkeys(s for s in specs_in if s):
            parsed = specs[raw] = Spec.parse(raw)
            if parsed.problem:
                out[raw] = Found(None, parsed.problem)
            else:
                plan[raw] = list(parsed.stages)

        def text_of(raw: str) -> str:
            return specs[raw].text

        pending = dict(plan)
        for stage in ("ref", "inn", "code", "name"):
            wanted = [s for s, stages in pending.items() if stages and stages[0] == stage]
            if not wanted:
                continue
            prop = {"ref": "Ref_Key", "inn": inn_attr.prop if inn_attr else "", "code": "Code",
                    "name": self.profile.counterparty_fields()["name"] or "Description"}[stage]
            if prop not in published:  # УТ 11's Контрагенты have no Code: codes are the partners'
                rows: list[dict[str, Any]] = []
            else:
                values: list[Any] = sorted({text_of(s) for s in wanted})
                if stage == "ref":
                    values = [uuid.UUID(v) for v in values]
                rows = self._bulk_eq(cp_set, prop, values, select)
            index: dict[str, list[Counterparty]] = defaultdict(list)
            for row in rows:
                cp = mapper.map(row)
                key = {"ref": cp.ref, "inn": cp.inn, "code": cp.code, "name": cp.name}[stage] or ""
                index[key.strip().casefold()].append(cp)
            for spec in wanted:
                key = text_of(spec).casefold() if stage != "ref" else str(uuid.UUID(text_of(spec)))
                found = self._pick(spec, index.get(key, []), explicit_ref=stage == "ref")
                if found is not None:
                    out[spec] = found
                    del pending[spec]
                else:
                    pending[spec] = pending[spec][1:]
        for spec, stages in pending.items():
            if stages and stages[0] == "prefix":
                out[spec] = self._by_prefix(spec, text_of(spec))
            else:
                how = {"ref": "reference", "inn": "ИНН", "code": "code"}.get(plan[spec][0], "name")
                out[spec] = Found(None, f"no counterparty with the {how} {text_of(spec)!r}")
        return out

    def _pick(self, spec: str, cps: list[Counterparty], *, explicit_ref: bool) -> Found | None:
        items = [c for c in cps if not c.is_folder]
        if not items:
            return Found(None, f"{spec!r} is a group of counterparties, not a counterparty") if cps else None
        live = [c for c in items if not c.deleted] or (items if explicit_ref else [])
        if not live:
            return Found(None, f"{spec!r}: {_describe(items)} is marked for deletion in 1C")
        if len(live) > 1:
            return Found(None, f"{spec!r} matches {len(live)} counterparties: {_describe(live)}; "
                               "give the code or the reference", ambiguous=True)
        return Found(live[0].ref, name=live[0].name)

    def _by_prefix(self, spec: str, text: str) -> Found:
        found = list(self.history.search_counterparties(text, limit=21))
        exact = [c for c in found if c.name.casefold() == text.casefold()]
        picked = self._pick(spec, exact or found, explicit_ref=False)
        return picked or Found(None, f"no counterparty's name begins with {text!r}")

    # -- responsible ------------------------------------------------------------------------------
    def users(self, specs: Iterable[str]) -> dict[str, Found]:
        """A responsible person by reference, exact name or unique name prefix (users.py)."""
        return self.history.base.users.resolve(specs)

    # -- basis documents --------------------------------------------------------------------------
    def documents(self, docs: Iterable[DocumentRef]) -> dict[tuple[str, str], Found]:
        """Check that each basis document is published and exists, in one pass per document type."""
        by_set: dict[str, set[str]] = defaultdict(set)
        for d in docs:
            by_set[d.entity_set].add(d.ref)
        out: dict[tuple[str, str], Found] = {}
        md = self.client.metadata()
        for entity_set, refs in by_set.items():
            if entity_set not in md:
                for r in refs:
                    out[(entity_set, r)] = Found(None, f"{entity_set} is not published in this base (or misspelt)")
                continue
            rows = self._bulk_eq(entity_set, "Ref_Key", [uuid.UUID(r) for r in sorted(refs)], ("Ref_Key",))
            present = {str(row["Ref_Key"]) for row in rows}
            for r in refs:
                out[(entity_set, r)] = Found(r) if r in present else Found(None, f"{entity_set}({r}) does not exist")
        return out

    # -- family B's state catalog -----------------------------------------------------------------
    def state_refs(self) -> tuple[dict[EventState, str], dict[str, str]]:
        """(logical state → catalog ref, catalog item name → ref) where states are a catalog."""
        by_state: dict[EventState, str] = {}
        by_name: dict[str, str] = {}
        if not self.profile.state_catalog:
            return by_state, by_name
        wanted_names: Mapping[EventState, str] = self.profile.states
        for ref, (name, state) in sorted(self.history.state_lookup().items(), key=lambda kv: kv[1][0]):
            by_name.setdefault(name, ref)
            if state is not EventState.OTHER and (state not in by_state or name == wanted_names.get(state)):
                by_state[state] = ref
        return by_state, by_name

"""The row functions compiled per profile map every row as the generic (slot by slot) path does."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import pytest

from onec_history import query as q
from onec_history.client import Client
from onec_history.demo.server import start_demo
from onec_history.export.rows import EventRowMapper
from onec_history.history import History
from onec_history.models import EMPTY_DATE, EMPTY_REF
from onec_history.names import NameResolver
from onec_history.transport import Transport

# What 1C may hold in any property: nothing, blanks, its empty values, other types, padding.
ODD_VALUES: list[Any] = [None, "", "  ", EMPTY_REF, EMPTY_DATE, "  padded text  ", 0, 1, True, False,
                         "StandardODATA.Undefined", "StandardODATA.Catalog_Контрагенты", "Edm.String",
                         "2024-07-03T10:02:53", "0b6f0b1e-3c3a-11ef-9a4b-000c29f1e2d3"]


class _Names(NameResolver):
    """Names made up from the reference (odd rows hold references 1C would refuse to look up)."""

    def prefetch(self, refs: Iterable[tuple[str | None, str | None]]) -> None:
        self.asked = [*getattr(self, "asked", ()), *sorted((s, r) for s, r in refs if s and r)]

    def name(self, entity_set: str | None, ref: str | None) -> str | None:
        return f"{entity_set}:{ref[:4]}" if entity_set and ref and ref[0] != "0" else None


def _mappers(h: History, names: NameResolver) -> tuple[EventRowMapper, EventRowMapper]:
    shape = h.event_mapper().shape
    users = h.profile.users_set
    return (EventRowMapper(shape, names, users_set=users),
            EventRowMapper(shape, names, users_set=users, compiled=False))


def _outcome(mapper: EventRowMapper, row: dict[str, Any]) -> object:
    try:
        return mapper.map_page([row])
    except Exception as exc:  # what failed is compared
        return type(exc)


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_compiled_rows_equal_the_generic_rows(family: str) -> None:
    with start_demo(family) as server, Transport(server.url) as transport:
        h = History(Client(transport))
        fast, generic = _mappers(h, h.names)
        assert fast._compiled is not None and generic._compiled is None
        raw = list(h.client.iterate(h.profile.event_set, q.Query(select=h.event_mapper().select())))
        assert len(raw) > 300
        got = fast.map_page(raw)
        assert got == generic.map_page(raw)
        # the page really has what the compiled path must get right
        assert any(r[9] for r in got) and any(r[12] for r in got) and any(r[22] for r in got)
        assert {r[4] for r in got} - {None}

        # every property of a few real rows in turn given each odd value, the participants' too
        odd: list[dict[str, Any]] = []
        for row in raw[:: max(1, len(raw) // 12)]:
            for prop in row:
                if isinstance(row[prop], list):
                    for line in row[prop][:1]:
                        for lprop in line:
                            for value in ODD_VALUES[:9]:
                                changed = copy.deepcopy(row)
                                changed[prop][0][lprop] = value
                                odd.append(changed)
                    odd.append({**row, prop: []})
                    continue
                for value in ODD_VALUES:
                    odd.append({**row, prop: value})
            for prop in [k for k in row if f"{k}_Type" in row]:  # a composite: each type with each value
                for type_name in ("Edm.String", "StandardODATA.Undefined", "StandardODATA.Catalog_Контрагенты",
                                  None, "Edm.Guid"):
                    for value in (None, "", "  ", EMPTY_REF, " a text ", "0b6f0b1e-3c3a-11ef-9a4b-000c29f1e2d3"):
                        odd.append({**row, prop: value, f"{prop}_Type": type_name})
            odd.append({k: v for k, v in row.items() if k == "Ref_Key"})  # a row missing everything else
        fast_names, generic_names = _Names(h.client), _Names(h.client)
        fast, _ = _mappers(h, fast_names)
        _, generic = _mappers(h, generic_names)
        for row in odd:  # a row at a time: a value neither path can read fails both alike (a bad date)
            fast_names.asked, generic_names.asked = [], []
            assert _outcome(fast, row) == _outcome(generic, row), row
            # the same names asked for, each once
            assert fast_names.asked == sorted(set(generic_names.asked))
        assert sum(isinstance(_outcome(fast, row), type) for row in odd) < len(odd) // 10

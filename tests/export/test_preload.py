"""Names of a whole catalogue are read in one narrow pass only when that beats asking by key."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from onec_history.export.rows import NamePreloader
from onec_history.names import NameResolver


class FakeClient:
    def __init__(self, size: int) -> None:
        self.size = size
        self.calls: list[str] = []

    def count(self, entity_set: str) -> int:
        self.calls.append("count")
        return self.size

    def entity_set(self, name: str) -> Any:
        return SimpleNamespace(properties={"Ref_Key": None, "Description": None})

    def iterate(self, entity_set: str, query: Any, page_size: int) -> Iterator[dict[str, str]]:
        self.calls.append(f"iterate {query.select} {page_size}")
        for i in range(self.size):
            yield {"Ref_Key": f"r{i}", "Description": f"Клиент {i} "}


def refs(n: int, start: int = 0) -> list[tuple[str | None, str | None]]:
    return [("Catalog_Контрагенты", f"r{i}") for i in range(start, start + n)]


def test_small_catalogue_is_read_whole_once_enough_refs_were_seen() -> None:
    client = FakeClient(5000)
    names = NameResolver(client)  # type: ignore[arg-type]
    pre = NamePreloader(names)
    pre.consider(refs(150))
    assert client.calls == []  # too few to decide
    pre.consider(refs(150, 150))
    assert client.calls == ["count", "iterate ('Ref_Key', 'Description') 5000"]
    assert names.name("Catalog_Контрагенты", "r4999") == "Клиент 4999"
    pre.consider(refs(300, 1000))
    assert len(client.calls) == 2 and pre.preloaded == ["Catalog_Контрагенты"]


def test_big_catalogue_stays_by_key() -> None:
    client = FakeClient(1_000_000)
    pre = NamePreloader(NameResolver(client))  # type: ignore[arg-type]
    pre.consider(refs(300))
    pre.consider(refs(300, 300))
    assert client.calls == ["count"] and pre.preloaded == []  # 600 seen of a million: not yet; counted once
    pre.consider(refs(20_000, 600))
    assert client.calls[-1].startswith("iterate")  # 20,600 seen: a fiftieth of the catalogue


def test_a_big_export_decides_on_its_first_page() -> None:
    client = FakeClient(100_000)
    pre = NamePreloader(NameResolver(client))  # type: ignore[arg-type]
    pre.expected_rows = 1_000_000
    pre.consider(refs(900), rows=1000)  # 900 of 1000 rows name distinct clients: ~all 100k will be needed
    assert pre.preloaded == ["Catalog_Контрагенты"]

"""Value conversion and storage of the demo base, and the synthetic generator."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from onec_history.demo.families import ut10_schema
from onec_history.demo.generator import generate
from onec_history.demo.schema import Column
from onec_history.demo.server import start_demo
from onec_history.demo.store import IGNORE, BadValue, Store, data_version, from_json, q, to_json

ENUMS = {"ВидыСобытий": ("ТелефонныйЗвонок", "ЛичнаяВстреча")}


def test_to_json_like_1c() -> None:
    assert to_json(Column("LineNumber", "Edm.Int64"), 3) == "3"
    assert to_json(Column("Сумма", "Edm.Double"), 77500.0) == 77500
    assert isinstance(to_json(Column("Сумма", "Edm.Double"), 77500.0), int)
    assert to_json(Column("Цена", "Edm.Double"), 0.5) == 0.5
    assert to_json(Column("Posted", "Edm.Boolean"), 1) is True


def test_from_json_rules() -> None:
    text = Column("ОписаниеСобытия", "Edm.String", max_length=5)
    assert from_json(text, "1234567", ENUMS) == "12345"
    assert from_json(Column("LineNumber", "Edm.Int64"), 2, ENUMS) is IGNORE
    assert from_json(Column("LineNumber", "Edm.Int64"), "2", ENUMS) == 2
    assert from_json(Column("Date", "Edm.DateTime"), "2026-03-02T10:15", ENUMS) == "2026-03-02T10:15:00"
    assert from_json(Column("Ref_Key", "Edm.Guid"), "ABCDEF00-0000-0000-0000-000000000000", ENUMS) == (
        "abcdef00-0000-0000-0000-000000000000"
    )
    kind = Column("ВидСобытия", "Edm.String", enum="ВидыСобытий")
    assert from_json(kind, "", ENUMS) == ""
    for column, value in (
        (kind, "Звонок"),
        (Column("Ref_Key", "Edm.Guid"), "nope"),
        (Column("Date", "Edm.DateTime"), "02.03.2026"),
        (Column("Posted", "Edm.Boolean"), "true"),
    ):
        with pytest.raises(BadValue):
            from_json(column, value, ENUMS)


def test_data_version_is_opaque_base64_of_8_bytes() -> None:
    assert data_version(10) == "AAAACgAAAAA="
    assert len(base64.b64decode(data_version(123456))) == 8
    assert data_version(1) != data_version(2)


def test_store_is_self_describing(tmp_path: Path) -> None:
    path = tmp_path / "base.sqlite"
    store = Store.create(ut10_schema(), path)
    store.insert("Catalog_Валюты", [{"Ref_Key": "00000000-0000-0000-0000-000000000001", "Code": "643"}])
    store.commit()
    store.close()
    again = Store.open(path)
    assert again.schema == ut10_schema()
    row = again.get(again.schema.tables["Catalog_Валюты"], "00000000-0000-0000-0000-000000000001")
    assert row is not None and row["Code"] == "643" and row["DeletionMark"] == 0 and row["Description"] == ""
    again.close()
    (tmp_path / "junk.sqlite").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(ValueError):
        Store.open(tmp_path / "junk.sqlite")


def _digest(path: Path) -> str:
    store = Store.open(path)
    digest = hashlib.sha256()
    for table in store.schema.tables.values():
        for row in store.select(table, order=q("Ref_Key") + (", " + q("LineNumber") if table.owner else "")):
            digest.update(repr(sorted(row.items())).encode())
    store.close()
    return digest.hexdigest()


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_generator_is_deterministic_and_served(tmp_path: Path, family: str) -> None:
    counts = generate(tmp_path / "a.sqlite", family=family, events=3000, counterparties=300, seed=5)
    generate(tmp_path / "b.sqlite", family=family, events=3000, counterparties=300, seed=5)
    assert _digest(tmp_path / "a.sqlite") == _digest(tmp_path / "b.sqlite")
    assert counts["Document_Событие"] == 3000 and counts["Catalog_Контрагенты"] == 303  # + three folders
    assert counts["Document_ЗаказПокупателя"] == 300
    generate(tmp_path / "c.sqlite", family=family, events=3000, counterparties=300, seed=6)
    assert _digest(tmp_path / "c.sqlite") != _digest(tmp_path / "a.sqlite")
    store = Store.open(tmp_path / "a.sqlite")
    events = store.schema.tables["Document_Событие"]
    basis = "Основание" if family == "ut10" else "ДокументОснование"
    chained = store.count(events, where=f"{q(basis + '_Type')} = 'StandardODATA.Document_Событие'")
    assert 600 < chained < 1200  # about 30 % are follow-ups of an earlier event
    orders = store.schema.tables["Document_ЗаказПокупателя"]
    dangling = store.count(
        orders, where=f"{q('ДокументОснование')} NOT IN (SELECT {q('Ref_Key')} FROM {q('Document_Событие')})"
    )
    assert dangling == 0  # every order points at an event that exists
    store.close()
    with start_demo(tmp_path / "a.sqlite") as server:
        import urllib.request

        with urllib.request.urlopen(server.url + "Document_%D0%A1%D0%BE%D0%B1%D1%8B%D1%82%D0%B8%D0%B5/$count") as reply:
            assert reply.read() == b"3000"

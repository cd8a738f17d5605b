"""One warehouse for many bases (issue 18, item 2): bases of different families in one database, each
row keyed by its base, each base's rows equal to a single-base mirror of it; a run of one base never
touches another's rows; an old single-base mirror upgrades in place without losing a row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from old_schema import as_made_by_version
from warehouse_helpers import DATA, rows_of

from onec_history.client import Client, entity_path
from onec_history.demo.server import DemoServer, start_demo
from onec_history.errors import ConfigError
from onec_history.history import History
from onec_history.mirror import schema as ms
from onec_history.mirror.reader import MirrorReader
from onec_history.mirror.sync import Mirror, engine_for
from onec_history.query import Query, eq
from onec_history.transport import Transport


def history_of(server: DemoServer) -> History:
    return History(Client(Transport(server.url)))


@pytest.fixture
def two() -> Iterator[tuple[DemoServer, DemoServer]]:
    a, c = start_demo("ut10"), start_demo("ut11")
    yield a, c
    a.stop()
    c.stop()


def _fresh(url: str) -> str:
    engine = engine_for(url)
    with engine.begin() as conn:
        for name in sa.inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DROP TABLE "{name}" CASCADE' if conn.dialect.name == "postgresql"
                                 else f'DROP TABLE "{name}"')
    engine.dispose()
    return url


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_two_families_in_one_database_each_equal_to_its_own_mirror(
        two: tuple[DemoServer, DemoServer], tmp_path: Path, db: str, request: pytest.FixtureRequest) -> None:
    a, c = two
    shared = f"sqlite:///{tmp_path / 'all.db'}" if db == "sqlite" else _fresh(request.getfixturevalue("pg_url"))
    ha, hc = history_of(a), history_of(c)
    for h, name in ((ha, "msk"), (hc, "ekb")):
        with Mirror(h, shared, base=name) as m:
            m.sync()
        with Mirror(h, f"sqlite:///{tmp_path / (name + '.db')}", base=name) as m:
            m.sync()
    for name in ("msk", "ekb"):
        alone = rows_of(f"sqlite:///{tmp_path / (name + '.db')}", name)
        assert sum(map(len, alone.values())) > 100
        assert rows_of(shared, name) == alone, name
    listed = MirrorReader.bases(shared)
    assert [(b["base"], b["family"], b["url"]) for b in listed] == [("ekb", "C", c.url), ("msk", "A", a.url)]
    assert all(b["last_sync_at"] and b["last_complete_at"] for b in listed)
    with MirrorReader(shared, base="ekb") as r_c, MirrorReader(shared, base="msk") as r_a:
        assert {e.document_set for e in r_c.events()} > {"Document_ТелефонныйЗвонок"}
        assert {e.document_set for e in r_a.events()} == {"Document_Событие"}
    with pytest.raises(ConfigError) as caught:
        MirrorReader(shared)
    assert "holds 2 bases (ekb, msk)" in caught.value.message and "--base" in caught.value.hint


def test_a_run_of_one_base_never_touches_another(two: tuple[DemoServer, DemoServer], tmp_path: Path) -> None:
    a, c = two
    url = f"sqlite:///{tmp_path / 'all.db'}"
    ha, hc = history_of(a), history_of(c)
    for h, name in ((ha, "msk"), (hc, "ekb")):
        with Mirror(h, url, base=name) as m:
            m.sync()
    ekb = rows_of(url, "ekb")
    # msk's day in 1C: an edit, a new client, a physical deletion; then only msk is mirrored again
    cps = ha.profile.counterparty_set
    items = list(ha.client.iterate(cps, Query(filter=eq("IsFolder", False), select=("Ref_Key",))))
    ha.client.patch(cps, items[0]["Ref_Key"], {"Description": "Изменённое имя"})
    ha.client.transport.request("DELETE", entity_path(cps, items[-1]["Ref_Key"]), idempotent=True)
    with Mirror(ha, url, base="msk") as m:
        report = m.sync()
    assert report.changed >= 2
    assert rows_of(url, "ekb") == ekb
    with MirrorReader(url, base="msk") as r:
        names = {cp.ref: cp.name for cp in r.counterparties()}
    assert names[items[0]["Ref_Key"]] == "Изменённое имя" and items[-1]["Ref_Key"] not in names


def test_an_old_single_base_mirror_becomes_a_named_base_in_place(two: tuple[DemoServer, DemoServer],
                                                                  tmp_path: Path) -> None:
    a, c = two
    url = f"sqlite:///{tmp_path / 'old.db'}"
    ha = history_of(a)
    with Mirror(ha, url) as m:  # a single-base mirror, as an earlier onec-history made it
        m.sync()
    before = rows_of(url, ms.DEFAULT_BASE)
    as_made_by_version(url, "4")
    with Mirror(ha, url, base="msk") as m:  # the same base, now named: its rows are claimed, not copied again
        report = m.sync()
    assert all(s.mode == "incremental" and s.changed == 0 and s.deleted == 0 for s in report.sets)
    assert rows_of(url, "msk") == before
    with Mirror(history_of(c), url, base="ekb") as m:
        m.sync()
    assert [b["base"] for b in MirrorReader.bases(url)] == ["ekb", "msk"]
    assert rows_of(url, "msk") == before


def test_an_unnamed_base_kept_as_default_is_claimed_by_its_name_later(two: tuple[DemoServer, DemoServer],
                                                                       tmp_path: Path) -> None:
    a, _ = two
    url = f"sqlite:///{tmp_path / 'm.db'}"
    ha = history_of(a)
    with Mirror(ha, url) as m:  # no [bases.NAME] yet: the base is "default"
        m.sync()
    before = rows_of(url, ms.DEFAULT_BASE)
    with Mirror(ha, url, base="msk") as m:
        report = m.sync()
    assert any("are now base 'msk'" in w for w in report.warnings)
    assert all(s.mode == "incremental" and s.changed == 0 for s in report.sets)
    assert rows_of(url, "msk") == before and rows_of(url, ms.DEFAULT_BASE) == {t.name: [] for t in DATA}


def test_reading_a_mirror_file_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(ConfigError) as caught:
        MirrorReader(f"sqlite:///{missing}")
    assert not missing.exists()
    said = caught.value.explain()
    assert "does not exist" in said and "onec-history mirror --db" in said and "Error" not in said

"""Money in the mirror is exact (issue 17, item 13): NUMERIC in PostgreSQL, decimal text in SQLite, and an
older mirror's ``double precision`` column converted in place without losing a row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from old_schema import as_made_by_version

from onec_history.history import History
from onec_history.mirror import schema as ms
from onec_history.mirror.sync import Mirror, engine_for
from onec_history.query import Query


def _amounts(url: str) -> list[float]:
    engine = engine_for(url)
    with engine.connect() as conn:
        got = [a for (a,) in conn.execute(sa.select(ms.documents.c.amount).where(ms.documents.c.amount.is_not(None)))]
    engine.dispose()
    return sorted(got)


KOPECKS = (0.1, 0.2, 1234567.89, 99999999999.99)  # sums a double precision column adds up wrong


def _with_kopecks(history: History) -> None:
    """A few documents of the base get sums with kopecks, the kind 0.1 + 0.2 gets wrong in floats."""
    client = history.client
    done = 0
    meta = client.metadata()
    for entity_set in sorted(s for s in meta.sets if s.startswith("Document_")):
        es = meta.sets[entity_set]
        if "СуммаДокумента" not in es.properties or done == len(KOPECKS):
            continue
        for row in client.iterate(entity_set, Query(select=("Ref_Key",), top=len(KOPECKS) - done)):
            client.patch(entity_set, row["Ref_Key"], {"СуммаДокумента": KOPECKS[done]})
            done += 1
    assert done == len(KOPECKS)


def _fresh_pg(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with engine.begin() as conn:  # whatever an earlier test left: current tables, or an old schema's
        for name in sa.inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DROP TABLE "{name}" CASCADE')
    engine.dispose()


def test_postgresql_sums_money_exactly(history: History, pg_url: str) -> None:
    _fresh_pg(pg_url)
    _with_kopecks(history)
    with Mirror(history, pg_url) as mirror:
        mirror.sync()
    amounts = _amounts(pg_url)
    assert len(amounts) > 20 and set(KOPECKS) <= set(amounts)
    assert sum(amounts) != float(sum(Decimal(repr(a)) for a in amounts))  # what double precision would say
    engine = engine_for(pg_url)
    with engine.connect() as conn:
        kind = conn.exec_driver_sql("SELECT data_type FROM information_schema.columns "
                                    "WHERE table_name = 'documents' AND column_name = 'amount'").scalar()
        total = conn.exec_driver_sql("SELECT sum(amount)::text FROM documents").scalar()
    engine.dispose()
    assert kind == "numeric"
    assert Decimal(str(total)) == sum(Decimal(repr(a)) for a in amounts)


def test_sqlite_keeps_each_sum_as_its_exact_decimal_text(history: History, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _with_kopecks(history)
    with Mirror(history, url) as mirror:
        mirror.sync()
    engine = engine_for(url)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT typeof(amount), amount FROM documents WHERE amount IS NOT NULL").all()
    engine.dispose()
    assert stored and {t for t, _ in stored} == {"text"}
    assert sorted(float(v) for _, v in stored) == _amounts(url)
    assert all(Decimal(v) == Decimal(repr(float(v))) for _, v in stored)  # no binary tail such as …0000004


def test_an_old_double_precision_mirror_becomes_numeric_in_place(history: History, pg_url: str) -> None:
    _fresh_pg(pg_url)
    with Mirror(history, pg_url) as mirror:
        mirror.sync()
    before = _amounts(pg_url)
    as_made_by_version(pg_url, "3")  # one base, sums in double precision
    engine = engine_for(pg_url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM documents").scalar()
    engine.dispose()
    with Mirror(history, pg_url) as mirror:
        mirror.sync()
    engine = engine_for(pg_url)
    with engine.connect() as conn:
        kind = conn.exec_driver_sql("SELECT data_type FROM information_schema.columns "
                                    "WHERE table_name = 'documents' AND column_name = 'amount'").scalar()
        after_rows = conn.exec_driver_sql("SELECT count(*) FROM documents").scalar()
        meta = ms.mirror_meta
        version = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    engine.dispose()
    assert kind == "numeric" and version == ms.SCHEMA_VERSION
    assert after_rows == rows
    assert _amounts(pg_url) == before

"""Counterparty import under a flaky web server: retried within the run, statuses that are true (issue 13.6, 13.7).

Counts are checked against what the base really holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from create_helpers import make_history

from onec_history.counterparties.file import read_records
from onec_history.counterparties.importer import CounterpartyImport, RowResult
from onec_history.demo.server import Faults, start_demo
from onec_history.history import History
from onec_history.local.ledger import Ledger
from onec_history.query import Query, startswith

PREFIX = "Клиент сбой"


def inn10(n: int) -> str:
    """A valid ten-digit ИНН (the check digit computed here, independently of the code under test)."""
    digits = [int(c) for c in f"99{n:07d}"]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def clients_csv(n: int) -> str:
    lines = ["external_id,name,inn,kpp"]
    lines += [f"crm-{i},{PREFIX} {i},{inn10(i)},99{i % 10}001001" for i in range(n)]
    return "\n".join(lines) + "\n"


def server_count(history: History) -> int:
    return sum(1 for _ in history.client.iterate(
        history.profile.counterparty_set, Query(filter=startswith("Description", PREFIX), select=("Ref_Key",))))


def apply(history: History, text: str, ledger: Ledger) -> list[RowResult]:
    job = CounterpartyImport(history, ledger=ledger, backoff=0.002, max_backoff=0.01)
    header, records = read_records("clients.csv", data=text.encode("utf-8"))
    plan = job.plan(header, records)
    return list(job.apply(plan))


@pytest.mark.parametrize("ignore_keys", [0.0, 1.0], ids=["base-keeps-keys", "base-ignores-keys"])
def test_503s_and_dropped_posts_are_retried_within_the_run(tmp_path: Path, ignore_keys: float) -> None:
    n = 300
    with start_demo("ut10", faults=Faults(seed=21, ignore_keys=ignore_keys)) as srv:
        history = make_history(srv.url)
        ledger = Ledger(tmp_path / "l.sqlite", srv.url)
        history.client.entity_set(history.profile.counterparty_set)  # $metadata before the faults
        srv.faults.error_rate, srv.faults.drop_rate, srv.faults.drop_after = 0.1, 0.1, 0.6
        results = apply(history, clients_csv(n), ledger)
        srv.faults.error_rate = srv.faults.drop_rate = 0.0
        statuses = [r.status for r in results]
        # Every row was created by this run, and it says so: none "failed", none "created by an earlier run".
        assert statuses.count("created") == n, [r.message for r in results if r.status != "created"][:3]
        assert server_count(history) == n
        assert len({r.ref for r in results}) == n
        # A re-run finds them all by ИНН/КПП and changes nothing.
        again = apply(history, clients_csv(n), ledger)
        assert {r.status for r in again} == {"unchanged"} and server_count(history) == n


def test_an_import_planned_before_another_one_applied_creates_no_duplicate(tmp_path: Path) -> None:
    n = 40
    with start_demo("ut10", faults=Faults(ignore_keys=1.0)) as srv:
        history = make_history(srv.url)
        late = CounterpartyImport(history, ledger=Ledger(tmp_path / "b.sqlite", srv.url), lock_dir=tmp_path)
        header, records = read_records("clients.csv", data=clients_csv(n).encode("utf-8"))
        stale = late.plan(header, records)  # planned: every row is new
        first = CounterpartyImport(history, ledger=Ledger(tmp_path / "a.sqlite", srv.url), lock_dir=tmp_path)
        header, records = read_records("clients.csv", data=clients_csv(n).encode("utf-8"))
        assert {r.status for r in first.apply(first.plan(header, records))} == {"created"}
        # The stale plan is applied after the other run created the same counterparties.
        results = list(late.apply(stale))
        assert {r.status for r in results} == {"already_present"}
        assert all("another run" in r.message for r in results)
        assert server_count(history) == n

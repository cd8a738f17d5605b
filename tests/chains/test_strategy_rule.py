"""The auto strategy of a client's history: the walk or the bulk scan, whichever takes less time.

The figures are bench_chains.py's (issue 19): a client of 80 documents whose walk needs about 140
requests, on a unf base of 24k documents (20k events) and of 97k (80k events), at 0 ms and 30 ms
per request. The scan reads every linked document's row, so on a big base it lost to the walk —
and to the naive walk — at 0 ms; a time estimate, with the request time measured, keeps the walk.
"""

from __future__ import annotations

from typing import Any

import pytest
from chain_helpers import chains_for

from onec_history.chains import timeline as tl
from onec_history.chains.timeline import strategy_seconds
from onec_history.demo.server import DemoServer

UNF_20K = {"Document_ЗаказПокупателя": 2000, "Document_РасходнаяНакладная": 1334, "Document_Событие": 20000,
           "Document_СчетНаОплату": 1000}
UNF_80K = {k: 4 * n for k, n in UNF_20K.items()}
WALK = 1.5 * 92  # the estimate of the clients measured (their walks made 155-191 requests)


def choice(walk: float, rows: dict[str, int], request_seconds: float | None) -> str:
    walk_s, scan_s = strategy_seconds(walk, rows, page_size=1000, jobs=4, request_seconds=request_seconds)
    return "scan" if scan_s < walk_s else "walk"


@pytest.mark.parametrize("rows", [UNF_20K, UNF_80K], ids=["20k", "80k"])
@pytest.mark.parametrize("request_seconds", [0.007, 0.038], ids=["0ms", "30ms"])
def test_a_client_of_eighty_documents_is_walked(rows: dict[str, int], request_seconds: float) -> None:
    assert choice(WALK, rows, request_seconds) == "walk"


def test_the_scan_costs_its_rows() -> None:
    walk_s, scan_20k = strategy_seconds(WALK, UNF_20K, page_size=1000, jobs=4, request_seconds=0.007)
    _, scan_80k = strategy_seconds(WALK, UNF_80K, page_size=1000, jobs=4, request_seconds=0.007)
    assert scan_80k > 3.5 * scan_20k  # four times the rows: nearly four times the time
    assert walk_s == pytest.approx(WALK * 0.007 / 4)


def test_a_big_client_on_a_slow_server_is_scanned() -> None:
    # thousands of documents: a walk of 3,000 requests against a scan of 31 pages and 24k rows
    assert choice(3000, UNF_20K, 0.038) == "scan"
    assert choice(1500, UNF_20K, 0.038) == "scan"
    assert choice(1500, UNF_20K, 0.001) == "walk"  # on a fast server the rows cost more than the requests


def test_the_last_pass_sets_the_scan_s_pace() -> None:
    # one pass of 20 pages is read page after page: four jobs do not make it shorter
    _, one = strategy_seconds(100, {"A": 20000}, page_size=1000, jobs=4, request_seconds=0.1)
    assert one == pytest.approx(21 * 0.1 + 20000 * tl._ROW_SECONDS)


def test_without_a_measure_a_lan_request_is_assumed() -> None:
    walk_s, scan_s = strategy_seconds(100, {}, page_size=1000, jobs=4)
    assert walk_s == pytest.approx(100 * 0.03 / 4) and scan_s == 0.0
    assert strategy_seconds(100, {}, page_size=1000, jobs=4, request_seconds=0.0)[0] == pytest.approx(0.75)


def test_auto_is_given_the_time_its_own_queries_took(ut10: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    real = tl.choose_strategy

    def spy(walker: Any, seeds: Any, request_seconds: float | None = None) -> str:
        seen.append(request_seconds)
        return real(walker, seeds, request_seconds)

    monkeypatch.setattr(tl, "choose_strategy", spy)
    chains = chains_for(ut10.url)
    cp = chains.history.find_counterparty("7701000001")
    timeline = chains.timeline(cp.ref, names=False)
    assert timeline.strategy == "walk"
    assert len(seen) == 1 and seen[0] is not None and 0 < seen[0] < 5

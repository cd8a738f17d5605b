"""Bounded against any server (issue 13.1, 13.2, 13.4): slow drips, floods, gzip bombs, hang-ups."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hostile import bomb, busy, drip, flood, hang_up, hostile, ok

from onec_history import errors
from onec_history.transport import RetryPolicy, Transport

ROOT = Path(__file__).resolve().parents[1]


def transport(url: str, *, deadline: float = 3.0, attempts: int = 3, read_timeout: float = 5.0,
              max_answer_mb: float = 100.0) -> Transport:
    return Transport(url, read_timeout=read_timeout, max_answer_mb=max_answer_mb,
                     retry=RetryPolicy(attempts=attempts, deadline=deadline, backoff=0.01, max_backoff=0.05))


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "status-line-and-headers"])
def test_a_byte_a_tenth_of_a_second_ends_at_the_deadline(headers_too: bool) -> None:
    # Each byte arrives well within the 5 s read timeout: only the deadline can end this exchange.
    with hostile(drip(every=0.1, headers_too=headers_too)) as server, transport(server.url) as tr:
        started = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as caught:
            tr.get_json("Catalog_Контрагенты")
        elapsed = time.monotonic() - started
    assert 2.5 < elapsed < 4.0, elapsed
    assert "3 s deadline" in caught.value.message
    assert "did not arrive in full" in caught.value.message  # it had begun: not "did not answer"


@pytest.mark.parametrize("think", [0.5, 0.6, 0.7, 0.8, 0.9])
def test_retries_of_a_busy_server_end_by_the_deadline_and_name_the_real_failure(think: float) -> None:
    # Slow 503s with backoffs that would cross the deadline: no pause is slept past it, and the error
    # is the server's 503 (or the deadline naming it), not a bare "no answer".
    policy = RetryPolicy(attempts=50, deadline=2.0, backoff=0.5, max_backoff=1.5)
    with hostile(busy(after=think)) as server, Transport(server.url, retry=policy) as tr:
        started = time.monotonic()
        with pytest.raises(errors.OnecError) as caught:
            tr.get_json("Catalog_Контрагенты")
        elapsed = time.monotonic() - started
    assert elapsed <= 2.0 + 0.3, elapsed
    assert server.connections >= 2  # it did retry
    said = caught.value.explain()
    assert "503" in said and "busy" in said, said


def test_the_deadline_bounds_a_post_too() -> None:
    with hostile(drip(every=0.1)) as server, transport(server.url, deadline=1.5) as tr:
        started = time.monotonic()
        with pytest.raises(errors.RequestTimeout):
            tr.request("POST", "Document_Событие", body=b"{}")
        assert time.monotonic() - started < 2.5
        assert server.connections == 1  # a POST is never repeated


def test_the_cli_ends_within_timeout_and_deadline_against_a_drip() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    with hostile(drip(every=0.2)) as server:
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--url", server.url, "--timeout", "5",
                               "--deadline", "4", "counterparties", "search", "Ром"],
                              capture_output=True, text=True, timeout=60, env=env, check=False)
        elapsed = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    assert elapsed < 4 + 3, elapsed  # the interpreter's start included
    assert "Traceback" not in done.stderr and "4 s deadline" in done.stderr


def test_a_huge_answer_stops_at_the_cap_and_names_the_setting() -> None:
    with hostile(flood(200 * 2**20)) as server, transport(server.url, max_answer_mb=8) as tr:
        tracemalloc.start()
        try:
            with pytest.raises(errors.ResponseError) as caught:
                tr.get_json("Catalog_Контрагенты")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "max_answer_mb" in caught.value.explain() and "8 MB" in caught.value.message
    assert peak < 3 * 8 * 2**20, peak  # the cap and a piece, not the 200 MB answer
    assert server.connections == 1  # the same answer again would not be smaller: not retried


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    with hostile(bomb(64 * 2**20)) as server, transport(server.url, max_answer_mb=4) as tr:
        tracemalloc.start()
        try:
            with pytest.raises(errors.ResponseError) as caught:
                tr.get_json("$metadata")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "larger than 4 MB" in caught.value.message
    assert peak < 3 * 4 * 2**20, peak


def test_a_compressed_answer_below_the_cap_is_read_whole() -> None:
    with hostile(bomb(3 * 2**20)) as server, transport(server.url, max_answer_mb=4) as tr:
        answer = tr.get_bytes("$metadata")
    assert answer.content == b" " * (3 * 2**20)


_MEASURED = """
import atexit, sys
def peak():  # VmHWM: this program's own peak (ru_maxrss also counts the forking parent's pages)
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    print("maxrss_kb", line.split()[1], file=sys.stderr)
atexit.register(peak)
sys.argv = ["onec-history", *sys.argv[1:]]
from onec_history.cli.main import main
sys.exit(main())
"""


@pytest.mark.parametrize("answer", ["bomb-1GB", "flood-200MB"])
def test_the_cli_stays_under_300_mb_with_the_default_cap(answer: str) -> None:
    behaviour = bomb(2**30) if answer.startswith("bomb") else flood(200 * 2**20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    with hostile(behaviour) as server:
        done = subprocess.run([sys.executable, "-c", _MEASURED, "--url", server.url, "doctor"],
                              capture_output=True, text=True, timeout=120, env=env, check=False, cwd=ROOT)
    assert done.returncode == 8, done.stderr  # a response that cannot be read as OData
    assert "max_answer_mb" in done.stdout + done.stderr and "Traceback" not in done.stderr
    rss_mb = int(done.stderr.split("maxrss_kb")[1].split()[0]) / 1024
    assert rss_mb < 300, rss_mb


def test_a_hang_up_mid_body_is_retried_for_a_get() -> None:
    with hostile(hang_up(), hang_up(), ok()) as server, transport(server.url) as tr:
        rows = tr.get_json("Catalog_Контрагенты")["value"]
        assert rows[0]["Description"] == "Ромашка"
        assert server.connections == 3 and tr.stats.retries == 2


def test_a_hang_up_mid_body_of_a_post_is_a_transport_error_not_repeated() -> None:
    with hostile(hang_up()) as server, transport(server.url) as tr:
        with pytest.raises(errors.ConnectError) as caught:
            tr.request("POST", "Document_Событие", body=b"{}")
        assert "closed before the answer ended" in caught.value.message
        assert server.connections == 1


def test_the_cli_calls_a_hang_up_unreachable_not_a_path_problem() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    with hostile(hang_up()) as server:
        done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--url", server.url, "--retries", "2",
                               "counterparties", "search", "Ром"],
                              capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 4, done.stderr
    assert "closed before the answer ended" in done.stderr
    assert "permission" not in done.stderr and "Traceback" not in done.stderr


def test_the_watchdog_forgets_exchanges_that_ended_in_time() -> None:
    from onec_history import bounded

    for _ in range(1000):
        with bounded.watched(300) as watch:
            pass
        assert not watch.fired
    assert len(bounded._WATCHDOG._due) <= 1  # one thread and a heap of the exchanges in flight only
    with bounded.watched(0.05) as late:
        time.sleep(0.2)
    assert late.fired

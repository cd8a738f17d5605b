"""What -v, -vv and the default say about requests, and how long a --timeout waits (issue 12.14)."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.demo.server import DemoServer

CLI = [sys.executable, str(Path(__file__).resolve().parents[1] / "cli.py")]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False)


def test_v_shows_one_readable_line_per_request(ut10: DemoServer) -> None:
    done = cli("-v", "--url", ut10.url, "counterparties", "search", "Ром")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if " → " in line]
    assert lines and all(line.startswith("INFO onec_history.transport: GET ") for line in lines)
    assert any("Catalog_Контрагенты" in line and "startswith(Description,'Ром')" in line for line in lines)
    assert not any("%D0" in line for line in lines)  # decoded, not percent-encoded
    assert all(" → 200, " in line and line.endswith(" s") for line in lines)


def test_vv_prints_each_request_once(ut10: DemoServer) -> None:
    done = cli("-vv", "--url", ut10.url, "counterparties", "search", "Ром")
    assert done.returncode == 0, done.stderr
    requests = [line for line in done.stderr.splitlines() if " → " in line]
    assert requests and "urllib3" not in done.stderr
    assert all(a != b for a, b in itertools.pairwise(requests))  # not each line twice


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/base/odata/standard.odata/"
    sock.close()


def test_timeout_bounds_the_whole_call_and_says_it_retries(silent: str) -> None:
    started = time.monotonic()
    done = cli("--url", silent, "--timeout", "2", "counterparties", "search", "Ром")
    elapsed = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    assert elapsed < 8, elapsed  # the interpreter's start included; it used to take 15 s and more
    assert "did not answer within" in done.stderr  # the real failure, not only "deadline passed"


def test_a_retried_timeout_is_said_without_v(silent: str) -> None:
    done = cli("--url", silent, "--timeout", "1", "--deadline", "3.5", "counterparties", "search", "Ром")
    assert done.returncode == 4, done.stderr
    assert "warning: retrying GET" in done.stderr and "(attempt 2 of 5)" in done.stderr
    assert "did not answer within" in done.stderr

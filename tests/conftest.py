"""Fixtures shared by the test packages: started demo bases and an isolated environment.

A package's conftest may redefine ``ut10``/``unf`` (create/, counterparties/ and mirror/ start one
per test, since their tests write); the nearest definition wins.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import History
from onec_history.transport import Transport

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ut10() -> Iterator[DemoServer]:
    """A read-mostly "ut10" server shared by a module (tests that write use ``fresh``)."""
    with start_demo("ut10") as server:
        yield server


@pytest.fixture(scope="module")
def unf() -> Iterator[DemoServer]:
    with start_demo("unf") as server:
        yield server


@pytest.fixture
def fresh() -> Iterator[DemoServer]:
    """A private "ut10" server for tests that write."""
    with start_demo("ut10") as server:
        yield server


@pytest.fixture(params=["ut10", "unf"])
def writable_history(request: pytest.FixtureRequest) -> Iterator[History]:
    """A History on a private demo base of each family (the tests write to it)."""
    with start_demo(request.param) as server:
        yield History(Client(Transport(server.url)))


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test has its own metadata cache: demo bases come and go on reused ports, and two test
    runs at once must not read each other's cached $metadata (a ut10 model for an unf base)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    # A COLUMNS exported by the shell that runs the tests would cut the output that tests read piped.
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ONEC_* settings from the developer's shell; config, cache and data directories under tmp_path."""
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_LEDGER", "ONEC_BASE",
                "ONEC_PASSWORD_SOURCE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def pg_url() -> str:
    """ONEC_TEST_PG_URL, or a throwaway server from scripts/start-postgres.sh when PostgreSQL is installed."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'psycopg[binary]')")
    url = os.environ.get("ONEC_TEST_PG_URL")
    if url:
        return url
    if shutil.which("bash") is None:
        pytest.skip("ONEC_TEST_PG_URL is not set and bash is missing to run scripts/start-postgres.sh")
    done = subprocess.run(["bash", str(ROOT / "scripts" / "start-postgres.sh")], capture_output=True, text=True,
                          env={**os.environ, "ONEC_PG_NO_INSTALL": "1"}, timeout=120, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        pytest.skip("ONEC_TEST_PG_URL is not set and scripts/start-postgres.sh could not start PostgreSQL: "
                    + (done.stderr.strip().splitlines() or ["no output"])[-1])
    return done.stdout.strip().splitlines()[-1]

"""Fixtures for the sync tests: a private demo base per test, a client on it, PostgreSQL if it can run."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.api import History
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.transport import Transport

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["ut10", "unf"])
def server(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    """A private demo base of each family (the tests write to it)."""
    with start_demo(request.param) as srv:
        yield srv


@pytest.fixture
def ut10() -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:
        yield srv


@pytest.fixture
def history(server: DemoServer) -> History:
    return History(Client(Transport(server.url)))


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

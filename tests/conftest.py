"""Fixtures shared by the test packages: started demo bases and an isolated environment.

A package's conftest may redefine ``ut10``/``unf`` (create/ and sync/ start one per test, since
their tests write); the nearest definition wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.demo.server import DemoServer, start_demo


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


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ONEC_* settings from the developer's shell; config, cache and data directories under tmp_path."""
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_LEDGER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

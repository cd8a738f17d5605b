"""Demo bases for the export tests: one server per family for the module, fresh ones for writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import History
from onec_history.transport import RetryPolicy, Transport


def make_history(url: str, *, page_size: int = 50) -> History:
    transport = Transport(url, retry=RetryPolicy(attempts=2, backoff=0.01, deadline=30))
    return History(Client(transport, page_size=page_size))


@pytest.fixture()
def history_for() -> Callable[..., History]:
    """``history_for(url, page_size=50)``: a History over a demo URL, small pages to exercise paging."""
    return make_history


@pytest.fixture(scope="package", params=["ut10", "unf"])
def demo(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    """A read-only demo base of each family (tests must not write to it)."""
    with start_demo(request.param) as srv:
        yield srv


@pytest.fixture()
def fresh_ut10() -> Iterator[DemoServer]:
    """A demo base a test may change."""
    with start_demo("ut10") as srv:
        yield srv


@pytest.fixture(autouse=True)
def _own_locks(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export's locks live in the user's data folder: each test has its own, never the developer's."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data / "onec-history" / "locks"

"""Fixtures for the create/import tests: fresh demo bases (tests write), writers with fast retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from create_helpers import make_writer

from onec_history.create import EventWriter
from onec_history.demo.server import DemoServer, start_demo


@pytest.fixture(autouse=True)
def _isolated(isolated: None) -> None:
    """Every test here runs in the isolated environment of tests/conftest.py."""


@pytest.fixture()
def ut10() -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:
        yield srv


@pytest.fixture()
def unf() -> Iterator[DemoServer]:
    with start_demo("unf") as srv:
        yield srv


@pytest.fixture(params=["ut10", "unf"])
def base(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with start_demo(request.param) as srv:
        yield srv


@pytest.fixture()
def writer_for() -> Callable[..., EventWriter]:
    return make_writer


@pytest.fixture(autouse=True)
def no_nagle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo server answers in two TCP segments without TCP_NODELAY, so Nagle's algorithm and the
    client's delayed ACK add ~40 ms to every request: turned off here to keep these tests fast."""
    from onec_history.demo import server

    monkeypatch.setattr(server._Handler, "disable_nagle_algorithm", True, raising=False)

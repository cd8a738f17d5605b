"""Started demo bases, shared by a test module (tests that write start their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onec_history.demo.server import DemoServer, start_demo


@pytest.fixture(scope="module")
def ut10() -> Iterator[DemoServer]:
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

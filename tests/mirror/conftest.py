"""Fixtures for the mirror tests: they write, so each test has private demo bases."""

from __future__ import annotations

import pytest

from onec_history.demo.server import DemoServer
from onec_history.history import History


@pytest.fixture
def history(writable_history: History) -> History:
    return writable_history


@pytest.fixture
def ut10(fresh: DemoServer) -> DemoServer:
    return fresh

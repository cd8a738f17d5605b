"""Fixtures for test packages whose tests write (counterparties/, mirror/): private demo bases per test.

A package's conftest imports them, so they override the module-wide read-mostly ``ut10`` there only.
"""

from __future__ import annotations

import pytest

from onec_history.demo.server import DemoServer
from onec_history.history import History

__all__ = ["history", "ut10"]


@pytest.fixture
def history(writable_history: History) -> History:
    return writable_history


@pytest.fixture
def ut10(fresh: DemoServer) -> DemoServer:
    return fresh

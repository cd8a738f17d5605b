"""Fixtures for the mirror tests: they write, so each test has private demo bases."""

from __future__ import annotations

from writing_fixtures import history, ut10

__all__ = ["history", "ut10"]

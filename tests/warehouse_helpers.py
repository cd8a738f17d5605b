"""The rows a mirror keeps for one base, comparable across databases (the warehouse tests)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onec_history.mirror import schema as ms
from onec_history.mirror.sync import engine_for

DATA = [t for t in ms.metadata.sorted_tables if t.name not in ("bases", "mirror_meta", "mirror_sets", "sync_state")]


def rows_of(url: str, base: str) -> dict[str, list[tuple[Any, ...]]]:
    """A base's rows, without the base column, in one comparable order."""
    engine = engine_for(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for t in DATA:
            cols = [c for c in t.c if c.name != "base"]
            got = conn.execute(sa.select(*cols).where(t.c.base == base)).all()
            out[t.name] = sorted((tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in got), key=repr)
    engine.dispose()
    return out

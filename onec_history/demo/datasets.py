"""The built-in demo datasets "ut10" (family A), "unf" (family B) and "ut11" (family C), and how a server opens a base.

Both are built from a fixed seed and a fixed "today" (rows.DATASET_NOW), so the same rows, GUIDs
and numbers come out on every run. Each holds the story of the 1C article the project comes from
(«ООО Ромашка» wants 5 monitors: call → offer → call → order → invoice and delivery → meeting)
plus a few hundred ordinary events and the awkward cases a real base has.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from onec_history.demo import data_unf, data_ut10, data_ut11
from onec_history.demo.builder import Builder
from onec_history.demo.families import SCHEMAS
from onec_history.demo.store import Store

_IN_MEMORY_LIMIT = 256 * 1024 * 1024  # bigger bases are copied to a temporary file instead of RAM

_BUILDERS: dict[str, Callable[[Builder], None]] = {
    "ut10": data_ut10.build,
    "unf": data_unf.build,
    "ut11": data_ut11.build,  # family C (УТ 11 / КА 2 / ERP): interactions, partners, deals
}


def dataset_names() -> tuple[str, ...]:
    return tuple(_BUILDERS)


def build_dataset(name: str, path: str | Path | None = None) -> Store:
    """Build a built-in dataset into memory (``path`` None) or into a new SQLite file."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown demo dataset {name!r}; known: {', '.join(_BUILDERS)}")
    builder = Builder(name, SCHEMAS[name]())
    _BUILDERS[name](builder)
    return builder.write(path)


def open_dataset(spec: str | Path, *, persist: bool = False) -> tuple[Store, Path | None]:
    """Open what ``start_demo(dataset=…)`` names: a built-in name or a SQLite file.

    With ``persist`` false, writes never reach the file: a small base is copied into memory, a
    big one into a temporary file. Returns the store and that temporary file (to delete at stop).
    """
    if isinstance(spec, str) and spec in _BUILDERS:
        return build_dataset(spec), None
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"no demo dataset {str(spec)!r}: not one of {', '.join(_BUILDERS)} and not a file")
    if persist:
        return Store.open(path), None
    if path.stat().st_size <= _IN_MEMORY_LIMIT:
        return Store.open(path, in_memory=True), None
    fd, tmp = tempfile.mkstemp(prefix="onec-demo-", suffix=".sqlite")
    os.close(fd)
    shutil.copyfile(path, tmp)
    return Store.open(tmp), Path(tmp)


__all__ = ["build_dataset", "dataset_names", "open_dataset"]

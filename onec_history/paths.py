"""Where onec-history keeps its files: the config, the metadata cache, the ledger — per platform.

platformdirs decides (the XDG directories on Linux, ``%APPDATA%`` / ``%LOCALAPPDATA%`` on
Windows, ``~/Library/Application Support`` on macOS), so config, cache and data follow the
system's rules instead of a ``~/.config`` on Windows beside a cache in ``%LOCALAPPDATA%``. Files an
earlier version put elsewhere are kept using: where the old place holds the file and the new one
does not, the old place wins (a ledger moved silently would forget what was already created).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs

__all__ = ["APP", "cache_dir", "config_dir", "data_dir", "legacy_or", "on_windows"]

APP = "onec-history"


def on_windows() -> bool:
    return os.name == "nt"


def _unix() -> bool:
    return not on_windows() and sys.platform != "darwin"


def _xdg(var: str, default: str) -> Path:
    # The XDG spec says a relative value is invalid and must be ignored (platformdirs would use it).
    value = os.environ.get(var, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def config_dir() -> Path:
    if _unix():
        return _xdg("XDG_CONFIG_HOME", ".config") / APP
    return platformdirs.user_config_path(APP, appauthor=False, roaming=True)


def cache_dir() -> Path:
    if _unix():
        return _xdg("XDG_CACHE_HOME", ".cache") / APP
    return platformdirs.user_cache_path(APP, appauthor=False)


def data_dir() -> Path:
    if _unix():
        return _xdg("XDG_DATA_HOME", ".local/share") / APP
    return platformdirs.user_data_path(APP, appauthor=False)


def legacy_or(new: Path, *old: Path, exists: Callable[[Path], bool] = Path.exists) -> Path:
    """``new``, unless it does not exist and an earlier version's place ``old`` holds the file."""
    if exists(new):
        return new
    return next((p for p in old if exists(p)), new)

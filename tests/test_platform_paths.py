"""Config, cache and ledger folders per platform (platformdirs), and the earlier versions' places."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs
import platformdirs.windows
import pytest

from onec_history import paths
from onec_history.config import default_config_path
from onec_history.local.ledger import default_ledger_path
from onec_history.metadata_cache import default_cache_dir


def test_linux_follows_xdg_and_ignores_a_relative_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if os.name != "posix" or sys.platform == "darwin":
        pytest.skip("the XDG rules are Linux's")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_config_path() == tmp_path / "c" / "onec-history" / "config.toml"
    assert default_ledger_path() == tmp_path / "home" / ".local" / "share" / "onec-history" / "ledger.sqlite"


ROAMING, LOCAL = r"C:\Users\Иванов\AppData\Roaming", r"C:\Users\Иванов\AppData\Local"


@pytest.fixture()
def windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """platformdirs' Windows rules, with its documented WIN_PD_OVERRIDE_* folders, as on a Windows machine."""
    monkeypatch.setattr(paths, "on_windows", lambda: True)
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", ROAMING)
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", LOCAL)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))  # where the earlier version put its ledger
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_windows_keeps_config_roaming_and_cache_and_ledger_local(windows: Path) -> None:
    assert str(default_config_path()).replace("/", "\\") == ROAMING + r"\onec-history\config.toml"
    assert str(default_cache_dir()).replace("/", "\\").startswith(LOCAL + r"\onec-history")
    assert str(default_ledger_path()).replace("/", "\\") == LOCAL + r"\onec-history\ledger.sqlite"


def test_an_earlier_versions_files_are_still_used_where_they_are(windows: Path) -> None:
    old_config = windows / "home" / ".config" / "onec-history" / "config.toml"
    old_ledger = windows / "Local" / "onec-history" / "data" / "ledger.sqlite"
    for f in (old_config, old_ledger):
        f.parent.mkdir(parents=True)
        f.write_text("", encoding="utf-8")
    assert default_config_path() == old_config
    assert default_ledger_path() == old_ledger  # a ledger moved silently would forget what it created
    new = windows / "new.toml"
    assert paths.legacy_or(new, old_config) == old_config
    new.write_text("", encoding="utf-8")
    assert paths.legacy_or(new, old_config) == new  # once the new place holds one, it wins

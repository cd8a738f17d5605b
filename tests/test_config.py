from __future__ import annotations

import os
from pathlib import Path

import pytest

from onec_history.config import load_settings
from onec_history.errors import ConfigError


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_env_overrides_file_and_password_is_secret(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", 'url = "http://a/odata/standard.odata"\nuser = "файл"\npassword = "p1"\n')
    s = load_settings(cfg, env={"ONEC_USER": "Иванов", "ONEC_PASSWORD": "секрет"})
    assert s.url == "http://a/odata/standard.odata/"
    assert s.user == "Иванов"
    assert s.password is not None and s.password.get_secret_value() == "секрет"
    assert "секрет" not in repr(s) and "секрет" not in str(s.model_dump())
    assert s.source == str(cfg)


def test_world_readable_file_with_password_is_refused(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", 'password = "p"\n', mode=0o644)
    with pytest.raises(ConfigError, match="other users can read it") as info:
        load_settings(cfg, env={})
    assert f"chmod 600 {cfg}" in info.value.explain()


def test_world_readable_file_without_password_is_fine(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", 'url = "https://x/ut/odata/standard.odata/"\n', mode=0o644)
    assert load_settings(cfg, env={}).url == "https://x/ut/odata/standard.odata/"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('url = "ftp://x"\n', "http"),
        ("page_size = 0\n", "page_size"),
        ("unknown_key = 1\n", "unknown_key"),
        ("url = \n", "not valid TOML"),
        ("[retry]\nattempts = 0\n", "retry.attempts"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, match: str) -> None:
    cfg = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError, match=match):
        load_settings(cfg, env={})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_defaults_without_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings(None, env={})
    assert s.url is None
    assert s.read_timeout >= 60  # survives 1C's cold start
    assert s.retry.attempts >= 2

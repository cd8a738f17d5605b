from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from onec_history.config import load_settings
from onec_history.errors import ConfigError
from onec_history.transport import RetryPolicy, service_root


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


def test_retry_is_the_transports_retry_policy(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", "[retry]\nattempts = 7\nbackoff = 0.25\n")
    s = load_settings(cfg, env={})
    assert s.retry == RetryPolicy(attempts=7, backoff=0.25, max_backoff=15.0, deadline=300.0)
    assert type(s.retry) is RetryPolicy
    assert load_settings(None, env={}).retry == RetryPolicy()  # the same defaults, written once


def test_nested_retry_override_merges_over_the_files_values(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", "[retry]\nattempts = 7\nbackoff = 0.25\ndeadline = 60\n")
    overrides = {"retry": {"attempts": 3, "deadline": None}}
    s = load_settings(cfg, env={}, overrides=overrides)
    assert s.retry == RetryPolicy(attempts=3, backoff=0.25, max_backoff=15.0, deadline=60.0)
    assert overrides == {"retry": {"attempts": 3, "deadline": None}}  # the caller's mapping is not changed
    assert load_settings(None, env={}, overrides={"retry": {"deadline": 9}}).retry == RetryPolicy(deadline=9)


@pytest.mark.parametrize(
    ("text", "overrides", "match"),
    [
        ("[retry]\nattempts = 0\n", {}, r"^Invalid settings \(config file .+\): retry\.attempts: Input should be "
                                        r"greater than or equal to 1$"),
        ("[retry]\ntries = 2\n", {}, r": retry\.tries: Extra inputs are not permitted$"),
        ("[retry]\ndeadline = 0\n", {}, r": retry\.deadline: Input should be greater than 0$"),
        ("retry = 5\n", {"retry": {"attempts": 2}}, r": retry: Input should be a dictionary"),
        ("", {"retry": {"attempts": 51}}, r": retry\.attempts: Input should be less than or equal to 50$"),
    ],
)
def test_bad_retry_settings_are_one_clear_paragraph(tmp_path: Path, text: str, overrides: dict[str, Any],
                                                     match: str) -> None:
    cfg = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(cfg, env={}, overrides=overrides)
    assert "\n" not in info.value.explain()


def test_url_precedence_is_override_then_environment_then_file(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.toml", 'url = "http://file/odata/standard.odata/"\nuser = "файл"\n')
    env = {"ONEC_URL": "http://env/odata/standard.odata/", "ONEC_USER": "среда"}
    s = load_settings(cfg, env=env, overrides={"url": "http://flag/odata/standard.odata/", "user": "флаг"})
    assert (s.url, s.user) == ("http://flag/odata/standard.odata/", "флаг")
    s = load_settings(cfg, env=env, overrides={"url": None, "user": None})
    assert (s.url, s.user) == ("http://env/odata/standard.odata/", "среда")
    s = load_settings(cfg, env={"ONEC_URL": ""})  # an empty variable is not a value
    assert (s.url, s.user) == ("http://file/odata/standard.odata/", "файл")


def test_onec_config_names_the_file_and_an_explicit_file_wins(tmp_path: Path) -> None:
    by_env = write(tmp_path / "env.toml", 'url = "http://env-file/odata/standard.odata/"\n')
    given = write(tmp_path / "given.toml", 'url = "http://given-file/odata/standard.odata/"\n')
    assert load_settings(None, env={"ONEC_CONFIG": str(by_env)}).url == "http://env-file/odata/standard.odata/"
    assert load_settings(given, env={"ONEC_CONFIG": str(by_env)}).url == "http://given-file/odata/standard.odata/"


def test_url_gets_the_transports_trailing_slash(tmp_path: Path) -> None:
    for url in ("http://a/ut/odata/standard.odata", "http://a/ut/odata/standard.odata/"):
        s = load_settings(None, env={"ONEC_URL": url})
        assert s.url == service_root(url) == "http://a/ut/odata/standard.odata/"

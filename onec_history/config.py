"""Settings: from a TOML config file, then the environment, then explicit overrides.

This module is the one reader of the ``ONEC_*`` variables of the settings (``ONEC_URL``,
``ONEC_USER``, ``ONEC_PASSWORD``, ``ONEC_CONFIG``); the command line passes its options as
overrides and reads none of them itself.

The password is read only from ``ONEC_PASSWORD`` or from a config file that no one but its
owner can read; it is never a command-line default and never appears in ``repr`` or logs.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .errors import ConfigError
from .passwords import KEYRING, keyring_password
from .paths import APP, config_dir, legacy_or
from .transport import MAX_ANSWER_MB, RetryPolicy, service_root, split_credentials

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["Settings", "default_config_path", "load_settings"]

ENV_URL = "ONEC_URL"
ENV_USER = "ONEC_USER"
ENV_PASSWORD = "ONEC_PASSWORD"
ENV_CONFIG = "ONEC_CONFIG"
ENV_PASSWORD_SOURCE = "ONEC_PASSWORD_SOURCE"


class Settings(BaseModel):
    """Everything needed to talk to one base."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    # "keyring": with no password given, it comes from the operating system's keyring (passwords.py)
    password_source: Literal["keyring"] | None = None
    # 1C's first request after idle can take over 30 s while its process starts: the read
    # timeout must allow for that (odata-1c.md §5).
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(120.0, gt=0)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)  # validated with RetryPolicy's own bounds
    page_size: int = Field(1000, ge=1, le=100_000)
    max_answer_mb: float = Field(MAX_ANSWER_MB, gt=0)  # the cap on one decoded answer (gzip bombs, runaway pages)
    allowed_only: bool = False
    verify_tls: bool | str = True
    server_timezone: str | None = None
    metadata_ttl: float = Field(86400.0, ge=0)
    cache_dir: Path | None = None
    profile: dict[str, Any] = Field(default_factory=dict)
    lengths: dict[str, dict[str, int]] = Field(default_factory=dict)
    source: str = "defaults"

    @model_validator(mode="before")
    @classmethod
    def _credentials_from_url(cls, data: Any) -> Any:
        """``http://user:password@host/…`` built in code: the same as a user and password given apart."""
        if isinstance(data, Mapping) and isinstance(data.get("url"), str):
            data = dict(data)
            _take_credentials(data, "The settings")
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - parsing it is the check
        except ValueError:
            # Never quote the host part: it may hold a password with a '/', '?' or '#' in it.
            raise ValueError("the port after the host is not a number (a password in the URL holding "
                             "'/', '?', '#' or '@' must be percent-encoded, or given in ONEC_PASSWORD)") from None
        if not parts.hostname:
            raise ValueError("has no host")
        return service_root(value)


log = logging.getLogger("onec_history.config")


def default_config_path() -> Path:
    """The platform's config folder (paths.py); a config an earlier version kept in ``~/.config``
    on Windows or macOS is still read there."""
    return legacy_or(config_dir() / "config.toml", Path.home() / ".config" / APP / "config.toml")


def _take_credentials(layer: dict[str, Any], where: str) -> None:
    """Move a ``user:password@`` in ``layer``'s URL into its ``user`` and ``password`` (percent-decoded).

    Per layer (config file, environment, command line), so the later one wins as for every key;
    within one layer a user (or password) both in the URL and apart must agree.
    """
    url = layer.get("url")
    if not isinstance(url, str):
        return
    bare, user, password = split_credentials(url)
    if user is None and password is None:
        return
    layer["url"] = bare
    for key, value in (("user", user), ("password", password)):
        if value is None:
            continue
        given = layer.get(key)
        if isinstance(given, SecretStr):
            given = given.get_secret_value()
        if given is not None and given != value:
            raise ConfigError(f"{where} give two users or two passwords: one inside the URL and another as "
                              f"'{key}', and they differ",
                              hint="Keep one of them: the URL without 'user:password@', or the separate setting.")
        layer[key] = value


def _check_permissions(path: Path, data: Mapping[str, Any]) -> None:
    if "password" not in data:
        return
    if os.name != "posix":
        # Windows' ACLs are not POSIX modes: say so rather than pass in silence.
        log.warning("The config file %s holds a password; onec-history cannot check on this system who else may "
                    "read it. Keep it in your own profile folder, or give the password by ONEC_PASSWORD or "
                    "--password-stdin instead.", path)
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"The config file {path} holds a password but other users can read it "
            f"(mode {stat.S_IMODE(mode):o})",
            hint=f"Run 'chmod 600 {path}', or keep the password in ONEC_PASSWORD instead.",
        )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}") from None
    _take_credentials(data, f"The config file {path}")  # a password in its URL is a password too
    _check_permissions(path, data)
    return data


def _merge(data: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Lay ``overrides`` over ``data``: ``None`` means "not given"; a table merges key by key."""
    for key, value in overrides.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            below = data.get(key)
            if below is None:
                data[key] = below = {}
            elif isinstance(below, dict):
                data[key] = below = dict(below)  # the caller's dicts stay as they were
            else:
                continue  # not a table (``retry = 5``): left for validation to report
            _merge(below, value)
        else:
            data[key] = value


def _problem(err: ErrorDetails) -> str:
    where = ".".join(str(p) for p in err["loc"])
    # A [retry] key is checked as RetryPolicy's argument: word it as for every other table.
    msg = "Extra inputs are not permitted" if err["type"] == "unexpected_keyword_argument" else err["msg"]
    return f"{where}: {msg}"


def load_settings(
    config_file: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    keyring: bool = True,
) -> Settings:
    """Merge the config file, the environment and explicit overrides (later wins).

    ``overrides`` holds what the command line gave; ``None`` values are ignored and a nested
    mapping is merged into the table of the same name, so ``{"retry": {"attempts": 3}}``
    changes the attempts and keeps the file's other ``[retry]`` values. With ``password_source =
    "keyring"`` and no password given, the password is read from the system keyring (``keyring=False``:
    not read, for the command that stores it there).
    """
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    source = "defaults"
    path = config_file or (Path(environ[ENV_CONFIG]) if environ.get(ENV_CONFIG) else None)
    if path is None and default_config_path().is_file():
        path = default_config_path()
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"The config file {path} does not exist")
        data.update(_read_file(path))
        source = str(path)
    from_env = {key: environ[var] for key, var in (("url", ENV_URL), ("user", ENV_USER), ("password", ENV_PASSWORD),
                                                   ("password_source", ENV_PASSWORD_SOURCE))
                if environ.get(var)}
    _take_credentials(from_env, f"{ENV_URL}, {ENV_USER} and {ENV_PASSWORD}")
    data.update(from_env)
    given = dict(overrides or {})
    _take_credentials(given, "The command-line options")
    _merge(data, given)
    data["source"] = source
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        # source is the config file, or "defaults" when the values came from options and environment.
        where = f" (config file {source})" if path is not None else ""
        raise ConfigError(
            f"Invalid settings{where}: {problems}",
            hint="See README, 'Configuration', for the keys a config file may hold.",
        ) from None
    if keyring and settings.password is None and settings.password_source == KEYRING and settings.url is not None:
        settings.password = SecretStr(keyring_password(settings.url, settings.user))
    return settings

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

__all__ = ["Settings", "base_names", "default_config_path", "load_settings", "password_variable"]

ENV_URL = "ONEC_URL"
ENV_USER = "ONEC_USER"
ENV_PASSWORD = "ONEC_PASSWORD"
ENV_CONFIG = "ONEC_CONFIG"
ENV_PASSWORD_SOURCE = "ONEC_PASSWORD_SOURCE"
ENV_BASE = "ONEC_BASE"


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
    base: str | None = None  # the named base ([bases.NAME] of the config file) these settings are for

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
    base: str | None = None,
) -> Settings:
    """Merge the config file, the environment and explicit overrides (later wins).

    ``overrides`` holds what the command line gave; ``None`` values are ignored and a nested
    mapping is merged into the table of the same name, so ``{"retry": {"attempts": 3}}``
    changes the attempts and keeps the file's other ``[retry]`` values. With ``password_source =
    "keyring"`` and no password given, the password is read from the system keyring (``keyring=False``:
    not read, for the command that stores it there).

    ``base`` (else ``ONEC_BASE``, else the file's ``default_base``) picks a ``[bases.NAME]`` table of the
    config file, laid over the file's shared keys; without one the file's top-level keys are the base.
    """
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    source = "defaults"
    path = _config_path(config_file, environ)
    bases: dict[str, Any] = {}
    default_base: str | None = None
    if path is not None:
        data.update(_read_file(path))
        source = str(path)
        bases, default_base = _bases_of(data, path)
    name = base or environ.get(ENV_BASE) or default_base
    if name is not None:
        name = _one_base(name, bases, path)
        table = dict(bases[name])
        _take_credentials(table, f"[bases.{name}] of the config file {path}")
        _merge(data, table)  # the base's own keys over the file's shared ones, a table key by key
        data["base"] = name
    from_env = {key: environ[var] for key, var in (("url", ENV_URL), ("user", ENV_USER), ("password", ENV_PASSWORD),
                                                   ("password_source", ENV_PASSWORD_SOURCE))
                if environ.get(var)}
    _take_credentials(from_env, f"{ENV_URL}, {ENV_USER} and {ENV_PASSWORD}")
    given = dict(overrides or {})
    _take_credentials(given, "The command-line options")
    if name is not None:
        _named_base_stays(name, data, from_env, given, environ)
    data.update(from_env)
    _merge(data, given)
    data["source"] = source
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        # source is the config file, or "defaults" when the values came from options and environment.
        where = f" (config file {source})" if path is not None else ""
        if name is not None:
            where = f" (config file {source}, base {name!r})"
        raise ConfigError(
            f"Invalid settings{where}: {problems}",
            hint="See README, 'Configuration', for the keys a config file may hold.",
        ) from None
    if keyring and settings.password is None and settings.password_source == KEYRING and settings.url is not None:
        settings.password = SecretStr(keyring_password(settings.url, settings.user))
    return settings


def _config_path(config_file: Path | None, environ: Mapping[str, str]) -> Path | None:
    path = config_file or (Path(environ[ENV_CONFIG]) if environ.get(ENV_CONFIG) else None)
    if path is None and default_config_path().is_file():
        path = default_config_path()
    if path is not None and not path.is_file():
        raise ConfigError(f"The config file {path} does not exist")
    return path


def _bases_of(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], str | None]:
    """Take the named bases (``[bases.NAME]`` tables) and ``default_base`` out of a config file's data."""
    bases = data.pop("bases", {})
    default_base = data.pop("default_base", None)
    if not isinstance(bases, dict) or not all(isinstance(t, dict) for t in bases.values()):
        raise ConfigError(f"The config file {path}: 'bases' must hold one table per base ([bases.msk], [bases.spb])",
                          hint="See README, 'Many bases', for the layout.")
    if default_base is not None and not isinstance(default_base, str):
        raise ConfigError(f"The config file {path}: default_base must be the name of a base, as a string")
    return bases, default_base


def _one_base(name: str, bases: Mapping[str, Any], path: Path | None) -> str:
    if name in bases:
        return name
    if name == "all":
        raise ConfigError("--base all runs a command on every base, and this command works on one base",
                          hint="Name one base (onec-history bases lists them); 'all' is taken by mirror, "
                               "events export and bases.")
    if not bases:
        where = f"the config file {path}" if path is not None else "no config file"
        raise ConfigError(f"There is no base named {name!r}: {where} has no [bases.NAME] tables",
                          hint="Add one per base to the config file (README, 'Many bases'), or drop --base / "
                               "ONEC_BASE.")
    raise ConfigError(f"There is no base named {name!r} in the config file {path}",
                      hint=f"Known bases: {', '.join(sorted(bases))}.")


def password_variable(name: str) -> str:
    """The environment variable of a named base's own password: ``ONEC_PASSWORD_MSK`` for ``msk``
    (letters and digits upper-cased, anything else an underscore)."""
    return ENV_PASSWORD + "_" + "".join(ch.upper() if ch.isascii() and ch.isalnum() else "_" for ch in name)


def _named_base_stays(name: str, data: dict[str, Any], from_env: dict[str, Any], given: dict[str, Any],
                      environ: Mapping[str, str]) -> None:
    """A named base is that base: an ONEC_URL or --url naming another one is refused, not obeyed in
    silence (a stale ONEC_URL in a cron environment would send the job to the wrong base). Its own
    password variable (ONEC_PASSWORD_MSK) wins over the shared ONEC_PASSWORD."""
    for layer, what in ((from_env, ENV_URL), (given, "--url")):
        url = layer.get("url")
        if url is not None and data.get("url") is not None and service_root(url) != service_root(data["url"]):
            raise ConfigError(f"{what} names {url}, but the base {name!r} of the config file is {data['url']}",
                              hint=f"Unset {what} to use the base {name!r}, or drop --base / ONEC_BASE to use "
                                   f"{what}.")
    own = environ.get(password_variable(name))
    if own:
        from_env["password"] = own


def base_names(config_file: Path | None = None, *, env: Mapping[str, str] | None = None) -> list[str]:
    """The names of the config file's bases, in the file's order (``--base all``, ``onec-history bases``)."""
    environ = os.environ if env is None else env
    path = _config_path(config_file, environ)
    if path is None:
        return []
    return list(_bases_of(_read_file(path), path)[0])

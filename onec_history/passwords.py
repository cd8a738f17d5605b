"""The password from the operating system's keyring (Windows Credential Manager, macOS Keychain, the
Secret Service of a Linux desktop), an optional source: ``password_source = "keyring"`` in the config file
or ``ONEC_PASSWORD_SOURCE=keyring``.

The entry's service is the base's URL without credentials (two bases of one user stay apart) and its
user name is the 1C user. ``onec-history password set`` stores it, ``password forget`` removes it.
The ``keyring`` package is an extra (``pip install 'onec-history[keyring]'``), imported only when asked
for; a password given by ``ONEC_PASSWORD``, the config file or ``--password-stdin`` wins over the keyring.
"""

from __future__ import annotations

from types import ModuleType

from .errors import ConfigError

__all__ = ["KEYRING", "forget_password", "keyring_password", "save_password"]

KEYRING = "keyring"
"""The value of ``password_source`` that reads the keyring."""

_INSTALL = "Install it with: pip install 'onec-history[keyring]'."


def _keyring() -> ModuleType:
    try:
        import keyring
    except ImportError:
        raise ConfigError("password_source = \"keyring\" needs the Python package 'keyring', which is not installed",
                          hint=_INSTALL + " Or give the password by ONEC_PASSWORD or --password-stdin.") from None
    return keyring


def _entry(url: str | None, user: str | None) -> tuple[str, str]:
    if not url or not user:
        raise ConfigError("The keyring keeps a password per base URL and 1C user, and one of them is not set",
                          hint="Set url and user in the config file (or ONEC_URL and ONEC_USER) first.")
    return url, user


def _failed(action: str, exc: Exception) -> ConfigError:
    """A keyring with no usable backend (a server without a desktop session) or one that refused."""
    return ConfigError(f"The system keyring could not {action}: {exc}",
                       hint="On a server without a desktop keyring give the password by ONEC_PASSWORD or "
                            "--password-stdin instead (cron: a root-only file piped to --password-stdin).")


def keyring_password(url: str | None, user: str | None) -> str:
    """The stored password of ``user`` at the base ``url``; ConfigError when none is stored."""
    keyring = _keyring()
    service, name = _entry(url, user)
    try:
        found = keyring.get_password(service, name)
    except Exception as exc:  # keyring.errors.KeyringError and a backend's own errors alike
        raise _failed("be read", exc) from None
    if found is None:
        raise ConfigError(f"The system keyring holds no password for user {name!r} at {service}",
                          hint="Store it once with 'onec-history password set' (it asks for the password).")
    return str(found)


def save_password(url: str | None, user: str | None, password: str) -> None:
    keyring = _keyring()
    service, name = _entry(url, user)
    try:
        keyring.set_password(service, name, password)
    except Exception as exc:
        raise _failed("store the password", exc) from None


def forget_password(url: str | None, user: str | None) -> bool:
    """Remove the stored password; False when there was none."""
    keyring = _keyring()
    service, name = _entry(url, user)
    if keyring.get_password(service, name) is None:
        return False
    try:
        keyring.delete_password(service, name)
    except Exception as exc:
        raise _failed("remove the password", exc) from None
    return True

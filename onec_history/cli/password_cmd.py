"""``onec-history password set|forget``: the base's password in the operating system's keyring."""

from __future__ import annotations

import click

from ..config import load_settings
from ..passwords import KEYRING, forget_password, save_password
from .app import App, pass_app

__all__ = ["password_group"]


@click.group("password")
def password_group() -> None:
    """The password in the system keyring (Windows Credential Manager, macOS Keychain, Secret Service).

    Stored per base URL and 1C user; read when the config file says password_source = "keyring"
    (or ONEC_PASSWORD_SOURCE=keyring) and no password is given otherwise. Needs the keyring extra:
    pip install 'onec-history[keyring]'.
    """


def _target(app: App) -> tuple[str | None, str | None, str | None, bool]:
    settings = load_settings(app.config_file, overrides=app.overrides, keyring=False)
    given = settings.password.get_secret_value() if settings.password else None
    return settings.url, settings.user, given, settings.password_source == KEYRING


@password_group.command("set")
@pass_app
def password_set(app: App) -> None:
    """Store the password of the configured user at the configured base (asked twice, not echoed;
    or the first line of standard input with --password-stdin before the command)."""
    url, user, given, used = _target(app)
    password = given if given is not None else click.prompt(f"Password of {user} at {url}", hide_input=True,
                                                            confirmation_prompt=True, err=True)
    save_password(url, user, password)
    click.echo(f"Stored in the system keyring: the password of {user} at {url}.", err=True)
    if not used:
        click.echo('It is read when the config file says password_source = "keyring" '
                   "(or ONEC_PASSWORD_SOURCE=keyring).", err=True)


@password_group.command("forget")
@pass_app
def password_forget(app: App) -> None:
    """Remove the stored password of the configured user at the configured base."""
    url, user, _, _ = _target(app)
    if forget_password(url, user):
        click.echo(f"Removed from the system keyring: the password of {user} at {url}.", err=True)
    else:
        click.echo(f"The system keyring held no password of {user} at {url}.", err=True)

"""The command groups whose subcommands live in several modules; ``commands.py`` fills them.

``report`` is not here: the report group and all its commands are one module, ``report_cmds.py``.
"""

from __future__ import annotations

import click

__all__ = ["counterparties", "events"]


@click.group()
def counterparties() -> None:
    """Find counterparties (Справочник «Контрагенты») and show a client's card."""


@click.group()
def events() -> None:
    """Events (Документ «Событие»): list, show, create, import, export."""

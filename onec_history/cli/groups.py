"""The command groups whose subcommands live in several modules; ``commands.py`` fills them.

``report`` is not here: the report group and all its commands are one module, ``report_cmds.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click

__all__ = ["Lazy", "LazyGroup", "counterparties", "events"]

#: A command not loaded yet: its module under ``onec_history.cli``, the attribute that holds it (a
#: command, or a tuple of commands to pick by name), and the first paragraph of its help.
Lazy = tuple[str, str, str]


class LazyGroup(click.Group):
    """A group whose commands are imported when one is asked for (run, completed, its help shown).

    The group's own ``--help`` lists them from :attr:`lazy` alone, cut to the width as click cuts a
    loaded command's help, so listing the commands imports none of them.
    """

    lazy: Mapping[str, Lazy] = {}

    @staticmethod
    def load(table: Mapping[str, Lazy], name: str) -> click.Command:
        module, attr, _ = table[name]
        value = getattr(importlib.import_module(f"onec_history.cli.{module}"), attr)
        if isinstance(value, tuple):
            value = next(c for c in value if c.name == name)
        if not isinstance(value, click.Command):
            raise TypeError(f"onec_history.cli.{module}.{attr} is no command")
        return value

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.load(self.lazy, cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            # a loaded command speaks for itself; one not loaded by its first paragraph
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name][2])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


@click.group(cls=LazyGroup)
def counterparties() -> None:
    """Find counterparties (Справочник «Контрагенты») and show a client's card."""


@click.group(cls=LazyGroup)
def events() -> None:
    """Events (Документ «Событие»): list, show, create, import, export."""

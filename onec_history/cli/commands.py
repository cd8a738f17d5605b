"""Every command of ``onec-history``, registered in one place: each group's subcommands are listed here."""

from __future__ import annotations

import click

from .agenda_cmd import agenda_cmd
from .bases_cmd import bases_cmd
from .chain_cmds import chain_cmd, history_cmd, links_cmd
from .create_cmds import create_cmd, import_events_cmd
from .demo_cmds import demo
from .doctor import doctor, metadata_cmd
from .export_cmd import events_export
from .groups import counterparties, events
from .import_cmd import import_counterparties_cmd
from .mirror_cmd import mirror_cmd
from .password_cmd import password_group
from .read_cmds import list_cmd, search_cmd, show_cmd, show_event_cmd
from .record_cmd import record
from .report_cmds import report
from .update_cmd import UPDATE_COMMANDS

__all__ = ["register"]

GROUPS: tuple[tuple[click.Group, tuple[click.Command, ...]], ...] = (
    (counterparties, (search_cmd, show_cmd, import_counterparties_cmd)),
    (events, (list_cmd, show_event_cmd, create_cmd, import_events_cmd, events_export, *UPDATE_COMMANDS)),
)
TOP_LEVEL: tuple[click.Command, ...] = (doctor, metadata_cmd, counterparties, events, chain_cmd, history_cmd,
                                        links_cmd, demo, record, mirror_cmd, report, agenda_cmd,
                                        password_group, bases_cmd)


def register(group: click.Group) -> None:
    for parent, subcommands in GROUPS:
        for command in subcommands:
            parent.add_command(command)
    for command in TOP_LEVEL:
        group.add_command(command)

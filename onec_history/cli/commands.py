"""Every command of ``onec-history``, registered on the group in one place."""

from __future__ import annotations

import click

from .chain_cmds import chain_cmd, history_cmd, links_cmd
from .create_cmds import create_cmd, import_cmd  # noqa: F401  (attached to the events group)
from .demo_cmds import demo
from .doctor import doctor, metadata_cmd
from .export_cmds import report  # also attaches 'events export' to the events group
from .read_cmds import counterparties, events
from .record_cmd import record
from .sync_cmds import mirror_cmd  # also attaches 'counterparties import'

__all__ = ["register"]


def register(group: click.Group) -> None:
    if "doctor" in group.commands:
        return
    group.add_command(doctor)
    group.add_command(metadata_cmd)
    group.add_command(counterparties)
    group.add_command(events)
    group.add_command(chain_cmd)
    group.add_command(history_cmd)
    group.add_command(links_cmd)
    group.add_command(demo)
    group.add_command(record)
    group.add_command(mirror_cmd)
    group.add_command(report)

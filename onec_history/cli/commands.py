"""Every command of ``onec-history``, registered in one place, and loaded only when it runs.

A command's module (and the library it imports: the transport, pydantic, the chains…) is imported
when the command is asked for, not at every start: ``onec-history --help`` and ``--version`` start
without any of it. The listing in ``--help`` shows each command's first paragraph, kept here
(``tests/test_cli.py`` holds it equal to the command's own help).
"""

from __future__ import annotations

from .groups import Lazy, LazyGroup, counterparties, events

__all__ = ["GROUPS", "TOP_LEVEL", "register"]

COUNTERPARTIES: dict[str, Lazy] = {
    "search": ("read_cmds", "search_cmd",
        "Counterparties whose name begins with TEXT (as 1C's quick search does), or by --phone / --email."),
    "show": ("read_cmds", "show_cmd",
        'The card of CLIENT (name prefix, code, ИНН or reference) and its events, newest first.'),
    "import": ("import_cmd", "import_counterparties_cmd",
        'Create or update counterparties from a CSV or JSONL FILE (- for stdin).'),
}

EVENTS: dict[str, Lazy] = {
    "list": ("read_cmds", "list_cmd",
        'Events filtered by client, period, kind, state, direction and responsible.'),
    "show": ("read_cmds", "show_event_cmd",
        "One event by its reference: the GUID (Ref_Key) or Document_Событие(guid'…')."),
    "create": ("create_cmds", "create_cmd",
        'Create one event; prints its reference. Repeating the same command creates nothing new.'),
    "import": ("create_cmds", "import_events_cmd",
        'Create events from a CSV or JSONL FILE (- for stdin), exactly once per row.'),
    "export": ("export_cmd", "events_export",
        'Export events of a period for a data warehouse or Excel, streamed page by page.'),
    "update": ("update_cmd", "UPDATE_COMMANDS",
        'Change events: --set FIELD=VALUE for one event, a --file of changes, or a filter.'),
    "complete": ("update_cmd", "UPDATE_COMMANDS",
        'Mark planned events completed (state Завершено).'),
    "cancel": ("update_cmd", "UPDATE_COMMANDS",
        'Mark events cancelled (state Отменено).'),
    "reschedule": ("update_cmd", "UPDATE_COMMANDS",
        "Move events to a new start; the end moves with it unless --end is given (family C: a call's moment, "
        "a meeting's dates, a planned interaction's due date in ПредметыПапкиВзаимодействий)."),
    "reassign": ("update_cmd", "UPDATE_COMMANDS",
        'Hand events to another responsible (filter the current one with --of).'),
    "mark-deleted": ("update_cmd", "UPDATE_COMMANDS",
        'Mark events for deletion (never deleted physically; a posted one is unposted).'),
    "unmark": ("update_cmd", "UPDATE_COMMANDS",
        'Take the deletion mark off events (they stay unposted).'),
}

TOP_LEVEL: dict[str, Lazy] = {
    "doctor": ("doctor", "doctor",
        'Check the base: reachable, credentials, OData published, needed sets, clocks.'),
    "metadata": ("doctor", "metadata_cmd",
        'List the published entity sets, or describe one (properties, composites, references, …).'),
    "chain": ("chain_cmds", "chain_cmd",
        "The chain of documents around DOC, like 1C's «Структура подчиненности»."),
    "history": ("chain_cmds", "history_cmd",
        "CLIENT's timeline: events and documents, grouped by chain, in time order, with each step's state."),
    "links": ("chain_cmds", "links_cmd",
        'The (document, attribute) pairs used to rebuild chains: built-in, from $metadata, from the config.'),
    "demo": ("demo_cmds", "demo",
        'The demo base: a local server that behaves like a 1C OData publication.'),
    "record": ("record_cmd", "record",
        'Record $metadata and the answers to the everyday commands, with personal data replaced.'),
    "mirror": ("mirror_cmd", "mirror_cmd",
        'Keep a local database copy of counterparties, events and document links current.'),
    "report": ("report_cmds", "report",
        'Reports for managers: inactive buyers, overdue events, activity, the sales funnel.'),
    "agenda": ("agenda_cmd", "agenda_cmd",
        'Planned events by their start (НачалоСобытия), per responsible: time, client, phone, kind, subject.'),
    "password": ("password_cmd", "password_group",
        'The password in the system keyring (Windows Credential Manager, macOS Keychain, Secret Service).'),
    "bases": ("bases_cmd", "bases_cmd",
        'The bases named in the config file ([bases.NAME]), each with its family and whether it answers.'),
}

GROUPS: tuple[tuple[LazyGroup, dict[str, Lazy]], ...] = ((counterparties, COUNTERPARTIES), (events, EVENTS))


def register(group: LazyGroup) -> None:
    """Give ``group`` (the root) and the command groups their commands, to be loaded when asked for."""
    for parent, table in GROUPS:
        parent.lazy = table
    group.lazy = TOP_LEVEL
    group.add_command(counterparties)
    group.add_command(events)

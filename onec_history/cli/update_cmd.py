"""``events update`` and its verbs: complete, cancel, reschedule, reassign, mark-deleted, unmark.

Each command changes the events named on the command line (a reference, a number, «Событие
270», ``Document_Событие(guid'…')``), the events of a bulk file (CSV/JSONL: a key column
``event``/``ref``/``number`` and the fields to change), or the events a filter selects (the
filters of ``events list``). ``--dry-run`` shows ``field: 1C value → new value`` per event and
sends nothing.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import ValidationError
from ..local.inputs import InputRow, column_key, read_rows
from ..models import EventState
from ..update import (
    FIELDS,
    KEY_COLUMNS,
    Change,
    ChangeLedger,
    Diff,
    Status,
    Target,
    Updater,
    UpdateResult,
    parse_change,
    parse_set,
)
from .app import App, pass_app
from .exitcodes import ExitCode
from .output import emit, format_option, terminal_width
from .params import DATE, build_filter, event_filter_options, resolve_client

__all__ = ["UPDATE_COMMANDS"]

F = TypeVar("F", bound=Callable[..., Any])

RESULT_COLUMNS = [("line", "line"), ("status", "status"), ("number", "number"), ("changes", "changes"),
                  ("message", "message")]


def _targets_options(fn: F, *, responsible_filter: str = "--responsible") -> F:
    """What to change: EVENT arguments, --file, or the filters of ``events list``."""
    fn = event_filter_options(fn) if responsible_filter == "--responsible" else _filters_without_responsible(fn)
    opts: list[Callable[[Any], Any]] = [
        click.argument("events", nargs=-1),
        click.option("--file", "file", type=click.Path(dir_okay=False, allow_dash=True),
                     help="A CSV/JSONL file: a column event (or ref, number) and the fields to change."),
        click.option("--encoding", help="The file's encoding (default: detected)."),
        click.option("--counterparty", "client", help="Only this client's events (name, code, ИНН, reference)."),
        click.option("--set", "set_values", multiple=True, metavar="FIELD=VALUE",
                     help="Change FIELD (" + ", ".join(f for f in FIELDS if f != "basis_type")
                          + "); an empty VALUE clears a text. Repeatable."),
        click.option("--dry-run", is_flag=True, help="Show field: 1C value → new value per event; send nothing."),
        click.option("-j", "--jobs", type=click.IntRange(1, 8), default=1, show_default=True,
                     help="Events written at once."),
        click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), envvar="ONEC_LEDGER",
                     help="The SQLite ledger (env ONEC_LEDGER; default $XDG_DATA_HOME/onec-history/ledger.sqlite)."),
        format_option(),
        pass_app,
        click.pass_context,
    ]
    for option in reversed(opts):
        fn = option(fn)
    return fn


def _filters_without_responsible(fn: F) -> F:
    """The filters of ``events list``, the responsible one renamed --of (reassign's --responsible is the new one)."""
    wrapped = event_filter_options(fn)
    params = getattr(wrapped, "__click_params__", [])
    for p in params:
        if p.name == "responsible":
            p.opts = ["--of"]
            p.help = "Only the events of this responsible (a name prefix or a reference)."
    return wrapped


def _run(ctx: click.Context, app: App, verb: Change, values: dict[str, Any]) -> None:
    history = app.history()
    tz = app.server_tz()
    # The ledger serves files, which are replayed: a change a file made once is not made again.
    # A command naming its events or a filter says what is wanted now, and is done as asked.
    path = app.ledger_location(values["ledger_path"])
    with ChangeLedger(path, history.base.key) if values["file"] else nullcontext() as ledger:
        updater = Updater(history, ledger, jobs=values["jobs"], server_tz=tz)
        try:
            extra = parse_set(list(values["set_values"]))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        change_of_set, problems = parse_change(extra, updater.vocab, server_tz=tz, clear_empty=True)
        if change_of_set is None:
            raise click.UsageError("; ".join(map(str, problems)))
        change = verb.merged(change_of_set)
        targets, bad = _targets(ctx, app, updater, change, values, tz)
        if not targets and not bad:
            app.note("No event matches: nothing to change")
            ctx.exit(int(ExitCode.OK))
        results = bad + updater.run(targets, dry_run=values["dry_run"])
    results.sort(key=lambda r: (r.line or 0))
    _show(results, values["fmt"], values["dry_run"], from_file=bool(values["file"]))
    counts = Counter(r.status for r in results)
    app.note(", ".join(f"{n} {s.value}" for s, n in counts.items())
             + (" (dry run: nothing was sent)" if values["dry_run"] else ""))
    ctx.exit(int(_exit_code(results)))


def _targets(ctx: click.Context, app: App, updater: Updater, change: Change, values: dict[str, Any],
             tz: Any) -> tuple[list[Target], list[UpdateResult]]:
    """The events to change and the file's rows that cannot be read (as failed results)."""
    events: tuple[str, ...] = values["events"]
    file: str | None = values["file"]
    filters = {k: values.get(k) for k in ("client", "since", "until", "kind", "state", "direction", "responsible")}
    given = [bool(events), bool(file), any(v for v in filters.values())]
    if sum(given) != 1:
        of = "--of" if ctx.info_name == "reassign" else "--responsible"
        raise click.UsageError("Name the events to change in one way: EVENT arguments, --file, or filters "
                               f"(--counterparty, --since, --until, --kind, --state, --direction, {of}).")
    if events:
        if change.is_empty():
            raise click.UsageError("Nothing to change: give a verb's options or --set FIELD=VALUE.")
        return [Target(e, change, line=i) for i, e in enumerate(events, start=1)], []
    if file:
        return _file_targets(file, values.get("encoding"), updater, change, tz)
    if change.is_empty():
        raise click.UsageError("Nothing to change: give a verb's options or --set FIELD=VALUE.")
    history = app.history()
    cp = resolve_client(ctx, history, filters["client"]).ref if filters["client"] else None
    flt = build_filter(history, counterparty=cp, since=filters["since"], until=filters["until"],
                       kind=filters["kind"], state=filters["state"], direction=filters["direction"],
                       responsible=filters["responsible"])
    # Events marked for deletion are left alone unless the change is taking the mark off.
    flt = dataclasses.replace(flt, include_deleted=change.deleted is False)
    return [Target(ref, change, line=i) for i, ref in enumerate(updater.refs_for(flt), start=1)], []


def _file_targets(file: str, encoding: str | None, updater: Updater, change: Change,
                  tz: Any) -> tuple[list[Target], list[UpdateResult]]:
    known = (*KEY_COLUMNS, *FIELDS)

    def header(names: list[str]) -> list[str | None]:
        out: list[str | None] = []
        unknown = []
        for raw in names:
            key = column_key(raw)
            out.append(key if key in known else None)
            if key not in known and key:
                unknown.append(raw.strip())
        if unknown:
            raise ValidationError("Unknown column(s) in the header: " + ", ".join(repr(u) for u in unknown),
                                  field=unknown[0], hint="Known columns: " + ", ".join(known) + ".")
        if not any(k in out for k in KEY_COLUMNS):
            raise ValidationError("The file has no column naming the event", field="event",
                                  hint="Add a column event (any address: «Событие 270», a reference), ref or number.")
        return out

    targets: list[Target] = []
    bad: list[UpdateResult] = []
    rows: Iterable[InputRow] = read_rows(file, encoding=encoding, header=header,
                                         stream=sys.stdin.buffer if file == "-" else None)
    for row in rows:
        address = next((str(row.values[k]).strip() for k in KEY_COLUMNS if str(row.values.get(k) or "").strip()), "")
        if row.error:
            bad.append(UpdateResult(row.line, address, Status.FAILED, message=row.error, error="row"))
            continue
        if not address:
            bad.append(UpdateResult(row.line, "", Status.FAILED, message="event: required (a reference or a number)",
                                    error="event"))
            continue
        parsed, problems = parse_change(row.values, updater.vocab, server_tz=tz)
        if parsed is None:
            bad.append(UpdateResult(row.line, address, Status.FAILED, message="; ".join(map(str, problems)),
                                    error=problems[0].field))
            continue
        merged = change.merged(parsed)
        if merged.is_empty():
            bad.append(UpdateResult(row.line, address, Status.FAILED, message="nothing to change in this row",
                                    error="row"))
            continue
        targets.append(Target(address, merged, line=row.line))
    return targets, bad


def _show(results: list[UpdateResult], fmt: str, dry_run: bool, *, from_file: bool = False) -> None:
    if fmt == "table":
        # On a terminal each diff is one line of its width; redirected, the values are whole.
        width = terminal_width() or 0
        for r in results:
            where = (f"line {r.line}: " if from_file else "") + (r.number or r.address or "—")
            click.echo(f"{where}: {r.status.value}" + (f" — {r.message}" if r.message else ""))
            for d in r.diffs if r.status in (Status.CHANGED, Status.WOULD_CHANGE, Status.CONFLICT,
                                             Status.POST_FAILED) else ():
                click.echo(_diff_line(d, width))
        return
    columns = None if fmt in ("json", "jsonl") else [*RESULT_COLUMNS, ("ref", "ref"), ("event", "event")]
    rows = ({k: v for k, v in r.as_dict().items() if fmt in ("json", "jsonl") or k != "diffs"} for r in results)
    emit(rows, fmt, columns=columns)


def _diff_line(d: Diff, width: int) -> str:
    """``  field: old → new``; each value cut to half of what ``width`` leaves (0: no cut)."""
    old, new = (" ".join(v.split()) or "—" for v in (d.old, d.new))
    if width:
        room = max(8, (width - len(d.field) - 8) // 2)
        old, new = (v if len(v) <= room else v[: room - 1] + "…" for v in (old, new))
    return f"  {d.field}: {old} {_arrow()} {new}"


def _arrow() -> str:
    """→ where the output can show it; -> in a code page without it (cp1251, cp866)."""
    try:
        "→—".encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"


def _exit_code(results: list[UpdateResult]) -> ExitCode:
    statuses = {r.status for r in results}
    if Status.CONFLICT in statuses:
        return ExitCode.CONFLICT
    failed = [r for r in results if not r.ok]
    if not failed:
        return ExitCode.OK
    if len(failed) == len(results) and all(r.error for r in failed):
        return ExitCode.BAD_INPUT
    return ExitCode.PARTIAL


# -- the commands ----------------------------------------------------------------------------------
def _command(name: str, help_text: str, verb: Callable[..., Change], extra: list[Callable[[F], F]] | None = None,
             *, responsible_filter: str = "--responsible") -> click.Command:
    def body(ctx: click.Context, app: App, **values: Any) -> None:
        _run(ctx, app, verb(**{k: values.pop(k) for k in list(values) if k.startswith("new_")}), values)

    body.__doc__ = help_text
    fn: Any = _targets_options(body, responsible_filter=responsible_filter)
    for option in reversed(extra or []):
        fn = option(fn)
    return click.command(name)(fn)


def _reschedule(new_start: datetime, new_end: datetime | None) -> Change:
    return Change(start=new_start, end=new_end, keep_duration=new_end is None)


UPDATE_COMMANDS: tuple[click.Command, ...] = (
    _command("update", """Change events: --set FIELD=VALUE for one event, a --file of changes, or a filter.

    Every change is read, compared and written with 1C's DataVersion checked: an event changed
    in 1C meanwhile is a conflict and keeps 1C's value (exit 12). A change that already holds is
    unchanged, so a re-run changes nothing. Exit 0 when every event is done, 9 when some failed,
    13 when no target was valid.""", lambda: Change()),
    _command("complete", """Mark planned events completed (state Завершено).

    Family C (УТ 11 / КА 2 / ERP) keeps no state: an interaction that already reads as completed is
    unchanged, a planned one is refused with what completes it (the call or meeting entered with it
    as the basis).""", lambda: Change(state=EventState.COMPLETED)),
    _command("cancel", """Mark events cancelled (state Отменено).

    Family C keeps no state: refused there (mark-deleted an interaction that did not take place).""",
             lambda: Change(state=EventState.CANCELLED)),
    _command("reschedule", "Move events to a new start; the end moves with it unless --end is given (family C: a "
             "call's moment, a meeting's dates, a planned interaction's due date in ПредметыПапкиВзаимодействий).",
             _reschedule, [click.option("--start", "new_start", type=DATE, required=True, help="The new start."),
                           click.option("--end", "new_end", type=DATE, help="The new end.")]),
    _command("reassign", "Hand events to another responsible (filter the current one with --of).",
             lambda new_responsible: Change(responsible=new_responsible),
             [click.option("--responsible", "new_responsible", required=True,
                           help="The new responsible: a name (prefix) or a reference.")],
             responsible_filter="--of"),
    _command("mark-deleted", "Mark events for deletion (never deleted physically; a posted one is unposted).",
             lambda: Change(deleted=True)),
    _command("unmark", "Take the deletion mark off events (they stay unposted).", lambda: Change(deleted=False)),
)

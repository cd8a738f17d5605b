"""``events create`` and ``events import``: writing events, exactly once per row."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from click.core import ParameterSource

from ..counterparties.callers import match_caller, match_phones
from ..create import EventWriter, Ledger, RowResult, Summary, outcome_of, read_rows
from ..create.interaction import PhoneBook
from ..create.spec import single_event_values
from ..errors import AmbiguousError, NoMatchError, ValidationError
from ..local.inputs import COLUMNS, InputRow
from .app import App, pass_app
from .exitcodes import exit_code_of
from .output import OutputFile, emit, format_option
from .progress import progress as progress_line

__all__ = ["create_cmd", "import_events_cmd"]

F = TypeVar("F", bound=Callable[..., Any])

RESULT_COLUMNS = [("line", "line"), ("status", "status"), ("number", "number"), ("ref", "ref"),
                  ("external_id", "external_id"), ("message", "message")]


def _ledger_options(fn: F) -> F:
    fn = click.option("--id-namespace", default="", show_default=False, metavar="TEXT",
                      help="Scope of external_id values (e.g. 'pbx'), when several sources share ids.")(fn)
    fn = click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
                      envvar="ONEC_LEDGER",
                      help="The SQLite ledger (env ONEC_LEDGER; default "
                           "$XDG_DATA_HOME/onec-history/ledger.sqlite).")(fn)
    return fn


def _writer(app: App, ledger_path: Path | None, *, jobs: int, id_namespace: str,
            defaults: dict[str, Any] | None = None) -> EventWriter:
    ledger = Ledger(app.ledger_location(ledger_path), app.history().base.key)
    return EventWriter(app.history(), ledger, jobs=jobs, id_namespace=id_namespace, server_tz=app.server_tz(),
                       defaults=defaults)


@contextmanager
def _quiet_retries(app: App) -> Iterator[None]:
    """Retries are routine in a batch and the summary accounts for every row: show them only with -v."""
    logger = logging.getLogger("onec_history.transport")
    previous = logger.level
    if not app.verbose:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


# -- events create -----------------------------------------------------------------------------------
@click.command("create")
@click.option("--counterparty", help="The client: a name (prefix), code, ИНН or reference.")
@click.option("--caller", help="An unregistered client as free text (instead of --counterparty).")
@click.option("--phone", help="The caller's number (instead of --counterparty): the counterparty with this phone; "
              "nobody with it is, in families A and C, a caller kept as text.")
@click.option("--contact", help="Family C: one of the client's contact persons, by name (the call's subscriber, "
              "the meeting's participant).")
@click.option("--kind", required=True,
              help="call, meeting, email, letter, sms, record, other — or 1C's name (ТелефонныйЗвонок, …); "
                   "family C writes call, meeting and planned.")
@click.option("--direction", help="incoming or outgoing (Входящее / Исходящее).")
@click.option("--state", help="planned, completed or cancelled (or 1C's name).")
@click.option("--start", help="When it began (default: now; then the same command the same day is one event). "
              "YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM.")
@click.option("--end", help="When it ended.")
@click.option("--duration", help="Instead of --end: seconds, MM:SS or HH:MM:SS.")
@click.option("--subject", help="The subject (УТ 10.3: up to 200 characters).")
@click.option("--body", help="The content.")
@click.option("--comment", help="A comment (family A).")
@click.option("--responsible", help="The responsible user/employee: a name (prefix) or reference.")
@click.option("--basis", help="The basis document: Document_X(guid'…'), a reference, or a type and number "
              "(«Событие 276»).")
@click.option("--post", is_flag=True, help="Post the event after creating it (family A; interactions of family C "
              "cannot be posted).")
@click.option("--external-id", help="Your id for this event: repeating the command never creates a second one.")
@_ledger_options
@click.option("--dry-run", is_flag=True, help="Send nothing; print the body that would be sent.")
@format_option(choices=("table", "json"))
@pass_app
@click.pass_context
def create_cmd(ctx: click.Context, app: App, counterparty: str | None, caller: str | None, phone: str | None,
               contact: str | None, kind: str,
               direction: str | None, state: str | None, start: str | None, end: str | None,
               duration: str | None, subject: str | None, body: str | None, comment: str | None,
               responsible: str | None, basis: str | None, post: bool, external_id: str | None,
               ledger_path: Path | None, id_namespace: str, dry_run: bool, fmt: str) -> None:
    """Create one event; prints its reference. Repeating the same command creates nothing new."""
    kept_phone: str | None = None
    if phone and app.history().profile.documents:  # family C: partners and contact persons keep the phones
        counterparty, caller, contact, kept_phone = _interaction_caller_of(app, phone, counterparty, caller, contact)
    elif phone:
        counterparty, caller = _caller_of(app, phone, counterparty, caller)
    given = {"counterparty": counterparty, "caller": caller, "contact": contact, "phone": kept_phone,
             "kind": kind, "direction": direction,
             "state": state, "start": start, "end": end, "duration": duration, "subject": subject, "body": body,
             "comment": comment, "responsible": responsible, "basis": basis, "external_id": external_id}
    # Without --start the event starts now, and its identity is the command and the day (README).
    values = single_event_values(given, datetime.now())
    if post:
        values["post"] = "true"
    writer = _writer(app, ledger_path, jobs=1, id_namespace=id_namespace)
    with _quiet_retries(app), writer.ledger:
        summary = writer.import_rows([InputRow(0, values)], dry_run=dry_run)
    result = summary.results[0]
    if fmt == "json":
        row = result.as_dict(with_body=dry_run)
        row.pop("line", None)
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
    elif dry_run:
        if result.body is not None:  # a row that failed validation has no body: the error says why
            click.echo(json.dumps(result.body, ensure_ascii=False, indent=2))
    elif result.ref:
        click.echo(result.ref)
    if result.ok and not dry_run:
        what = "Created" if result.status.value == "created" else "Already present"
        parts = (what + ":", result.entity_set or writer.event_set, result.number, result.ref, result.message)
        app.note(" ".join(p for p in parts if p))
    elif not result.ok:
        click.echo(f"Error: {result.message}", err=True)
    ctx.exit(int(exit_code_of(outcome_of(result), result.exc)))


def _caller_of(app: App, phone: str, counterparty: str | None, caller: str | None) -> tuple[str | None, str | None]:
    """(--counterparty, --caller) for ``--phone``: the counterparty with that number, or the number as
    a caller's text (family A); nobody usable or several is an error (exit 6 / 11)."""
    if counterparty or caller:
        raise click.UsageError("Give one of --counterparty, --caller and --phone.")
    match = match_caller(app.history(), phone)
    if match.counterparty is not None:
        return match.counterparty.ref, None
    if match.caller is not None:
        return None, match.caller
    if match.ambiguous:
        raise AmbiguousError(match.error or phone, candidates=match.candidates,
                             hint="Give the counterparty with --counterparty (its code or reference).")
    raise NoMatchError(match.error or phone, hint="Search with 'onec-history counterparties search --phone NUMBER'.")


def _interaction_caller_of(app: App, phone: str, counterparty: str | None, caller: str | None,
                           contact: str | None) -> tuple[str | None, str | None, str | None, str]:
    """Family C: (--counterparty, --caller, --contact, the number the call keeps) for ``--phone``: the
    partner (and the contact person) with that number, or the number as an unregistered caller."""
    if counterparty or caller:
        raise click.UsageError("Give one of --counterparty, --caller and --phone.")
    found = PhoneBook(app.history()).match(phone)
    if found.ambiguous:
        raise AmbiguousError(found.error or phone, hint="Give the counterparty with --counterparty (and --contact).")
    if found.error:
        raise ValidationError(found.error, field="phone", hint="Give the number with at least 5 digits.")
    values = PhoneBook.values_of(found)
    return values.get("counterparty"), values.get("caller"), contact or values.get("contact"), found.phone


# -- events import -----------------------------------------------------------------------------------
def _parse_defaults(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in COLUMNS:
            raise click.BadParameter(f"{item!r}: expected COLUMN=VALUE with one of {', '.join(COLUMNS)}",
                                     param_hint="--set")
        out[key] = value
    return out


def _report_format(ctx: click.Context, fmt: str, report: Path | None) -> str:
    if report is None or ctx.get_parameter_source("fmt") is not ParameterSource.DEFAULT:
        return fmt
    suffix = report.suffix.lower().lstrip(".")
    return suffix if suffix in ("csv", "jsonl", "json") else "csv"


def _write_results(summary: Summary, fmt: str, out: IO[str], *, dry_run: bool, documents: bool = False) -> None:
    """``documents``: family C, where each row names the interaction document it was written to."""
    if dry_run and fmt == "table":
        for r in summary.results:
            out.write(f"line {r.line}: {r.status.value}" + (f" — {r.message}" if r.message else "") + "\n")
            if r.body is not None:
                out.write(json.dumps(r.body, ensure_ascii=False, indent=2) + "\n")
        return
    rows = (r.as_dict(with_body=dry_run and fmt in ("json", "jsonl")) for r in summary.results)
    columns: list[tuple[str, str]] | None = None
    shown = [*RESULT_COLUMNS[:2], ("document", "document"), *RESULT_COLUMNS[2:]] if documents else RESULT_COLUMNS
    if fmt == "table":
        columns = shown
    elif fmt == "csv":
        columns = [*shown, ("error", "error"), ("field", "field")]
    emit(rows, fmt, columns=columns, out=out)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--input-format", type=click.Choice(["csv", "jsonl"]),
              help="Default: from the file's extension, else from its content (JSONL when it starts with '{').")
@click.option("--encoding", help="CSV encoding (utf-8, cp1251, utf-16); default: detected.")
@click.option("-j", "--jobs", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Requests in flight at once (1C is the slow side: spare it).")
@click.option("--post", is_flag=True, help="Post every event (family A); a 'post' column decides per row.")
@click.option("--set", "set_values", multiple=True, metavar="COLUMN=VALUE",
              help="A value for rows that leave COLUMN empty, e.g. --set kind=call (repeatable).")
@click.option("--ignore-unknown-columns", is_flag=True, help="Ignore columns that are not documented.")
@click.option("--dry-run", is_flag=True, help="Validate and resolve everything; send nothing; show the bodies.")
@click.option("--fail-fast", is_flag=True, help="Send nothing if any row is invalid; stop at the first failed write.")
@click.option("--report", type=OutputFile(),
              help="Write the per-row results here (csv/jsonl/json by extension) instead of stdout.")
@_ledger_options
@format_option()
@pass_app
@click.pass_context
def import_events_cmd(ctx: click.Context, app: App, file: str, input_format: str | None, encoding: str | None,
                      jobs: int, post: bool, set_values: tuple[str, ...], ignore_unknown_columns: bool,
                      dry_run: bool, fail_fast: bool, report: Path | None, ledger_path: Path | None,
                      id_namespace: str, fmt: str) -> None:
    """Create events from a CSV or JSONL FILE (- for stdin), exactly once per row.

    Every row is validated — columns, dates, kinds, clients, lengths — before anything is sent.
    Re-running the same file creates nothing new; an interrupted run is completed by re-running
    it. Exit code 0 when every row succeeded, 9 when some failed, 13 when none was valid.
    """
    defaults = _parse_defaults(set_values)
    if post:
        defaults["post"] = "true"
    rows = read_rows(file, fmt=input_format, encoding=encoding, allow_unknown=ignore_unknown_columns,
                     stream=sys.stdin.buffer if file == "-" else None)
    writer = _writer(app, ledger_path, jobs=jobs, id_namespace=id_namespace, defaults=defaults)
    phone = defaults.pop("phone", None)
    if phone:  # --set phone=…: every row without one of its own calls from it
        rows = (InputRow(r.line, {"phone": phone, **r.values}, r.error) for r in rows)
    # The column 'phone': the counterparty with that number (family C: the partner or contact person).
    family_c = bool(app.history().profile.documents)
    rows = PhoneBook(app.history()).rows(rows) if family_c else match_phones(app.history(), rows)
    with progress_line("import", unit="rows", quiet=app.quiet) as bar:

        def started(n: int) -> None:
            bar.set_total(n or None)

        def progressed(_: RowResult) -> None:
            bar.advance(1)

        with _quiet_retries(app), writer.ledger:
            summary = writer.import_rows(rows, source=str(Path(file).name) if file != "-" else "-",
                                         dry_run=dry_run, fail_fast=fail_fast, on_result=progressed,
                                         on_prepared=started)
    out_fmt = _report_format(ctx, fmt, report)
    if report is not None:
        with report.open("w", encoding="utf-8", newline="") as fh:
            _write_results(summary, out_fmt, fh, dry_run=dry_run, documents=family_c)
    else:
        _write_results(summary, out_fmt, sys.stdout, dry_run=dry_run, documents=family_c)
    app.note(summary.describe() + (" (dry run: nothing was sent)" if dry_run else ""))
    ctx.exit(int(exit_code_of(summary.outcome)))

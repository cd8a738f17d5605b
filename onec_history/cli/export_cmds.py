"""``events export`` (streaming, incremental, for cron) and the ``report`` group."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from ..export import FORMATS, CsvOptions, ExportOptions, run_export
from ..reports import compute as rep
from .app import App, pass_app
from .exitcodes import ExitCode, exit_code_of
from .output import emit
from .params import DATE, UNTIL, build_filter, event_filter_options, resolve_client

__all__ = ["events_export", "report"]

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """cron and systemd stop jobs with SIGTERM: turn it into KeyboardInterrupt so cleanup runs."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. inside a test runner's worker): nothing to do
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """A running count on stderr for a person at a terminal (the total is not known in advance)."""

    def __init__(self) -> None:
        self.done = 0
        self._shown = 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown >= 0.2:
            self._shown = now
            sys.stderr.write(f"\rexporting… {self.done} events")
            sys.stderr.flush()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")  # erase the counter line; the summary follows
            sys.stderr.flush()


def _progress(quiet: bool) -> contextlib.AbstractContextManager[_Progress | None]:
    if quiet or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return _Progress()


@click.command("export")
@click.option("--counterparty", "client", help="Only this client: name prefix, code, ИНН or reference.")
@event_filter_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv, jsonl (one JSON object a line) or xlsx (Excel, written in streaming mode).")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write (replaced atomically when the export is complete); - for stdout.")
@click.option("--excel", is_flag=True, help="CSV for Excel in a Russian locale: UTF-8 BOM and ';'.")
@click.option("--bom/--no-bom", default=None, help="Start the CSV with a UTF-8 BOM (Excel needs it for Cyrillic).")
@click.option("-d", "--delimiter", type=click.Choice([",", ";", "\t", "|"]), help="CSV field separator.")
@click.option("--headings", type=click.Choice(["keys", "ru"]), default="keys", show_default=True,
              help="Column headings of CSV/XLSX: stable keys (client, client_ref, …) or Russian labels.")
@click.option("--state-file", "state_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Incremental: remember what was exported here; the next run exports only new, changed "
                   "and deleted events (column 'change').")
@click.option("--lock", "lock_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Lock file against overlapping runs (default: STATE_FILE.lock, or OUTPUT.lock).")
@click.option("--quiet", "local_quiet", is_flag=True, help="No summary line on stderr.")
@pass_app
@click.pass_context
def events_export(ctx: click.Context, app: App, client: str | None, since: datetime | None, until: datetime | None,
                  kind: str | None, state: str | None, direction: str | None, responsible: str | None, fmt: str,
                  output: str, excel: bool, bom: bool | None, delimiter: str | None, headings: str,
                  state_path: Path | None, lock_path: Path | None, local_quiet: bool) -> None:
    """Export events of a period for a data warehouse or Excel, streamed page by page.

    Exit codes for cron: 0 done, 10 nothing new (with --state-file), 9 done but some names could not
    be read, 14 another run holds the lock; errors as for every command. One summary line goes
    to stderr (--quiet: none).
    """
    if fmt == "xlsx" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE.xlsx")
    if output != "-" and not Path(output).resolve().parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="--output")
    csv_options = CsvOptions.excel() if excel else CsvOptions()
    csv_options = CsvOptions(delimiter=delimiter or csv_options.delimiter,
                             bom=csv_options.bom if bom is None else bom)
    history = app.history()
    cp = resolve_client(ctx, history, client).ref if client else None
    flt = build_filter(history, counterparty=cp, since=since, until=until, kind=kind, state=state,
                       direction=direction, responsible=responsible)
    options = ExportOptions(fmt=fmt, csv=csv_options, headings=headings)
    quiet = local_quiet or app.quiet
    with _sigterm_as_interrupt(), _progress(quiet) as bar:
        result = run_export(history, flt, sys.stdout.buffer if output == "-" else output, options=options,
                            state_path=state_path, lock_path=lock_path,
                            progress=bar.update if bar is not None else None)
    if not quiet:
        click.echo(result.summary(), err=True)
    if result.names_unavailable and not quiet:
        click.echo(f"Names could not be read from {', '.join(result.names_unavailable)}: references "
                   "were exported instead.", err=True)
    code = exit_code_of(result.outcome)
    if code is not ExitCode.OK:
        ctx.exit(int(code))


# -- reports ----------------------------------------------------------------------------------------
REPORT_FORMATS = ("table", "csv", "json")


def _report_options(fn: F) -> F:
    """``--format`` and ``--as-of`` shared by the reports."""
    fn = click.option("--as-of", "as_of", type=DATE,
                      help="Compute as of this moment instead of now (for reproducible reports).")(fn)
    return click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="table", show_default=True,
                        help="table for people; csv or json for scripts.")(fn)


def _mirror_option(fn: F) -> F:
    return click.option("--from-mirror", "mirror_url", envvar="ONEC_MIRROR_DB", metavar="URL",
                        help="Read a mirror database made by 'onec-history mirror' instead of 1C "
                             "(env ONEC_MIRROR_DB): the same report, no request to 1C.")(fn)


def _report_source(app: App, mirror_url: str | None) -> tuple[rep.Source, Callable[[str], str]]:
    """The source to read and how to turn a user's name into a reference there."""
    if mirror_url:
        from ..mirror.source import MirrorSource

        mirror = MirrorSource(mirror_url)
        click.get_current_context().call_on_close(mirror.close)
        synced = mirror.m.synced_at()
        # A mirror is only as current as its last run: say how old the figures are.
        app.note(f"From the mirror, synced {synced:%d.%m.%Y %H:%M}" if synced else "From the mirror (never synced)")
        return mirror, mirror.find_user
    history = app.history()
    return history, history.find_user


@click.group()
def report() -> None:
    """Reports for managers: inactive buyers, overdue events, activity, the sales funnel.

    With --from-mirror URL (or ONEC_MIRROR_DB) a report reads a local mirror instead of 1C.
    """


@report.command("inactive")
@click.option("--days", type=click.IntRange(min=1), required=True, help="No completed event for this many days.")
@click.option("--manager", help="Only buyers of this manager (name prefix or reference).")
@click.option("--lookback", type=click.IntRange(min=1), default=365, show_default=True,
              help="Look this many days further back for the date of the last completed event.")
@_report_options
@_mirror_option
@pass_app
def inactive_cmd(app: App, days: int, manager: str | None, lookback: int, fmt: str, as_of: datetime | None,
                 mirror_url: str | None) -> None:
    """Buyers nobody has completed an event with for N days, per manager, with the next planned event."""
    source, find_user = _report_source(app, mirror_url)
    manager_ref = find_user(manager) if manager else None
    rows = rep.inactive(source, days=days, manager=manager_ref, lookback_days=lookback, now=as_of)
    _emit_report(app, rows, fmt, rep.INACTIVE_COLUMNS, "buyers without a completed event")


@report.command("overdue")
@click.option("--responsible", help="Only this responsible (name prefix or reference).")
@_report_options
@_mirror_option
@pass_app
def overdue_cmd(app: App, responsible: str | None, fmt: str, as_of: datetime | None, mirror_url: str | None) -> None:
    """Planned events whose start has passed, per responsible."""
    source, find_user = _report_source(app, mirror_url)
    ref = find_user(responsible) if responsible else None
    rows = rep.overdue(source, responsible=ref, now=as_of)
    _emit_report(app, rows, fmt, rep.OVERDUE_COLUMNS, "overdue events")


@report.command("activity")
@click.option("--by", type=click.Choice(["manager", "kind", "week"]), default="manager", show_default=True)
@click.option("--since", type=DATE, help="From this date (default: 30 days ago).")
@click.option("--until", type=UNTIL, help="Up to this date, a bare date included (default: now).")
@_report_options
@_mirror_option
@pass_app
def activity_cmd(app: App, by: str, since: datetime | None, until: datetime | None, fmt: str,
                 as_of: datetime | None, mirror_url: str | None) -> None:
    """Completed events: count, total and average duration, by manager, kind or week."""
    source, _ = _report_source(app, mirror_url)
    rows = rep.activity(source, by=by, since=since, until=until, now=as_of)
    _emit_report(app, rows, fmt, rep.ACTIVITY_COLUMNS, "groups")


@report.command("funnel")
@click.option("--since", type=DATE, required=True, help="First incoming events from this date.")
@click.option("--until", type=UNTIL, required=True, help="Up to this date (a bare date includes the whole day).")
@click.option("--horizon", type=click.IntRange(min=0), default=90, show_default=True,
              help="Days after --until in which orders and deliveries still count.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="table", show_default=True,
              help="table for people; csv or json for scripts.")
@_mirror_option
@pass_app
def funnel_cmd(app: App, since: datetime, until: datetime, horizon: int, fmt: str, mirror_url: str | None) -> None:
    """First incoming event → order → delivery: conversion at each step and median lead time.

    Built on the bulk chain graph: one paged pass per linked document set for the period.
    """
    source, _ = _report_source(app, mirror_url)
    rows = rep.funnel(source, since=since, until=until, horizon_days=horizon)
    _emit_report(app, rows, fmt, rep.FUNNEL_COLUMNS, "steps")


def _emit_report(app: App, rows: list[dict[str, Any]], fmt: str, columns: list[tuple[str, str]], what: str) -> None:
    n = emit(rows, fmt, columns=columns)
    if fmt == "table":
        app.note(f"{n} {what}")

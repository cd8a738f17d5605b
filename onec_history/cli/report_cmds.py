"""The ``report`` group: inactive buyers, overdue events, activity, the sales funnel.

Each report reads 1C or, with ``--from-mirror``, a mirror database; the figures are computed in
``reports/compute.py`` either way. A mirror whose tables the report needs were not completely synced
by their last run is refused (exit 9), or read with a loud warning under ``--allow-partial``.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from ..exitcodes import ExitCode
from ..history import History
from ..profiles import Family
from ..reports import compute as rep
from ..reports.layout import DEFAULT_ACTIVITY_DAYS, Column, Period, Sheet, activity_period, sheet_for
from ..reports.sources import NEEDS
from ..reports.writers import write_csv, xlsx_bytes
from . import output as out
from .app import App, pass_app
from .many import ALL
from .output import emit, output_file, plain
from .params import DATE, UNTIL
from .progress import progress as progress_line
from .report_table import render_table

__all__ = ["report"]

F = TypeVar("F", bound=Callable[..., Any])

REPORT_FORMATS = ("table", "csv", "xlsx", "json", "jsonl")
_BY_EXTENSION = {".csv": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "jsonl"}


def _format_options(fn: F) -> F:
    """``--format`` and ``--excel`` shared by the reports."""
    fn = click.option("--excel", is_flag=True,
                      help="CSV for Excel on a Russian Windows: UTF-8 BOM, ';' between fields, CRLF, the title "
                           "and period in the first line (implies --format csv; with xlsx it changes nothing).")(fn)
    return click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default=None,
                        help="table for people (the default; with -o FILE the file's extension .csv, .xlsx, "
                             ".json or .jsonl picks the format); csv or xlsx for Excel, with Russian numbers and "
                             "dates; json or jsonl for scripts (numbers, ISO dates, stable identifiers).")(fn)


def _report_options(fn: F) -> F:
    """``--format``, ``--excel`` and ``--as-of`` shared by the reports."""
    fn = click.option("--as-of", "as_of", type=DATE,
                      help="Compute as of this moment instead of now (for reproducible reports).")(fn)
    return _format_options(fn)


def _mirror_option(fn: F) -> F:
    fn = click.option("--allow-partial", is_flag=True,
                      help="With --from-mirror: report even when a table the report reads was not completely "
                           "synced (a killed mirror run), with a warning on stderr and \"partial\": true in "
                           "JSON. Without it such a mirror is refused (exit 9).")(fn)
    return click.option("--from-mirror", "mirror_url", envvar="ONEC_MIRROR_DB", metavar="URL",
                        help="Read a mirror database made by 'onec-history mirror' instead of 1C "
                             "(env ONEC_MIRROR_DB): the same report, no request to 1C.")(fn)


@dataclass
class _Partial:
    """What a report read from an incomplete mirror must say about itself."""

    gaps: list[str]
    tables: list[str]
    synced_at: datetime | None

    def as_json(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"partial": True, "incomplete_tables": self.tables,
                "warning": "the mirror is incomplete: " + "; ".join(self.gaps),
                "synced_at": self.synced_at, "rows": rows}


def _report_source(app: App, mirror_url: str | None, report_name: str, allow_partial: bool = False,
                   base: str | None = None) -> tuple[rep.Source, Callable[[str], str], _Partial | None]:
    """The source to read, how to turn a user's name into a reference there, and what is partial;
    ``base``: the base of a mirror holding several."""
    if mirror_url:
        from ..mirror.source import MirrorSource

        mirror = MirrorSource(mirror_url, needs=NEEDS[report_name], allow_partial=allow_partial, base=base)
        click.get_current_context().call_on_close(mirror.close)
        # A mirror is only as current as its last complete run: say how old the figures are.
        synced = mirror.synced_at
        whose = f" (base {mirror.m.base})" if base else ""
        if not mirror.gaps:
            app.note(f"From the mirror{whose}, synced {synced:%d.%m.%Y %H:%M}" if synced else f"From the mirror{whose}")
            return mirror, mirror.find_user, None
        when = (f"last complete sync {synced:%d.%m.%Y %H:%M}" if synced
                else "never completely synced" if mirror.state.known else "completeness unknown")
        # Loud, and whatever -q says: these figures are not what 1C holds.
        click.echo(f"WARNING: PARTIAL DATA — the mirror {mirror.m.url}{whose} is incomplete ({when}): "
                   + "; ".join(mirror.gaps) + f". This report reads only what it holds (--allow-partial); run "
                   f"`onec-history mirror --db {mirror.m.url}` again to complete it.", err=True)
        return mirror, mirror.find_user, _Partial(mirror.gaps, mirror.gap_tables, synced)
    history = app.history()
    return history, history.find_user, None


def _output_option(fn: Any) -> Any:
    return click.option("-o", "--output", default="-", show_default=True,
                        help="Write the report to this file (written whole or not at all; its extension picks the "
                             "format when --format is not given); - for stdout.")(fn)


@click.group()
def report() -> None:
    """Reports for managers: inactive buyers, overdue events, activity, the sales funnel.

    With --from-mirror URL (or ONEC_MIRROR_DB) a report reads a local mirror instead of 1C — only
    when the tables it needs were completely synced by their last run (exit 9 otherwise, or a
    loud warning with --allow-partial).
    """


@report.command("inactive")
@click.option("--days", type=click.IntRange(min=1), required=True, help="No completed event for this many days.")
@click.option("--manager", help="Only buyers of this manager (name prefix or reference).")
@click.option("--lookback", type=click.IntRange(min=1), default=365, show_default=True,
              help="Look this many days further back for the date of the last completed event.")
@_report_options
@_mirror_option
@_output_option
@pass_app
def inactive_cmd(app: App, days: int, manager: str | None, lookback: int, fmt: str | None, excel: bool,
                 as_of: datetime | None, mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """Buyers nobody has completed an event with for N days, per manager, with the next planned event."""
    fmt = _resolve_format(fmt, excel, output)
    now = _moment(as_of)

    def make(source: rep.Source, find_user: Callable[[str], str]) -> Sheet:
        manager_ref = find_user(manager) if manager else None
        rows = rep.inactive(source, days=days, manager=manager_ref, lookback_days=lookback, now=now)
        if _family(source) is Family.C:
            app.note("Family C: a counterparty's contacts are the interactions with its partner and the partner's "
                     "contact persons; a partner with several counterparties gives each of them the same contacts. "
                     "Buyers are counterparties whose partner is a client; the manager is the partner's.")
        return _sheet("inactive", rows, Period(now, now - timedelta(days=days), now), source, days=days)

    _run(app, mirror_url, "inactive", allow_partial, make, fmt, excel, "buyers without a completed event", output)


@report.command("overdue")
@click.option("--responsible", help="Only this responsible (name prefix or reference).")
@_report_options
@_mirror_option
@_output_option
@pass_app
def overdue_cmd(app: App, responsible: str | None, fmt: str | None, excel: bool, as_of: datetime | None,
                mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """Planned events whose start has passed, per responsible."""
    fmt = _resolve_format(fmt, excel, output)
    now = _moment(as_of)

    def make(source: rep.Source, find_user: Callable[[str], str]) -> Sheet:
        ref = find_user(responsible) if responsible else None
        rows = rep.overdue(source, responsible=ref, now=now)
        if _family(source) is Family.C:
            app.note("Family C: a planned interaction is due on its РассмотретьПосле (one already reviewed is not "
                     "pending); the client shown is the partner the interaction names.")
        return _sheet("overdue", rows, Period(now, None, now), source)

    _run(app, mirror_url, "overdue", allow_partial, make, fmt, excel, "overdue events", output)


@report.command("activity")
@click.option("--by", type=click.Choice(["manager", "kind", "week"]), default="manager", show_default=True)
@click.option("--since", type=DATE, help=f"From this date (default: {DEFAULT_ACTIVITY_DAYS} days before --until).")
@click.option("--until", type=UNTIL, help="Up to this date, a bare date included (default: now).")
@_report_options
@_mirror_option
@_output_option
@pass_app
def activity_cmd(app: App, by: str, since: datetime | None, until: datetime | None, fmt: str | None, excel: bool,
                 as_of: datetime | None, mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """Completed events: count, total and average duration, by manager, kind or week.

    Without --since the period is the 30 days up to --until (or now), and the report says so.
    """
    fmt = _resolve_format(fmt, excel, output)
    now = _moment(as_of)
    period = activity_period(since, until, now)
    if period.default_days is not None:
        app.note(f"Period: {period.words()} (the default without --since; give --since and --until for another)")

    def make(source: rep.Source, _find_user: Callable[[str], str]) -> Sheet:
        rows = rep.activity(source, by=by, since=period.since, until=period.until, now=now)
        return _sheet("activity", rows, period, source, by=by)

    _run(app, mirror_url, "activity", allow_partial, make, fmt, excel, "groups", output)


@report.command("funnel")
@click.option("--since", type=DATE, required=True, help="First incoming events from this date.")
@click.option("--until", type=UNTIL, required=True, help="Up to this date (a bare date includes the whole day).")
@click.option("--horizon", type=click.IntRange(min=0), default=90, show_default=True,
              help="Days after --until in which orders and deliveries still count.")
@_format_options
@_mirror_option
@_output_option
@pass_app
def funnel_cmd(app: App, since: datetime, until: datetime, horizon: int, fmt: str | None, excel: bool,
               mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """First incoming event → order → delivery: conversion at each step and median lead time.

    Built on the bulk chain graph: one paged pass per linked document set for the period.
    """
    fmt = _resolve_format(fmt, excel, output)

    def make(source: rep.Source, _find_user: Callable[[str], str]) -> Sheet:
        rows = rep.funnel(source, since=since, until=until, horizon_days=horizon)
        if _family(source) is Family.C:
            app.note("Family C: interactions reach customer orders through their deal (the interaction's subject), "
                     "sales through the order or the deal.")
        return _sheet("funnel", rows, Period(_moment(None), since, until), source, horizon=horizon)

    _run(app, mirror_url, "funnel", allow_partial, make, fmt, excel, "steps", output)


def _run(app: App, mirror_url: str | None, name: str, allow_partial: bool,
         make: Callable[[rep.Source, Callable[[str], str]], Sheet], fmt: str, excel: bool, what: str,
         output: str) -> None:
    """One report: from 1C or a mirror's base, or with --base all from every base a mirror holds, one
    sheet with the base as its first column (the union of the bases' own reports)."""
    if app.base != ALL:
        source, find_user, partial = _report_source(app, mirror_url, name, allow_partial, base=app.base)
        if isinstance(source, History):
            # What 1C is asked, counted: a report's passes can take minutes on a big base.
            stats = source.client.transport.stats
            with progress_line(f"report {name}", unit="requests", quiet=app.quiet) as bar:
                stats.listener = bar.advance
                try:
                    sheet = make(source, find_user)
                finally:
                    stats.listener = None
        else:
            sheet = make(source, find_user)
        _emit_report(app, sheet, fmt, excel, what, partial, output=output)
        return
    if not mirror_url:
        raise click.UsageError("--base all reports on every base a mirror holds: add --from-mirror URL "
                               "(made by 'onec-history --base all mirror --db URL'), or name one base.")
    from ..errors import OnecError
    from ..mirror.reader import MirrorReader

    sheets: list[tuple[str, Sheet]] = []
    gaps: list[_Partial] = []
    failed: list[tuple[str, OnecError]] = []
    for base in (b["base"] for b in MirrorReader.bases(mirror_url)):
        try:
            source, find_user, partial = _report_source(app, mirror_url, name, allow_partial, base=base)
            sheets.append((base, make(source, find_user)))
        except OnecError as exc:
            failed.append((base, exc))
            continue
        if partial is not None:
            gaps.append(_Partial([f"{base}: {g}" for g in partial.gaps], [f"{base}.{t}" for t in partial.tables],
                                 partial.synced_at))
    for base, problem in failed:
        click.echo(f"{base}: not in this report — {problem.explain()}", err=True)
    if not sheets:
        raise failed[0][1]
    first = sheets[0][1]
    combined = Sheet(first.name, first.title, first.sheet_name,
                     [Column("base", "База", fit="name"), *first.columns],
                     [{"base": base, **row} for base, sheet in sheets for row in sheet.rows], first.period,
                     group=None, totals=first.totals)
    partial = _Partial([g for p in gaps for g in p.gaps], [t for p in gaps for t in p.tables],
                       min((p.synced_at for p in gaps if p.synced_at), default=None)) if gaps else None
    _emit_report(app, combined, fmt, excel, what, partial, output=output)
    if failed:
        click.get_current_context().exit(int(ExitCode.PARTIAL))


def _family(source: rep.Source) -> Family:
    return source.profile.family if isinstance(source, History) else source.family


def _moment(as_of: datetime | None) -> datetime:
    """The report's moment: ``--as-of``, or now (to the second: it is printed and written to JSON)."""
    return as_of or datetime.now().replace(microsecond=0)


def _sheet(name: str, rows: list[dict[str, Any]], period: Period, source: rep.Source, **how: Any) -> Sheet:
    return sheet_for(name, rows, period, _family(source), **how)


def _resolve_format(fmt: str | None, excel: bool, output: str) -> str:
    """The format asked for, else the one ``--excel`` or the output file's extension implies, else a table;
    refused up front (exit 2) where it cannot be written, before anything is read from 1C."""
    if fmt is None:
        implied = _BY_EXTENSION.get(Path(output).suffix.lower()) if output != "-" else None
        fmt = implied or ("csv" if excel else "table")
    if excel and fmt not in ("csv", "xlsx"):
        raise click.UsageError(f"--excel writes CSV for Excel (UTF-8 BOM, ';', Russian numbers); it does not apply "
                               f"to --format {fmt}: drop --excel for {fmt}, or use --format csv or xlsx for Excel.")
    if output != "-" and not Path(output).parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="--output")
    if fmt == "xlsx" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("--format xlsx writes a workbook, which a terminal cannot show: give -o FILE.xlsx "
                               "(or redirect the output to a file).")
    return fmt


def _emit_report(app: App, sheet: Sheet, fmt: str, excel: bool, what: str, partial: _Partial | None = None, *,
                 output: str = "-") -> None:
    if fmt == "xlsx":
        _write_bytes(output, xlsx_bytes(sheet))
        n = len(sheet.rows)
    elif fmt == "table":
        text = render_table(sheet, None if output != "-" else out.terminal_width())
        with output_file(output) as stream:
            stream.write(text)
        n = len(sheet.rows)
    else:
        buffer = io.StringIO(newline="")
        if fmt == "csv":
            n = write_csv(sheet, buffer, excel=excel)
        elif partial is not None and fmt == "json":
            # Scripts must not take partial figures for whole ones: the rows come inside an object that says so.
            doc = {**partial.as_json(sheet.json_rows()), **sheet.period.as_json()}
            buffer.write(json.dumps(plain(doc), ensure_ascii=False, indent=2) + "\n")
            n = len(sheet.rows)
        else:
            rows = sheet.json_rows()
            n = emit([{**r, "partial": True} for r in rows] if partial is not None else rows, fmt, out=buffer)
        _write_text(output, buffer.getvalue())
    if output != "-":
        app.note(f"Written {output}")
    if fmt == "csv" and not excel:
        app.note(sheet.title)  # the file has no line for it: its first row is the headings
    if fmt == "table":
        app.note(f"{n} {what}" + (" (PARTIAL: the mirror is incomplete)" if partial is not None else ""))


def _write_text(output: str, text: str) -> None:
    """CSV and JSON in UTF-8 whatever the console's code page (a redirect on a Russian Windows would be cp1251)."""
    if output == "-" and not sys.stdout.isatty():
        _write_bytes(output, text.encode("utf-8"))
        return
    with output_file(output) as stream:
        stream.write(text)


def _write_bytes(output: str, data: bytes) -> None:
    """``data`` to stdout, or to ``output`` through a temporary file renamed when complete."""
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="--output")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)

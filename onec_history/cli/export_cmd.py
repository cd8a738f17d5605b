"""``events export``: events of a period to CSV, JSONL or XLSX, streamed, incremental, for cron.

The run itself is the library's (``export.run_export``); this command reads the options, turns
SIGTERM into Ctrl-C, shows the progress line at a terminal (cli/progress.py), says what an
interruption left and prints the summary.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ..export import FORMATS, CsvOptions, ExportOptions, run_export
from .app import App, pass_app
from .exitcodes import ExitCode, exit_code_of
from .interrupt import on_interrupt, sigterm_as_interrupt
from .params import build_filter, event_filter_options, resolve_client
from .progress import Progress, progress

__all__ = ["events_export"]


class _Counter:
    """The rows written so far (what the Ctrl-C message tells), fed to the progress line too."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.written = 0
        self.stage = ""

    def advance(self, n: int) -> None:
        if self.stage != "scanning":
            self.written += n
        self.bar.advance(n)

    def begin(self, label: str, total: int | None) -> None:
        self.stage = label
        self.bar.stage(label, total=total, unit="events")


def _interrupted(counter: _Counter, output: str, state_path: Path | None) -> str:
    """What a Ctrl-C (or cron's SIGTERM) leaves: the output, the state, what a rerun does."""
    rerun = ("Running the same command again starts this export over" +
             (" and exports every change since the last complete run." if state_path is not None else "."))
    state = f" The state file {state_path} is unchanged." if state_path is not None else ""
    if output == "-":
        return (f"{counter.written} events had been written to standard output: what received them holds an "
                f"incomplete export.{state} {rerun}")
    target = Path(output)
    kept = "is left as it was" if target.exists() else "was not created"
    return (f"{counter.written} events had been written to a temporary file, now removed; {output} {kept}."
            f"{state} {rerun}")


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
              help="A lock file of yours against overlapping runs, held besides the lock on the output and "
                   "the state that every run takes in the user's data folder (locks/).")
@click.option("--quiet", "local_quiet", is_flag=True, help="No summary line on stderr.")
@pass_app
@click.pass_context
def events_export(ctx: click.Context, app: App, client: str | None, since: datetime | None, until: datetime | None,
                  kind: str | None, state: str | None, direction: str | None, responsible: str | None, fmt: str,
                  output: str, excel: bool, bom: bool | None, delimiter: str | None, headings: str,
                  state_path: Path | None, lock_path: Path | None, local_quiet: bool) -> None:
    """Export events of a period for a data warehouse or Excel, streamed page by page.

    On УТ 11 / КА 2 / ERP the events are every published interaction document (calls, meetings,
    e-mails, SMS…), merged by date; the column document_type names each one's document.

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
    with sigterm_as_interrupt(), progress("export", unit="events", quiet=quiet) as bar:
        counter = _Counter(bar)
        with on_interrupt(lambda: _interrupted(counter, output, state_path)):
            result = run_export(history, flt, sys.stdout.buffer if output == "-" else output, options=options,
                                state_path=state_path, lock_path=lock_path, progress=counter.advance,
                                # the scan's total costs a $count per set: asked only for the progress line
                                on_stage=counter.begin, scan_total=bar.enabled)
    if not quiet:
        click.echo(result.summary(), err=True)
    if result.names_unavailable and not quiet:
        click.echo(f"Names could not be read from {', '.join(result.names_unavailable)}: references "
                   "were exported instead.", err=True)
    code = exit_code_of(result.outcome)
    if code is not ExitCode.OK:
        ctx.exit(int(code))

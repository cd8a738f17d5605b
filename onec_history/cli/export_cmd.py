"""``events export``: events of a period to CSV, JSONL or XLSX, streamed, incremental, for cron.

The run itself is the library's (``export.run_export``); this command reads the options, turns
SIGTERM into Ctrl-C, shows a running count at a terminal and prints the summary.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType

import click

from ..export import FORMATS, CsvOptions, ExportOptions, run_export
from .app import App, pass_app
from .exitcodes import ExitCode, exit_code_of
from .params import build_filter, event_filter_options, resolve_client

__all__ = ["events_export"]


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
        self._width = 0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown >= 0.2:
            self._shown = now
            text = f"exporting… {self.done} events"
            self._width = len(text)
            sys.stderr.write(f"\r{text}")
            sys.stderr.flush()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            # erase the counter line with spaces, not an ANSI sequence (a legacy Windows console prints those)
            sys.stderr.write("\r" + " " * self._width + "\r")
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

"""``events export``: events of a period to CSV, JSONL or XLSX, streamed, incremental, for cron.

The run itself is the library's (``export.run_export``); this command reads the options, turns
SIGTERM into Ctrl-C, shows the progress line at a terminal (cli/progress.py), says what an
interruption left and prints the summary.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..export import FORMATS, CsvOptions, ExportOptions, run_export
from .app import App, pass_app
from .exitcodes import ExitCode, exit_code_of
from .interrupt import on_interrupt, sigterm_as_interrupt
from .many import overall_code, run_per_base, selected_bases, summary_json, summary_table
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


_BY_EXTENSION = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _format_for(fmt: str | None, output: str) -> str:
    """The format asked for, else the one the output file's extension names, else CSV; a format that
    contradicts the extension is refused (a CSV named .xlsx is a file Excel will not open)."""
    implied = _BY_EXTENSION.get(Path(output).suffix.lower()) if output != "-" else None
    if fmt is None:
        return implied or "csv"
    if implied is not None and implied != fmt:
        raise click.UsageError(f"--format {fmt} does not go with {Path(output).name}, whose extension says "
                               f"{implied}: drop --format (the extension decides) or rename the file.")
    return fmt


def _csv_options(excel: bool, bom: bool | None, delimiter: str | None) -> CsvOptions:
    base = CsvOptions.excel() if excel else CsvOptions()
    return CsvOptions(delimiter=delimiter or base.delimiter, bom=base.bom if bom is None else bom, russian=base.russian)


@click.command("export")
@click.option("--counterparty", "client", help="Only this client: name prefix, code, ИНН or reference.")
@event_filter_options
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="csv, jsonl (one JSON object a line) or xlsx (Excel, written in streaming mode). "
                   "Default: from the extension of -o (.xlsx, .jsonl, .ndjson, .csv), else csv.")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write (replaced atomically when the export is complete); - for stdout.")
@click.option("--excel", is_flag=True,
              help="CSV for Excel in a Russian locale: UTF-8 BOM, ';', dates dd.mm.yyyy HH:MM:SS, the decimal "
                   "comma, да/нет (the default CSV stays as scripts read it). XLSX has real cells anyway.")
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
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --base all: bases exported at a time.")
@click.option("--summary", "summary_fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="With --base all: the per-base summary on stdout, for people or an orchestrator.")
@pass_app
@click.pass_context
def events_export(ctx: click.Context, app: App, client: str | None, since: datetime | None, until: datetime | None,
                  kind: str | None, state: str | None, direction: str | None, responsible: str | None,
                  fmt: str | None,
                  output: str, excel: bool, bom: bool | None, delimiter: str | None, headings: str,
                  state_path: Path | None, lock_path: Path | None, local_quiet: bool, jobs: int,
                  summary_fmt: str) -> None:
    """Export events of a period for a data warehouse or Excel, streamed page by page.

    On УТ 11 / КА 2 / ERP the events are every published interaction document (calls, meetings,
    e-mails, SMS…), merged by date; the column document_type names each one's document.

    Exit codes for cron: 0 done, 10 nothing new (with --state-file), 9 done but some names could not
    be read, 14 another run holds the lock; errors as for every command. One summary line goes
    to stderr (--quiet: none).

    With --base all every base of the config file is exported to its own file: -o and --state-file
    name it with {base} (-o 'events-{base}.csv'); one after another or --jobs N at a time, a
    failed base named in the summary (--summary json) and the exit code 9.
    """
    fmt = _format_for(fmt, output)
    names = selected_bases(app)
    if names is not None:
        if output == "-" or "{base}" not in output or (state_path is not None and "{base}" not in str(state_path)):
            raise click.UsageError("--base all writes a file per base: put {base} in -o (and in --state-file), "
                                   "e.g. -o 'events-{base}.csv' --state-file 'state-{base}.sqlite'.")
        if client:
            raise click.UsageError("--counterparty names a client of one base: drop it with --base all.")

        def one(sub: App) -> dict[str, Any]:
            base = str(sub.settings().base)
            target = output.replace("{base}", base)
            state_file = Path(str(state_path).replace("{base}", base)) if state_path is not None else None
            history = sub.history()
            flt = build_filter(history, counterparty=None, since=since, until=until, kind=kind, state=state,
                               direction=direction, responsible=responsible)
            csv_options = _csv_options(excel, bom, delimiter)
            result = run_export(history, flt, target, options=ExportOptions(fmt=fmt, csv=csv_options,
                                                                            headings=headings),
                                state_path=state_file, lock_path=lock_path)
            return {"family": history.profile.family.value, "output": target, "rows": result.exported,
                    "bytes": Path(target).stat().st_size if Path(target).exists() else 0,
                    "requests": result.requests, "outcome": result.outcome.value}

        outcomes = run_per_base(app, names, one, jobs=jobs)
        if summary_fmt == "json":
            click.echo(summary_json(outcomes))
        else:
            summary_table(outcomes, [("family", "Семейство"), ("rows", "Событий"), ("bytes", "Байт"),
                                     ("output", "Файл")])
        code = overall_code(outcomes)
        if code:
            ctx.exit(int(code))
        return
    if fmt == "xlsx" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("XLSX is binary: give --output FILE.xlsx")
    if output != "-" and not Path(output).resolve().parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="--output")
    if excel and fmt == "jsonl":
        raise click.UsageError("--excel is CSV for Excel (XLSX needs nothing more): it does not apply to jsonl")
    csv_options = _csv_options(excel, bom, delimiter)
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

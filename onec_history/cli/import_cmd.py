"""``counterparties import``: create or update counterparties from a CSV or JSONL file, per-row diff."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click
from click.core import ParameterSource

from ..counterparties.file import read_records
from ..counterparties.importer import CounterpartyImport, RowResult, outcome_of
from ..counterparties.plan import Change, ImportPlan
from ..local.ledger import Ledger, default_ledger_path
from .app import App, pass_app
from .exitcodes import ExitCode, exit_code_of
from .output import OutputFile, emit, format_option

__all__ = ["import_counterparties_cmd"]

RESULT_COLUMNS = [("line", "line"), ("status", "status"), ("key", "key"), ("name", "name"),
                  ("diff", "changes"), ("ref", "ref"), ("message", "message")]
_SHOWN_MISSING = 20


def _describe(results: list[RowResult], plan: ImportPlan, dry_run: bool) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    text = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items())) or "nothing to do"
    return text + f"; {plan.requests} requests to plan" + (" (dry run: nothing was sent)" if dry_run else "")


def _value(app: App, change: Change, value: Any) -> str:
    if value is None:
        return "∅"
    if change.target_set:
        name = app.history().names.name(change.target_set, str(value))
        if name:
            return f"{name} ({value})"
    return repr(value) if isinstance(value, str) else str(value)


def _diff_text(app: App, changes: list[Change]) -> str:
    return "; ".join(f"{c.field}: {_value(app, c, c.old)} → {_value(app, c, c.new)}" for c in changes)


def _write_results(app: App, results: list[RowResult], fmt: str, out: IO[str]) -> None:
    if fmt == "table":
        # A diff per row, one field a line: "field: 1C value → new value".
        for r in results:
            where = f"line {r.line}" if r.line is not None else "1C only" if r.name else "folder"
            head = f"{where}: {r.status}" + (f" {r.name}" if r.name else "") + (f" ({r.key})" if r.key else "")
            out.write(head + (f" — {r.message}" if r.message else "") + "\n")
            for c in r.changes:
                out.write(f"    {c.field}: {_value(app, c, c.old)} → {_value(app, c, c.new)}\n")
        return
    rows = []
    for r in results:
        row = r.as_dict()
        if fmt == "csv":
            row["diff"] = _diff_text(app, r.changes)
        rows.append(row)
    columns = RESULT_COLUMNS if fmt == "csv" else None
    emit(rows, fmt, columns=columns, out=out)


def _confirm_marks(app: App, plan: ImportPlan, *, dry_run: bool, yes: bool) -> None:
    """Print how many counterparties would be marked, then ask (or require --yes off a terminal)."""
    if plan.missing_blocked:
        app.note(f"--mark-missing: nothing will be marked. {plan.missing_blocked}")
        return
    n = len(plan.missing)
    click.echo(f"{n} counterparties are in 1C but not in the file; they "
               f"{'would be' if dry_run else 'will be'} marked for deletion (never deleted):", err=True)
    for row in plan.missing[:_SHOWN_MISSING]:
        click.echo(f"  {row.name} ({row.ref})", err=True)
    if n > _SHOWN_MISSING:
        click.echo(f"  … and {n - _SHOWN_MISSING} more", err=True)
    if dry_run or n == 0 or yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"--mark-missing would mark {n} counterparties for deletion; "
                               "confirm with --yes when not running on a terminal (nothing was sent)")
    click.confirm(f"Mark {n} counterparties for deletion?", abort=True, err=True)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--group", help="Folder for new counterparties (a name or a path 'Покупатели/Москва'); with "
                              "--mark-missing also the scope of the full import.")
@click.option("--create-folders", is_flag=True, help="Create folders (the --group, or a row's group) that are missing.")
@click.option("--match", default="inn-kpp", show_default=True, metavar="inn-kpp|code|column:NAME",
              help="How a row finds its counterparty: ИНН+КПП, code, or the file's column NAME "
                   "(ref, a field, or a property of the catalog).")
@click.option("--dry-run", is_flag=True, help="Read and check everything; send nothing; show the diff per row.")
@click.option("--mark-missing", is_flag=True,
              help="A full import: mark for deletion the counterparties (in --group, if given) absent from the file.")
@click.option("--yes", is_flag=True, help="Confirm --mark-missing without asking (needed when not on a terminal).")
@click.option("--report", type=OutputFile(),
              help="Write the per-row results here (csv/jsonl/json by extension) instead of stdout.")
@click.option("--fail-fast", is_flag=True, help="Send nothing if any row is invalid; stop at the first failed write.")
@click.option("--input-format", type=click.Choice(["csv", "jsonl"]),
              help="Default: from the file's extension, else from its content (JSONL when it starts with '{').")
@click.option("--encoding", help="CSV encoding (utf-8, cp1251, utf-16); default: detected.")
@click.option("--no-inn-checksum", is_flag=True,
              help="Accept ИНН whose check digits are wrong (the format is still checked).")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), envvar="ONEC_LEDGER",
              help="The SQLite ledger of creations (env ONEC_LEDGER; "
                   "default $XDG_DATA_HOME/onec-history/ledger.sqlite).")
@format_option()
@pass_app
@click.pass_context
def import_counterparties_cmd(ctx: click.Context, app: App, file: str, group: str | None, create_folders: bool,
                              match: str, dry_run: bool, mark_missing: bool, yes: bool, report: Path | None,
                              fail_fast: bool, input_format: str | None, encoding: str | None, no_inn_checksum: bool,
                              ledger_path: Path | None, fmt: str) -> None:
    """Create or update counterparties from a CSV or JSONL FILE (- for stdin).

    Each row is matched by ИНН+КПП (or --match); a match is updated field by field (PATCH of the
    changed fields only, refused if the record changed in 1C since it was read), no match is
    created exactly once. Columns: external_id, group, name, full_name, code, inn, kpp, legal_form,
    buyer, supplier, manager, comment, or any property of the catalog. An empty cell changes nothing.
    Exit code 0 when every row succeeded, 12 on a conflict, 9 when some failed, 13 when none did.
    """
    data = sys.stdin.buffer.read() if file == "-" else None
    header, records = read_records(file, fmt=input_format, encoding=encoding, data=data)
    # The built-in demo base is new on every run: a ledger on disk would only remember ghosts.
    path: str | Path = ledger_path or (":memory:" if app.using_demo() else default_ledger_path())
    with Ledger(path, app.history().base.key) as ledger:
        job = CounterpartyImport(app.history(), match=match, group=group, create_folders=create_folders,
                                 mark_missing=mark_missing, inn_checksum=not no_inn_checksum, ledger=ledger,
                                 source=Path(file).name if file != "-" else "-")
        plan = job.plan(header, records)
        if mark_missing:
            _confirm_marks(app, plan, dry_run=dry_run, yes=yes)
        results = list(job.dry_run(plan) if dry_run else job.apply(plan, fail_fast=fail_fast))
    out_fmt = fmt
    if report is not None and ctx.get_parameter_source("fmt") is ParameterSource.DEFAULT:
        suffix = report.suffix.lower().lstrip(".")
        out_fmt = suffix if suffix in ("csv", "jsonl", "json") else "jsonl"
    if report is not None:
        with report.open("w", encoding="utf-8", newline="") as fh:
            _write_results(app, results, out_fmt, fh)
    else:
        _write_results(app, results, out_fmt, sys.stdout)
    app.note(_describe(results, plan, dry_run))
    code = exit_code_of(outcome_of(results, blocked=bool(mark_missing and plan.missing_blocked)))
    if code is not ExitCode.OK:
        ctx.exit(int(code))

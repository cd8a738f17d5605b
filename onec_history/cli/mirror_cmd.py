"""``mirror``: keep a local database copy of counterparties, events and document links current."""

from __future__ import annotations

from typing import Any

import click

from .app import App, pass_app
from .many import BaseOutcome, overall_code, run_per_base, selected_bases, summary_json, summary_table
from .output import emit, format_option
from .progress import progress as progress_line

__all__ = ["mirror_cmd"]

MIRROR_COLUMNS = [("entity_set", "set"), ("mode", "mode"), ("remote", "in 1C"), ("changed", "fetched"),
                  ("deleted", "deleted"), ("requests", "requests"), ("bytes", "bytes")]


@click.command("mirror")
@click.option("--db", "db_url", required=True, envvar="ONEC_MIRROR_DB", metavar="URL",
              help="sqlite:///file.db (or a file path) or postgresql://user@host/db (env ONEC_MIRROR_DB).")
@click.option("--full", is_flag=True, help="Copy everything again instead of only what changed.")
@format_option(choices=("table", "json", "jsonl", "csv"))
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --base all: bases mirrored at a time (each its own connection to 1C).")
@pass_app
@click.pass_context
def mirror_cmd(ctx: click.Context, app: App, db_url: str, full: bool, fmt: str, jobs: int) -> None:
    """Keep a local database copy of counterparties, events and document links current.

    The first run copies everything; later runs read Ref_Key and DataVersion only, fetch the rows
    that changed, and delete the ones 1C no longer has. Reports can then read the copy. The mirror
    records whether each table's last run completed: reports refuse a table a killed run left
    unfinished until a run completes it. On УТ 11 / КА 2 / ERP the events are every published
    interaction document (column document_set), the client the partner.

    With --base all every base of the config file goes into the one database (rows keyed by the
    base), one after another or --jobs N at a time; a base that fails does not stop the others, and
    the summary (--format json: one object per base) and the exit code (9: some failed) say which.
    """
    # Imported here: SQLAlchemy is needed by this command only.
    from ..mirror.schema import DEFAULT_BASE
    from ..mirror.sync import Mirror, SetReport

    names = selected_bases(app)
    if names is not None:
        code = _mirror_all(app, names, db_url, full=full, fmt=fmt, jobs=jobs)
        if code:
            ctx.exit(code)
        return

    mirror = Mirror(app.history(), db_url, link_overrides=app.links(), base=app.settings().base or DEFAULT_BASE)
    click.get_current_context().call_on_close(mirror.close)

    with progress_line("mirror", unit="rows", quiet=app.quiet or fmt != "table") as bar:
        shown = {"set": ""}

        def done(rep: SetReport) -> None:
            message = (f"{rep.entity_set}: {rep.mode}, {rep.changed} fetched, {rep.deleted} deleted "
                       f"({rep.requests} requests, {rep.bytes} bytes)")
            if bar.enabled:
                bar.note(message)  # above the line, which goes on under it
            else:
                app.note(message)

        def rows(entity_set: str, n: int) -> None:
            if entity_set != shown["set"]:
                shown["set"] = entity_set
                bar.stage(f"mirror {entity_set}")
            bar.advance(n)

        report = mirror.sync(full=full, progress=done if fmt == "table" else None, on_rows=rows)
    if report.resumed:
        app.note(f"completed what the previous run left unfinished: {', '.join(report.resumed)}")
    for warning in report.warnings:
        app.note(f"warning: {warning}")
    emit((s.as_dict() for s in report.sets), fmt, columns=MIRROR_COLUMNS if fmt in ("table", "csv") else None)
    app.note(f"{report.changed} rows changed; {report.requests} requests, {report.bytes} bytes received")


def _mirror_all(app: App, names: list[str], db_url: str, *, full: bool, fmt: str, jobs: int) -> int:
    """Every named base into ``db_url``; the overall exit code."""
    import sqlalchemy as sa

    from ..mirror.migrate import migrate
    from ..mirror.sync import Mirror, database_error, engine_for

    engine = engine_for(db_url)
    try:
        migrate(engine)  # once, before the bases' runs start side by side
    except sa.exc.SQLAlchemyError as exc:  # the database itself: every base would fail alike
        raise database_error(db_url, exc) from None
    finally:
        engine.dispose()

    def work(sub: App) -> dict[str, Any]:
        settings = sub.settings()
        with Mirror(sub.history(), db_url, link_overrides=sub.links(), base=str(settings.base)) as mirror:
            report = mirror.sync(full=full)
        return {"family": sub.history().profile.family.value, "rows": sum(s.remote for s in report.sets),
                "changed": report.changed, "requests": report.requests, "bytes": report.bytes,
                "sets": len(report.sets), "warnings": report.warnings}

    def said(o: BaseOutcome) -> None:
        if o.ok:
            app.note(f"{o.base}: {o.facts['rows']} rows, {o.facts['changed']} changed, {o.facts['requests']} "
                     f"requests, {o.facts['bytes']} bytes, {o.seconds:.1f} s")
        else:
            app.note(f"{o.base}: FAILED — {o.message}")

    outcomes = run_per_base(app, names, work, jobs=jobs, on_done=said)
    if fmt == "json":
        click.echo(summary_json(outcomes, db=_shown(db_url)))
    elif fmt == "table":
        summary_table(outcomes, [("family", "Семейство"), ("rows", "Строк"), ("changed", "Изменено"),
                                 ("requests", "Запросов"), ("bytes", "Байт")])
    else:
        emit((o.as_dict() for o in outcomes), fmt,
             columns=[("base", "base"), ("status", "status"), ("family", "family"), ("rows", "rows"),
                      ("changed", "changed"), ("requests", "requests"), ("bytes", "bytes"), ("seconds", "seconds"),
                      ("error_class", "error_class"), ("message", "message")] if fmt == "csv" else None)
    return int(overall_code(outcomes))


def _shown(db_url: str) -> str:
    from ..mirror.sync import without_password

    return without_password(db_url)

"""``mirror``: keep a local database copy of counterparties, events and document links current."""

from __future__ import annotations

import click

from .app import App, pass_app
from .output import emit, format_option

__all__ = ["mirror_cmd"]

MIRROR_COLUMNS = [("entity_set", "set"), ("mode", "mode"), ("remote", "in 1C"), ("changed", "fetched"),
                  ("deleted", "deleted"), ("requests", "requests"), ("bytes", "bytes")]


@click.command("mirror")
@click.option("--db", "db_url", required=True, envvar="ONEC_MIRROR_DB", metavar="URL",
              help="sqlite:///file.db (or a file path) or postgresql://user@host/db (env ONEC_MIRROR_DB).")
@click.option("--full", is_flag=True, help="Copy everything again instead of only what changed.")
@format_option(choices=("table", "json", "jsonl", "csv"))
@pass_app
def mirror_cmd(app: App, db_url: str, full: bool, fmt: str) -> None:
    """Keep a local database copy of counterparties, events and document links current.

    The first run copies everything; later runs read Ref_Key and DataVersion only, fetch the rows
    that changed, and delete the ones 1C no longer has. Reports can then read the copy. The mirror
    records whether each table's last run completed: reports refuse a table a killed run left
    unfinished until a run completes it. On УТ 11 / КА 2 / ERP the events are every published
    interaction document (column document_set), the client the partner.
    """
    # Imported here: SQLAlchemy is needed by this command only.
    from ..mirror.schema import DEFAULT_BASE
    from ..mirror.sync import Mirror, SetReport

    mirror = Mirror(app.history(), db_url, link_overrides=app.links(), base=app.settings().base or DEFAULT_BASE)
    click.get_current_context().call_on_close(mirror.close)

    def progress(rep: SetReport) -> None:
        app.note(f"{rep.entity_set}: {rep.mode}, {rep.changed} fetched, {rep.deleted} deleted "
                 f"({rep.requests} requests, {rep.bytes} bytes)")

    report = mirror.sync(full=full, progress=progress if fmt == "table" else None)
    if report.resumed:
        app.note(f"completed what the previous run left unfinished: {', '.join(report.resumed)}")
    for warning in report.warnings:
        app.note(f"warning: {warning}")
    emit((s.as_dict() for s in report.sets), fmt, columns=MIRROR_COLUMNS if fmt in ("table", "csv") else None)
    app.note(f"{report.changed} rows changed; {report.requests} requests, {report.bytes} bytes received")

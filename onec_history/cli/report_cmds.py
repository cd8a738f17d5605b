"""The ``report`` group: inactive buyers, overdue events, activity, the sales funnel.

Each report reads 1C or, with ``--from-mirror``, a mirror database; the figures are computed in
``reports/compute.py`` either way. A mirror whose tables the report needs were not completely synced
by their last run is refused (exit 9), or read with a loud warning under ``--allow-partial``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import click

from ..history import History
from ..profiles import Family
from ..reports import compute as rep
from ..reports.sources import NEEDS
from .app import App, pass_app
from .output import emit, output_file, plain
from .params import DATE, UNTIL

__all__ = ["report"]

F = TypeVar("F", bound=Callable[..., Any])

REPORT_FORMATS = ("table", "csv", "json")


def _report_options(fn: F) -> F:
    """``--format`` and ``--as-of`` shared by the reports."""
    fn = click.option("--as-of", "as_of", type=DATE,
                      help="Compute as of this moment instead of now (for reproducible reports).")(fn)
    return click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="table", show_default=True,
                        help="table for people; csv or json for scripts.")(fn)


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


def _report_source(app: App, mirror_url: str | None, report_name: str,
                   allow_partial: bool = False) -> tuple[rep.Source, Callable[[str], str], _Partial | None]:
    """The source to read, how to turn a user's name into a reference there, and what is partial."""
    if mirror_url:
        from ..mirror.source import MirrorSource

        mirror = MirrorSource(mirror_url, needs=NEEDS[report_name], allow_partial=allow_partial)
        click.get_current_context().call_on_close(mirror.close)
        # A mirror is only as current as its last complete run: say how old the figures are.
        synced = mirror.synced_at
        if not mirror.gaps:
            app.note(f"From the mirror, synced {synced:%d.%m.%Y %H:%M}" if synced else "From the mirror")
            return mirror, mirror.find_user, None
        when = (f"last complete sync {synced:%d.%m.%Y %H:%M}" if synced
                else "never completely synced" if mirror.state.known else "completeness unknown")
        # Loud, and whatever -q says: these figures are not what 1C holds.
        click.echo(f"WARNING: PARTIAL DATA — the mirror {mirror.m.url} is incomplete ({when}): "
                   + "; ".join(mirror.gaps) + f". This report reads only what it holds (--allow-partial); run "
                   f"`onec-history mirror --db {mirror.m.url}` again to complete it.", err=True)
        return mirror, mirror.find_user, _Partial(mirror.gaps, mirror.gap_tables, synced)
    history = app.history()
    return history, history.find_user, None


def _output_option(fn: Any) -> Any:
    return click.option("-o", "--output", default="-", show_default=True,
                        help="Write the report to this file (UTF-8; written whole or not at all); - for stdout.")(fn)


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
def inactive_cmd(app: App, days: int, manager: str | None, lookback: int, fmt: str, as_of: datetime | None,
                 mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """Buyers nobody has completed an event with for N days, per manager, with the next planned event."""
    source, find_user, partial = _report_source(app, mirror_url, "inactive", allow_partial)
    manager_ref = find_user(manager) if manager else None
    rows = rep.inactive(source, days=days, manager=manager_ref, lookback_days=lookback, now=as_of)
    _emit_report(app, rows, fmt, rep.INACTIVE_COLUMNS, "buyers without a completed event", partial, output=output)
    if _family(source) is Family.C:
        app.note("Family C: a counterparty's contacts are the interactions with its partner and the partner's "
                 "contact persons; a partner with several counterparties gives each of them the same contacts. "
                 "Buyers are counterparties whose partner is a client; the manager is the partner's.")


@report.command("overdue")
@click.option("--responsible", help="Only this responsible (name prefix or reference).")
@_report_options
@_mirror_option
@_output_option
@pass_app
def overdue_cmd(app: App, responsible: str | None, fmt: str, as_of: datetime | None, mirror_url: str | None,
                allow_partial: bool, output: str) -> None:
    """Planned events whose start has passed, per responsible."""
    source, find_user, partial = _report_source(app, mirror_url, "overdue", allow_partial)
    ref = find_user(responsible) if responsible else None
    rows = rep.overdue(source, responsible=ref, now=as_of)
    _emit_report(app, rows, fmt, rep.OVERDUE_COLUMNS, "overdue events", partial, output=output)
    if _family(source) is Family.C:
        app.note("Family C: a planned interaction is due on its РассмотретьПосле (one already reviewed is not "
                 "pending); the client shown is the partner the interaction names.")


@report.command("activity")
@click.option("--by", type=click.Choice(["manager", "kind", "week"]), default="manager", show_default=True)
@click.option("--since", type=DATE, help="From this date (default: 30 days ago).")
@click.option("--until", type=UNTIL, help="Up to this date, a bare date included (default: now).")
@_report_options
@_mirror_option
@_output_option
@pass_app
def activity_cmd(app: App, by: str, since: datetime | None, until: datetime | None, fmt: str,
                 as_of: datetime | None, mirror_url: str | None, allow_partial: bool, output: str) -> None:
    """Completed events: count, total and average duration, by manager, kind or week."""
    source, _, partial = _report_source(app, mirror_url, "activity", allow_partial)
    rows = rep.activity(source, by=by, since=since, until=until, now=as_of)
    _emit_report(app, rows, fmt, rep.ACTIVITY_COLUMNS, "groups", partial, output=output)


@report.command("funnel")
@click.option("--since", type=DATE, required=True, help="First incoming events from this date.")
@click.option("--until", type=UNTIL, required=True, help="Up to this date (a bare date includes the whole day).")
@click.option("--horizon", type=click.IntRange(min=0), default=90, show_default=True,
              help="Days after --until in which orders and deliveries still count.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="table", show_default=True,
              help="table for people; csv or json for scripts.")
@_mirror_option
@_output_option
@pass_app
def funnel_cmd(app: App, since: datetime, until: datetime, horizon: int, fmt: str, mirror_url: str | None,
               allow_partial: bool, output: str) -> None:
    """First incoming event → order → delivery: conversion at each step and median lead time.

    Built on the bulk chain graph: one paged pass per linked document set for the period.
    """
    source, _, partial = _report_source(app, mirror_url, "funnel", allow_partial)
    rows = rep.funnel(source, since=since, until=until, horizon_days=horizon)
    _emit_report(app, rows, fmt, rep.FUNNEL_COLUMNS, "steps", partial, output=output)
    if _family(source) is Family.C:
        app.note("Family C: interactions reach customer orders through their deal (the interaction's subject), "
                 "sales through the order or the deal.")


def _family(source: rep.Source) -> Family:
    return source.profile.family if isinstance(source, History) else source.family


def _emit_report(app: App, rows: list[dict[str, Any]], fmt: str, columns: list[tuple[str, str]], what: str,
                 partial: _Partial | None = None, *, output: str = "-") -> None:
    with output_file(output) as stream:
        if partial is not None and fmt == "json":
            # Scripts must not take partial figures for whole ones: the rows come inside an object that says so.
            stream.write(json.dumps(plain(partial.as_json(rows)), ensure_ascii=False, indent=2) + "\n")
            n = len(rows)
        else:
            n = emit(rows, fmt, columns=columns, out=stream)
    if output != "-":
        app.note(f"Written {output}")
    if fmt == "table":
        app.note(f"{n} {what}" + (" (PARTIAL: the mirror is incomplete)" if partial is not None else ""))

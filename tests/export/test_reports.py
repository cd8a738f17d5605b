"""Report figures, recomputed independently from the full event models of the demo bases."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import click
from click.testing import CliRunner

from onec_history.cli.app import App
from onec_history.cli.report_cmds import report
from onec_history.demo.server import DemoServer
from onec_history.history import EventFilter, History
from onec_history.models import Event, EventState
from onec_history.presentations import event_labels
from onec_history.reports import compute as reports

NOW = datetime(2026, 6, 30, 18, 0)  # the demo datasets' "today"


def all_events(h: History) -> list[Event]:
    return [e for e in h.events(EventFilter(), newest_first=False) if not e.deleted]


def clients_of(h: History, e: Event) -> set[str]:
    cps = h.profile.counterparty_set
    out = {e.counterparty} if e.counterparty and e.counterparty_set == cps else set()
    return out | {p.ref for p in e.participants if p.ref and p.entity_set == cps}


def when(e: Event) -> datetime:
    value = e.start or e.date
    assert value is not None
    return value


def test_overdue_is_every_planned_event_started_before_now(demo: DemoServer,
                                                           history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    expected = {e.ref for e in all_events(h) if e.state is EventState.PLANNED and when(e) < NOW}
    h2 = history_for(demo.url, page_size=1000)
    before = h2.client.transport.stats.requests
    rows = reports.overdue(h2, now=NOW)
    assert {r["ref"] for r in rows} == expected and expected
    assert [r["responsible"] for r in rows] == sorted(r["responsible"] for r in rows)
    assert all(r["days_overdue"] >= 0 and r["responsible"] for r in rows)
    assert h2.client.transport.stats.requests - before <= 6  # metadata, one pass, bulk names


def test_activity_counts_and_minutes_by_kind(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    since = NOW - timedelta(days=120)
    done = [e for e in all_events(h) if e.state is EventState.COMPLETED and since <= when(e) <= NOW]
    rows = {r["group"]: r for r in reports.activity(h, by="kind", since=since, until=NOW)}
    assert {k: r["events"] for k, r in rows.items() if k != "итого"} == Counter(e.kind_raw for e in done)
    total = sum(e.duration_minutes or 0 for e in done)
    assert rows["итого"]["events"] == len(done) and abs(rows["итого"]["total_minutes"] - total) < 0.5


def test_activity_by_week_and_manager_add_up(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    by_week = reports.activity(h, by="week", since=NOW - timedelta(days=60), until=NOW)
    by_mgr = reports.activity(h, by="manager", since=NOW - timedelta(days=60), until=NOW)
    assert by_week[-1]["events"] == by_mgr[-1]["events"] == sum(r["events"] for r in by_week[:-1]) > 0
    assert all(r["group"].startswith("2026-W") for r in by_week[:-1])
    assert not any(len(r["group"]) == 36 for r in by_mgr)  # names, not references


def test_inactive_buyers_match_the_event_history(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    days = 45
    buyers = {c.ref for c in h.search_counterparties(buyers_only=True) if not c.deleted}
    last: dict[str, datetime] = {}
    for e in all_events(h):
        if e.state is EventState.COMPLETED and when(e) <= NOW:
            for c in clients_of(h, e) & buyers:
                last[c] = max(last.get(c, when(e)), when(e))
    cutoff = NOW - timedelta(days=days)
    expected = {c for c in buyers if c not in last or last[c] < cutoff}
    rows = reports.inactive(h, days=days, now=NOW, lookback_days=5000)
    assert {r["client_ref"] for r in rows} == expected and expected
    for r in rows:
        c = r["client_ref"]
        assert r["last_completed"] == last.get(c)  # the moment itself; the output formats it
    managers = [r["manager"] for r in rows]
    assert managers == sorted(managers)
    assert any(r["next_planned"] for r in rows)


def test_inactive_for_one_manager(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url)
    rows = reports.inactive(h, days=30, now=NOW)
    some = next(r for r in rows if r["manager_ref"])
    mine = reports.inactive(h, days=30, now=NOW, manager=some["manager_ref"])
    assert mine and {r["client_ref"] for r in mine} == {r["client_ref"] for r in rows
                                                        if r["manager_ref"] == some["manager_ref"]}


def test_report_commands_print_json(demo: DemoServer, history_for: Callable[..., History]) -> None:
    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = App(overrides={"url": demo.url})

    root.add_command(report)
    result = CliRunner().invoke(root, ["report", "overdue", "--as-of", "2026-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {"responsible", "start", "days_overdue", "client"} <= set(rows[0])
    result = CliRunner().invoke(root, ["report", "activity", "--by", "kind", "--as-of", "2026-06-30",
                                       "--format", "csv"])
    # the grouping's name heads its column: the kind as the family's Событие calls it
    heading = event_labels(history_for(demo.url).profile.family).kind  # «Вид события» (УТ 10.3), «Событие» (УНФ)
    assert result.exit_code == 0 and result.stdout.startswith(f"{heading},Событий")


def test_funnel_of_the_monitor_story(demo: DemoServer, history_for: Callable[..., History]) -> None:
    """«ООО Ромашка»: incoming call 02.03 10:15 → order 05.03 11:30 → delivery 12.03 14:00 (by hand)."""
    h = history_for(demo.url)
    rows = reports.funnel(h, since=datetime(2026, 3, 2), until=datetime(2026, 3, 2, 23, 59, 59))
    assert [(r["step"], r["count"], r["median_days"]) for r in rows] == [
        ("first incoming event", 1, None), ("order", 1, 3.1), ("delivery", 1, 10.2)]
    assert rows[1]["conversion"] == rows[2]["conversion"] == 1.0


def test_funnel_over_two_years_is_consistent(demo: DemoServer, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url, page_size=1000)
    before = h.client.transport.stats.requests
    first, order, sale = reports.funnel(h, since=datetime(2024, 7, 1), until=NOW)
    assert first["count"] >= order["count"] >= sale["count"] >= 1
    assert order["conversion"] == round(order["count"] / first["count"], 3)
    assert sale["median_days"] >= order["median_days"] > 0
    assert h.client.transport.stats.requests - before < 20  # bulk passes, not a walk per event

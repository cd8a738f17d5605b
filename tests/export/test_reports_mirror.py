"""Reports read from a mirror: the same rows as from 1C, and not one HTTP request."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the mirror needs SQLAlchemy 2 (pip install 'sqlalchemy>=2')")

import requests
from click.testing import CliRunner

from onec_history.cli.app import App
from onec_history.cli.report_cmds import report
from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.errors import ConfigError
from onec_history.history import History
from onec_history.mirror.source import MirrorSource
from onec_history.mirror.sync import Mirror
from onec_history.reports import compute as reports
from onec_history.transport import Transport

NOW = datetime(2026, 6, 30, 18, 0)  # the demo datasets' "today"


@pytest.fixture(scope="module")
def mirror_url(demo: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A mirror of the demo base, synced once per family."""
    url = f"sqlite:///{tmp_path_factory.mktemp('mirror') / 'mirror.db'}"
    Mirror(History(Client(Transport(demo.url))), url).sync()
    return url


RUNS: list[tuple[str, Callable[..., list[dict[str, Any]]], dict[str, Any]]] = [
    ("inactive", reports.inactive, {"days": 45, "now": NOW}),
    ("inactive-short", reports.inactive, {"days": 7, "lookback_days": 30, "now": NOW}),
    ("overdue", reports.overdue, {"now": NOW}),
    ("activity-manager", reports.activity, {"by": "manager", "since": NOW - timedelta(days=120), "until": NOW}),
    ("activity-kind", reports.activity, {"by": "kind", "since": NOW - timedelta(days=120), "until": NOW}),
    ("activity-week", reports.activity, {"by": "week", "now": NOW}),
    ("funnel", reports.funnel, {"since": NOW - timedelta(days=180), "until": NOW}),
]


@pytest.mark.parametrize(("label", "fn", "kwargs"), RUNS, ids=[r[0] for r in RUNS])
def test_a_report_from_the_mirror_equals_the_report_from_1c(
        label: str, fn: Callable[..., list[dict[str, Any]]], kwargs: dict[str, Any], demo: DemoServer,
        mirror_url: str, history_for: Callable[..., History], monkeypatch: pytest.MonkeyPatch) -> None:
    from_1c = fn(history_for(demo.url, page_size=1000), **kwargs)
    assert from_1c, f"{label}: the demo base gives an empty report — the comparison would prove nothing"
    monkeypatch.setattr(requests.Session, "request", _refuse)
    assert fn(MirrorSource(mirror_url), **kwargs) == from_1c


def _refuse(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"the mirror path sent {method} {url}")


def test_inactive_for_one_manager_and_overdue_for_one_responsible(
        demo: DemoServer, mirror_url: str, history_for: Callable[..., History]) -> None:
    h = history_for(demo.url, page_size=1000)
    src = MirrorSource(mirror_url)
    everyone = reports.inactive(h, days=45, now=NOW)
    manager = next(r["manager_ref"] for r in everyone if r["manager_ref"])
    mine = reports.inactive(src, days=45, manager=manager, now=NOW)
    assert mine == reports.inactive(h, days=45, manager=manager, now=NOW)
    assert mine and {r["manager_ref"] for r in mine} == {manager} and len(mine) < len(everyone)
    late = reports.overdue(h, now=NOW)
    who = late[0]["responsible_ref"]
    theirs = reports.overdue(src, responsible=who, now=NOW)
    assert theirs == reports.overdue(h, responsible=who, now=NOW)
    assert theirs and {r["responsible_ref"] for r in theirs} == {who}
    assert src.find_user(late[0]["responsible"]) == who  # a name resolves from the mirror too


@pytest.mark.usefixtures("isolated")
def test_cli_reads_the_mirror_named_by_the_option_or_the_environment(
        mirror_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests.Session, "request", _refuse)  # 1C is never asked, even for a user's name
    runner = CliRunner()
    args = ["overdue", "--as-of", "2026-06-30 18:00", "--format", "json"]
    by_option = runner.invoke(report, [*args, "--from-mirror", mirror_url], obj=App())
    assert by_option.exit_code == 0, by_option.output
    rows = json.loads(by_option.stdout)
    assert [r["ref"] for r in rows] == [r["ref"] for r in reports.overdue(MirrorSource(mirror_url), now=NOW)]
    who = rows[0]["responsible"]
    by_env = runner.invoke(report, [*args, "--responsible", who], obj=App(), env={"ONEC_MIRROR_DB": mirror_url})
    assert by_env.exit_code == 0, by_env.output
    assert json.loads(by_env.stdout) == [r for r in rows if r["responsible"] == who]
    funnel = runner.invoke(report, ["funnel", "--since", "2026-01-01", "--until", "2026-06-30", "--format", "json",
                                    "--from-mirror", mirror_url], obj=App())
    assert funnel.exit_code == 0, funnel.output
    assert json.loads(funnel.stdout)[0]["step"] == "first incoming event"


def test_a_database_that_is_no_mirror_is_refused(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:  # somebody else's database
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    conn.close()
    result = CliRunner().invoke(report, ["overdue", "--from-mirror", f"sqlite:///{other}"], obj=App())
    assert isinstance(result.exception, ConfigError)
    assert "not an onec-history mirror" in str(result.exception)
    missing = tmp_path / "empty.db"
    result = CliRunner().invoke(report, ["overdue", "--from-mirror", f"sqlite:///{missing}"], obj=App())
    assert isinstance(result.exception, ConfigError) and "does not exist" in str(result.exception)
    assert not missing.exists()  # looking for a mirror never leaves an empty file behind

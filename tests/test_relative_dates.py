"""Relative dates for scheduled jobs (--since yesterday, -7d, month-start) and ``python -m onec_history``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from onec_history.cli.main import main
from onec_history.dates import period_end, relative_day
from onec_history.demo.server import DemoServer

THURSDAY = date(2026, 12, 3)


@pytest.mark.parametrize(("text", "day"), [
    ("today", THURSDAY), ("Сегодня", THURSDAY), ("yesterday", date(2026, 12, 2)), ("вчера", date(2026, 12, 2)),
    ("tomorrow", date(2026, 12, 4)), ("-7d", date(2026, 11, 26)), ("+2w", date(2026, 12, 17)),
    ("-1н", date(2026, 11, 26)), ("week-start", date(2026, 11, 30)), ("month-start", date(2026, 12, 1)),
    ("year-start", date(2026, 1, 1)), ("начало-месяца", date(2026, 12, 1)),
])
def test_relative_days(text: str, day: date) -> None:
    assert relative_day(text, today=THURSDAY) == datetime(day.year, day.month, day.day)


@pytest.mark.parametrize("text", ["2026-12-01", "7d", "-d", "last-week", "-99999d"])
def test_anything_else_is_not_relative(text: str) -> None:
    assert relative_day(text, today=THURSDAY) is None


def test_yesterday_as_the_end_of_a_period_is_the_whole_day() -> None:
    from onec_history.cli.params import DATE, UNTIL

    midnight = datetime.combine(date.today() - timedelta(days=1), datetime.min.time())
    assert UNTIL.convert("yesterday", None, None) == midnight + timedelta(hours=23, minutes=59, seconds=59)
    assert DATE.convert("yesterday", None, None) == midnight


def test_a_files_cell_never_means_a_day_relative_to_the_run() -> None:
    """«вчера» in an import file would be another day on every run (another event's identity)."""
    with pytest.raises(ValueError):
        period_end("вчера")


@pytest.mark.usefixtures("isolated")
def test_a_cron_line_without_gnu_date(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", ut10.url, "events", "list", "--since", "-3650d", "--until", "yesterday", "--limit", "0",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    start = datetime.combine(date.today() - timedelta(days=3650), datetime.min.time())
    end = datetime.combine(date.today(), datetime.min.time())
    assert rows and all(start <= datetime.fromisoformat(r["start"] or r["date"]) < end for r in rows)


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "onec_history", "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and "Usage:" in done.stdout and "history" in done.stdout

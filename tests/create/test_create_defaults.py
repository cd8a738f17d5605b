"""What a created event gets when the row does not say (issue 12.1 and 12.7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from create_helpers import make_writer

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.create import EventWriter, Ledger
from onec_history.create.spec import single_event_values
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.local.inputs import InputRow
from onec_history.models import EventState
from onec_history.transport import RetryPolicy, Transport

NOW = datetime.now().replace(microsecond=0)


def create(writer: EventWriter, **values: str) -> str:
    summary = writer.import_rows([InputRow(1, {"kind": "call", "counterparty": "7701000001", **values})])
    result = summary.results[0]
    assert result.ok and result.ref, result.message
    return result.ref


def test_state_defaults_to_completed_for_a_past_start_planned_for_a_future_one(base: DemoServer) -> None:
    writer = make_writer(base.url)
    past = create(writer, start=f"{NOW - timedelta(hours=2):%Y-%m-%d %H:%M}", subject="Звонок был")
    future = create(writer, start=f"{NOW + timedelta(days=1):%Y-%m-%d %H:%M}", subject="Перезвонить")
    given = create(writer, start=f"{NOW - timedelta(hours=3):%Y-%m-%d %H:%M}", state="planned", subject="Свой")
    h = writer.history
    assert h.get_event(past).state is EventState.COMPLETED
    assert h.get_event(future).state is EventState.PLANNED
    assert h.get_event(given).state is EventState.PLANNED


def test_responsible_defaults_to_the_user_the_login_names(ut10: DemoServer) -> None:
    transport = Transport(ut10.url, user="Петров Сергей Николаевич", password="x",
                          retry=RetryPolicy(attempts=2, backoff=0.005))
    writer = EventWriter(History(Client(transport)), Ledger(":memory:", ut10.url), backoff=0.005)
    ref = create(writer, start=f"{NOW:%Y-%m-%d %H:%M}", subject="Кто звонил")
    assert writer.history.get_event(ref).responsible_name == "Петров Сергей Николаевич"
    named = create(writer, start=f"{NOW:%Y-%m-%d %H:%M}", subject="Чей", responsible="Смирнова")
    assert writer.history.get_event(named).responsible_name == "Смирнова Анна Викторовна"


def test_the_default_state_is_not_part_of_the_identity(ut10: DemoServer) -> None:
    start = f"{NOW + timedelta(minutes=30):%Y-%m-%d %H:%M}"
    first = make_writer(ut10.url, clock=lambda: NOW)
    ref = create(first, start=start, subject="Созвон", external_id="x-1")
    # an hour later the same row would default to "completed": still the same event, not a second one
    later = EventWriter(first.history, first.ledger, clock=lambda: NOW + timedelta(hours=1), backoff=0.005)
    assert create(later, start=start, subject="Созвон", external_id="x-1") == ref


def test_a_single_create_without_a_start_keeps_its_identity_the_same_day() -> None:
    given = {"kind": "call", "counterparty": "Ромашка", "subject": "Звонок", "start": None}
    morning = single_event_values(given, datetime(2026, 3, 5, 9, 0, 0))
    noon = single_event_values(given, datetime(2026, 3, 5, 12, 30, 0))
    assert morning["external_id"] == noon["external_id"] and morning["start"] != noon["start"]
    assert single_event_values(given, datetime(2026, 3, 6, 9, 0, 0))["external_id"] != morning["external_id"]
    other = single_event_values({**given, "subject": "Другой"}, datetime(2026, 3, 5, 9, 0, 0))
    assert other["external_id"] != morning["external_id"]
    typed = single_event_values({**given, "start": "2026-03-05 10:00"}, datetime(2026, 3, 5, 9, 0, 0))
    assert "external_id" not in typed and typed["start"] == "2026-03-05 10:00"
    own = single_event_values({**given, "external_id": "pbx-77"}, datetime(2026, 3, 5, 9, 0, 0))
    assert own["external_id"] == "pbx-77"


def test_the_same_create_command_twice_is_one_event(ut10: DemoServer, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--url", ut10.url, "events", "create", "--kind", "call", "--counterparty", "7701000001",
            "--subject", "Звонок без времени", "--ledger", str(tmp_path / "l.sqlite")]
    assert main(args) == ExitCode.OK
    first = capsys.readouterr().out.strip()
    assert main(args) == ExitCode.OK
    out = capsys.readouterr()
    assert out.out.strip() == first and "Already present" in out.err

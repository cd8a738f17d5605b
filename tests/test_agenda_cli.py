"""``onec-history agenda``: the table per responsible, csv/json, the day forms, the 80-column terminal.

Expected sets again come from the demo store's raw rows (``test_agenda.Raw``), not from the code
under test. "Now" is pinned by patching the command's clock.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_agenda import CPS, Case

from onec_history.agenda import base_now
from onec_history.cli import agenda_cmd
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode

pytestmark = pytest.mark.usefixtures("isolated")

ROOT = Path(__file__).resolve().parent.parent


class WideCase(Case):
    """The boundary events, a second phone for the template's client (where the base keeps phones)
    and an event whose subject is far wider than a terminal."""

    def __init__(self, server: DemoServer, family: str) -> None:
        super().__init__(server, family)
        cp = self.raw.client_of(self.template)
        assert cp is not None
        if f"{CPS}_КонтактнаяИнформация" in server.store.schema.tables:
            phone = {"Ref_Key": cp, "LineNumber": 99, "Тип": "Телефон", "Представление": "+7 999 000-00-01"}
            server.store.insert(f"{CPS}_КонтактнаяИнформация", [phone])
        subject = "ОписаниеСобытия" if family == "ut10" else "Тема"
        self.wide = self.raw.add(self.template, НачалоСобытия=f"{self.day.isoformat()}T18:00:00",
                                 **{subject: "Очень " * 30})
        self.inside.add(self.wide)


@pytest.fixture(scope="module", params=["ut10", "unf"])
def case(request: pytest.FixtureRequest) -> Iterator[WideCase]:
    with start_demo(request.param) as server:
        yield WideCase(server, request.param)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _day(case: Case) -> str:
    return case.day.strftime("%d.%m.%Y")


def _expected_day(case: Case) -> set[str]:
    return case.raw.expected(case.day.isoformat(), (case.day + timedelta(days=1)).isoformat())


def test_json_lists_the_days_planned_events(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    code, out, _ = run(capsys, "--url", case.server.url, "agenda", "--day", _day(case), "--format", "json")
    assert code == ExitCode.OK
    rows = json.loads(out)
    assert {r["ref"] for r in rows} == _expected_day(case) and len(rows) == len(_expected_day(case))
    assert case.inside <= {r["ref"] for r in rows}
    one = next(r for r in rows if r["ref"] == case.wide)
    assert one["start"] == f"{case.day.isoformat()}T18:00:00"
    assert one["kind"] and one["kind_raw"] and isinstance(one["phones"], list) and one["overdue"] in (True, False)
    assert one["client"] == case.raw.name(CPS, case.raw.client_of(case.template))
    if case.raw.family == "unf":
        assert len(one["phones"]) == 2 and one["phones"][1] == "+7 999 000-00-01"
    responsibles = [r["responsible"] for r in rows]
    assert responsibles == sorted(responsibles, key=str.casefold)


def test_csv_joins_every_phone(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    code, out, _ = run(capsys, "--url", case.server.url, "agenda", "--day", case.day.isoformat(), "--format", "csv")
    assert code == ExitCode.OK
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["Ссылка"] for r in rows} == _expected_day(case)
    kind, subject = ("Вид события", "Описание") if case.raw.family == "ut10" else ("Событие", "Тема")  # УНФ's names
    assert set(rows[0]) >= {"Ответственный", "Начало", "Контрагент", "Телефоны", kind, subject}
    assert {r[kind] for r in rows} <= {"Телефонный звонок", "Личная встреча", "Электронное письмо", "Почтовое письмо",
                                       "Сообщение SMS", "Запись", "Прочее"}  # 1C's synonyms, not ТелефонныйЗвонок
    assert {r["Просрочено"] for r in rows} <= {"да", "нет"}
    wide = next(r for r in rows if r["Ссылка"] == case.wide)
    phones = case.raw.phones(str(case.raw.client_of(case.template)))
    assert wide["Телефоны"] == ", ".join(phones)
    assert wide["Начало"] == f"{case.day.isoformat()}T18:00:00"


def test_table_groups_per_responsible_in_the_russian_way(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    code, out, err = run(capsys, "--url", case.server.url, "agenda", "--day", _day(case))
    assert code == ExitCode.OK
    expected = _expected_day(case)
    blocks = out.strip().split("\n\n")
    heads = [b.splitlines()[0] for b in blocks]
    counts = [int(h.rsplit("— ", 1)[1]) for h in heads]
    assert sum(counts) == len(expected)
    for block, n in zip(blocks, counts, strict=True):
        lines = block.splitlines()
        kind, subject = (["Вид", "события"], "Описание") if case.raw.family == "ut10" else (["Событие"], "Тема")
        assert lines[1].split() == ["Начало", "Контрагент", "Телефон", *kind, subject]
        assert len(lines) == 3 + n
        for line in lines[3:]:
            assert line.startswith(_day(case) + " ")  # 15.04.2026 10:00
            assert line[11:16].replace(":", "").isdigit() and line[13] == ":"
    assert f"{_day(case)} 00:00" in out and f"{_day(case)} 23:59" in out  # a midnight keeps its time
    assert f"{len(expected)} planned events on {_day(case)}" in err


def test_80_columns_on_a_terminal(capsys: pytest.CaptureFixture[str], case: WideCase,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "stdout", screen)
    assert main(["--url", case.server.url, "agenda", "--week", "--day", _day(case)]) == ExitCode.OK
    lines = screen.getvalue().splitlines()
    assert len(lines) > 5 and max(map(len, lines)) <= 80
    assert any("…" in line for line in lines)  # the wide subject was cut, not wrapped
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    assert main(["--url", case.server.url, "agenda", "--day", _day(case)]) == ExitCode.OK
    assert max(map(len, piped.getvalue().splitlines())) <= 80  # COLUMNS set: a width asked for, even piped
    monkeypatch.delenv("COLUMNS")
    piped.seek(0), piped.truncate()
    assert main(["--url", case.server.url, "agenda", "--day", _day(case)]) == ExitCode.OK
    assert "Очень " * 29 in piped.getvalue()  # piped output keeps whole values, as every table does


def test_80_columns_in_a_real_terminal(case: WideCase) -> None:
    """The command in a pseudo-terminal of 80 columns, as a person runs it."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "LINES": "24", "ONEC_URL": case.server.url}
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "agenda", "--week", "--day", _day(case)],
                            stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    lines = b"".join(chunks).decode().replace("\r", "").splitlines()
    assert len(lines) > 5 and max(map(len, lines)) <= 80
    assert any(line.startswith(_day(case)) for line in lines)


def test_empty_agenda_says_so_and_exits_0(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    url = case.server.url
    code, out, _ = run(capsys, "--url", url, "agenda", "--day", "01.01.2020")
    assert (code, out) == (ExitCode.OK, "no planned events on 01.01.2020\n")
    code, out, err = run(capsys, "--url", url, "agenda", "--day", "2020-01-01", "--format", "json")
    assert (code, json.loads(out)) == (ExitCode.OK, []) and "no planned events on 01.01.2020" in err
    code, out, err = run(capsys, "--url", url, "agenda", "--day", "01.01.20", "--format", "csv")
    assert code == ExitCode.OK and out.splitlines()[0].startswith("Ответственный,") and len(out.splitlines()) == 1
    code, out, _ = run(capsys, "--url", url, "-q", "agenda", "--week", "--day", "01.01.2020")
    assert out == "no planned events in the week 30.12.2019–05.01.2020\n"


def test_today_tomorrow_week_and_overdue_follow_the_bases_now(capsys: pytest.CaptureFixture[str], case: WideCase,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.combine(case.day, datetime.min.time()) + timedelta(hours=12)
    monkeypatch.setattr(agenda_cmd, "base_now", lambda tz=None: now)
    url = case.server.url

    def refs(*args: str) -> set[str]:
        code, out, _ = run(capsys, "--url", url, "agenda", *args, "--format", "jsonl")
        assert code == ExitCode.OK
        return {json.loads(line)["ref"] for line in out.splitlines()}

    day, nxt = case.day.isoformat(), (case.day + timedelta(days=1)).isoformat()
    assert refs() == refs("--day", "today") == refs("--day", "Сегодня") == case.raw.expected(day, nxt)
    after = (case.day + timedelta(days=2)).isoformat()
    assert refs("--day", "tomorrow") == case.raw.expected(nxt, after)
    monday = case.day - timedelta(days=case.day.weekday())
    assert refs("--week") == case.raw.expected(monday.isoformat(), (monday + timedelta(days=7)).isoformat())
    assert refs("--overdue") == case.raw.expected("1900-01-01", now.isoformat())
    assert refs("--overdue", "--day", "today") == case.raw.expected(day, now.isoformat())
    code, out, _ = run(capsys, "--url", url, "agenda", "--overdue", "--day", "tomorrow")
    assert code == ExitCode.OK and out.startswith("no planned events overdue on ")


def test_responsible_by_name_as_events_list_takes_it(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    who = str(case.template["Ответственный_Key"])
    name = case.raw.name(case.history.profile.users_set, who)
    code, out, _ = run(capsys, "--url", case.server.url, "agenda", "--week", "--day", _day(case),
                       "--responsible", name.split()[0], "--format", "json")
    assert code == ExitCode.OK
    rows = json.loads(out)
    monday = case.day - timedelta(days=case.day.weekday())
    assert {r["ref"] for r in rows} == case.raw.expected(monday.isoformat(),
                                                         (monday + timedelta(days=7)).isoformat(), who)
    assert {r["responsible"] for r in rows} == {name}
    code, _, err = run(capsys, "--url", case.server.url, "agenda", "--responsible", "Нетакогосотрудника")
    assert code == ExitCode.NOT_PUBLISHED and "matches nobody" in err


def test_a_wrong_day_is_a_usage_error(capsys: pytest.CaptureFixture[str], case: WideCase) -> None:
    code, _, err = run(capsys, "--url", case.server.url, "agenda", "--day", "32.13.2026")
    assert code == ExitCode.USAGE and "--day" in err
    code, _, err = run(capsys, "--url", case.server.url, "agenda", "--day", "someday")
    assert code == ExitCode.USAGE and "today, tomorrow" in err


def test_server_timezone_sets_now(capsys: pytest.CaptureFixture[str], case: WideCase, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'url = "{case.server.url}"\nserver_timezone = "Asia/Vladivostok"\n', encoding="utf-8")
    seen: list[str | None] = []

    def spy(tz: str | None = None) -> datetime:
        seen.append(tz)
        return base_now(tz)

    monkeypatch.setattr(agenda_cmd, "base_now", spy)
    code, _, _ = run(capsys, "--config", str(cfg), "agenda", "--day", "2026-04-15T10:00:00+03:00", "--format", "json")
    assert code == ExitCode.OK and seen == ["Asia/Vladivostok"]

"""``events update`` and its verbs from the command line: targets, --dry-run, files, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history import query as q
from onec_history.cli.exitcodes import ExitCode
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.history import EventFilter, History
from onec_history.models import EventState
from onec_history.transport import Transport


@pytest.fixture
def base(isolated: None) -> Iterator[DemoServer]:
    with start_demo("ut10") as srv:
        yield srv


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def history(url: str) -> History:
    return History(Client(Transport(url)))


def planned_numbers(url: str, n: int) -> list[str]:
    evs = list(history(url).events(EventFilter(state=EventState.PLANNED), newest_first=False))
    return [str(e.number) for e in evs[:n]]


def test_complete_one_event_by_number_with_a_dry_run_first(capsys: pytest.CaptureFixture[str],
                                                           base: DemoServer, tmp_path: Path) -> None:
    number = planned_numbers(base.url, 1)[0]
    ledger = str(tmp_path / "ledger.sqlite")
    code, out, err = cli(capsys, "--url", base.url, "events", "complete", f"Событие {number}",
                         "--set", "comment=дозвонились", "--dry-run", "--ledger", ledger)
    assert code == ExitCode.OK, err
    assert out.splitlines() == [f"{number}: would change", "  state: Запланировано → Завершено",
                                "  comment: — → дозвонились"]
    assert "dry run: nothing was sent" in err
    assert number in planned_numbers(base.url, 1000)  # the dry run sent nothing
    code, out, err = cli(capsys, "--url", base.url, "events", "complete", number, "--set", "comment=дозвонились",
                         "--ledger", ledger)
    assert code == ExitCode.OK and out.startswith(f"{number}: changed"), err
    assert number not in planned_numbers(base.url, 1000)
    code, out, err = cli(capsys, "--url", base.url, "events", "complete", number, "--set", "comment=дозвонились",
                         "--ledger", ledger)
    assert code == ExitCode.OK and out.strip() == f"{number}: unchanged" and "1 unchanged" in err


def test_a_bulk_file_changes_its_rows_and_names_the_bad_ones(capsys: pytest.CaptureFixture[str],
                                                             base: DemoServer, tmp_path: Path) -> None:
    first, second = planned_numbers(base.url, 2)
    changes = tmp_path / "changes.csv"
    changes.write_text("number;state;start;comment\n"
                       f"{first};завершено;;звонок состоялся\n"
                       f"{second};;16.04.2026 10:00;перенесли\n"
                       "99999;cancelled;;\n"
                       f"{first};нет такого;;\n", encoding="utf-8")
    code, out, err = cli(capsys, "--url", base.url, "events", "update", "--file", str(changes), "--format", "json",
                         "--ledger", str(tmp_path / "l.sqlite"))
    assert code == ExitCode.PARTIAL, err
    rows = json.loads(out)
    assert [(r["line"], r["status"]) for r in rows] == [(2, "changed"), (3, "changed"), (4, "failed"), (5, "failed")]
    assert "99999" in rows[2]["message"] and "is not a state" in rows[3]["message"]
    assert {d["field"] for d in rows[1]["diffs"]} == {"start", "end", "comment"}
    code, out, _ = cli(capsys, "--url", base.url, "events", "update", "--file", str(changes), "--format", "csv",
                       "--ledger", str(tmp_path / "l.sqlite"))
    statuses = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert statuses == ["unchanged", "unchanged", "failed", "failed"]


def test_a_filter_selects_the_events_and_reassign_takes_the_new_responsible(
        capsys: pytest.CaptureFixture[str], base: DemoServer) -> None:
    h = history(base.url)
    evs = [e for e in h.events(EventFilter(state=EventState.PLANNED)) if e.responsible]
    old = evs[0].responsible
    assert old is not None
    mine = [e.ref for e in evs if e.responsible == old]
    rows = h.client.iterate(h.profile.users_set, q.Query(select=("Ref_Key", "Description")))
    new_ref, new_name = next((str(r["Ref_Key"]), str(r["Description"])) for r in rows if str(r["Ref_Key"]) != old)
    code, out, err = cli(capsys, "--url", base.url, "events", "reassign", "--of", old, "--state", "planned",
                         "--responsible", new_name, "--format", "jsonl")
    assert code == ExitCode.OK, err
    changed = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["ref"] for r in changed) == sorted(mine) and {r["status"] for r in changed} == {"changed"}
    assert all(history(base.url).get_event(ref).responsible == new_ref for ref in mine)


def test_usage_mistakes_are_one_paragraph_with_exit_2(capsys: pytest.CaptureFixture[str], base: DemoServer) -> None:
    code, _, err = cli(capsys, "--url", base.url, "events", "complete")
    assert code == ExitCode.USAGE and "Name the events to change in one way" in err
    code, _, err = cli(capsys, "--url", base.url, "events", "update", "Событие 1", "--set", "colour=red")
    assert code == ExitCode.USAGE and "FIELD=VALUE" in err and "Traceback" not in err
    code, _, err = cli(capsys, "--url", base.url, "events", "update", "Событие 1")
    assert code == ExitCode.USAGE and "Nothing to change" in err


def test_a_diff_fits_an_80_column_terminal_and_is_whole_when_redirected() -> None:
    from onec_history.cli.update_cmd import _diff_line
    from onec_history.update import Diff

    long = Diff("body", "Клиент просил перезвонить после обеда, " * 4, "Договорились о встрече\nв четверг " * 5)
    line = _diff_line(long, 80)
    assert len(line) <= 80 and line.startswith("  body: Клиент просил") and " → Договорились" in line
    assert "\n" not in line and line.count("…") == 2
    whole = _diff_line(long, 0)
    assert whole.endswith("в четверг") and len(whole) > 200
    assert _diff_line(Diff("comment", "", "да"), 80) == "  comment: — → да"


def test_mark_deleted_then_unmark_from_the_command_line(capsys: pytest.CaptureFixture[str], base: DemoServer,
                                                        tmp_path: Path) -> None:
    number = planned_numbers(base.url, 1)[0]
    ledger = ("--ledger", str(tmp_path / "l.sqlite"))
    code, out, err = cli(capsys, "--url", base.url, "events", "mark-deleted", number, *ledger)
    assert code == ExitCode.OK and out.splitlines()[1:] == ["  deleted: нет → да"], err
    code, out, err = cli(capsys, "--url", base.url, "events", "unmark", number, *ledger)
    assert code == ExitCode.OK and out.splitlines()[1:] == ["  deleted: да → нет"], err
    ev = next(e for e in history(base.url).events(EventFilter()) if e.number == number)
    assert ev.deleted is False and ev.posted is False


def test_a_completed_and_rescheduled_call_reads_so_in_events_show(capsys: pytest.CaptureFixture[str],
                                                                  base: DemoServer, tmp_path: Path) -> None:
    ev = next(iter(history(base.url).events(EventFilter(state=EventState.PLANNED))))
    ledger = ("--ledger", str(tmp_path / "l.sqlite"))
    assert cli(capsys, "--url", base.url, "events", "complete", ev.ref, *ledger)[0] == ExitCode.OK
    assert cli(capsys, "--url", base.url, "events", "reschedule", ev.ref, "--start", "20.04.2026 15:30",
               *ledger)[0] == ExitCode.OK
    code, out, _ = cli(capsys, "--url", base.url, "events", "show", ev.ref)
    assert code == ExitCode.OK
    assert "Состояние: Завершено" in out and "Начало: 20.04.2026 15:30:00" in out


def test_a_filter_leaves_marked_events_alone_and_a_named_event_is_changed_as_asked(
        capsys: pytest.CaptureFixture[str], base: DemoServer, tmp_path: Path) -> None:
    h = history(base.url)
    evs = [e for e in h.events(EventFilter(state=EventState.PLANNED)) if not e.deleted]
    marked, kept = evs[0], evs[1]
    Client(Transport(base.url)).patch("Document_Событие", marked.ref, {"DeletionMark": True})
    code, out, err = cli(capsys, "--url", base.url, "events", "cancel", "--state", "planned", "--format", "jsonl")
    refs = {json.loads(line)["ref"] for line in out.splitlines()}
    assert code == ExitCode.OK and kept.ref in refs and marked.ref not in refs, err
    # Somebody reopens it; the command that names it cancels it again (no ledger for named events).
    Client(Transport(base.url)).patch("Document_Событие", kept.ref, {"СостояниеСобытия": "Запланировано"})
    code, out, _ = cli(capsys, "--url", base.url, "events", "cancel", kept.ref, "--ledger", str(tmp_path / "l"))
    assert code == ExitCode.OK and out.startswith(f"{kept.number}: changed")
    code, out, _ = cli(capsys, "--url", base.url, "events", "unmark", "--state", "planned", "--format", "jsonl")
    assert [json.loads(line)["ref"] for line in out.splitlines() if '"changed"' in line] == [marked.ref]


def test_redirected_output_in_cp1251_is_readable_and_never_a_traceback(base: DemoServer, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    number = planned_numbers(base.url, 1)[0]
    env = {**os.environ, "PYTHONIOENCODING": "cp1251", "XDG_CACHE_HOME": str(tmp_path / "c")}
    for argv in (["events", "complete", number, "--dry-run"], ["events", "list", "--limit", "2"]):
        done = subprocess.run([sys.executable, "-m", "onec_history.cli.main", "--url", base.url, *argv],
                              capture_output=True, env=env, timeout=60, check=False)
        assert done.returncode == ExitCode.OK, done.stderr.decode("cp1251", "replace")
        text = done.stdout.decode("cp1251")
        assert "Traceback" not in done.stderr.decode("cp1251", "replace")
        if argv[1] == "complete":
            assert text.splitlines() == [f"{number}: would change", "  state: Запланировано -> Завершено"]
        else:
            assert "Телефонный звонок" in text or "Электронное письмо" in text  # as 1C presents the kind


def test_a_cell_with_trailing_blanks_is_the_text_1c_holds_and_lines_are_named(
        capsys: pytest.CaptureFixture[str], base: DemoServer, tmp_path: Path) -> None:
    number = planned_numbers(base.url, 1)[0]
    changes = tmp_path / "changes.csv"
    changes.write_text(f"number;subject\n{number};Перезвонить   \n;без номера\n", encoding="utf-8")
    args = ("--url", base.url, "events", "update", "--file", str(changes), "--ledger", str(tmp_path / "l"))
    code, out, _ = cli(capsys, *args)
    assert code == ExitCode.PARTIAL
    assert out.splitlines()[0] == f"line 2: {number}: changed" and "line 3: —: failed" in out
    code, out, _ = cli(capsys, *args)
    assert out.splitlines()[0] == f"line 2: {number}: unchanged"  # not 'superseded', not changed again


def test_reschedule_with_an_end_before_the_start_says_so_without_asking_for_the_end(
        capsys: pytest.CaptureFixture[str], base: DemoServer) -> None:
    number = planned_numbers(base.url, 1)[0]
    code, out, _ = cli(capsys, "--url", base.url, "events", "reschedule", number, "--start", "2026-09-28 12:00",
                       "--end", "2026-09-28 11:00")
    assert code == ExitCode.BAD_INPUT and "before the start" in out and "give the end too" not in out
    code, _, err = cli(capsys, "--url", base.url, "events", "reassign", "--responsible", "Петров")
    assert code == ExitCode.USAGE and "--of)" in err

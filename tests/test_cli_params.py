"""cli/params: --until takes a bare date as the whole day, a date with a time as that moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from onec_history.cli.main import main
from onec_history.cli.params import DATE, UNTIL
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode


@click.command()
@click.option("--since", type=DATE)
@click.option("--until", type=UNTIL)
def probe(since: datetime | None, until: datetime | None) -> None:
    click.echo(f"{since.isoformat() if since else '-'} {until.isoformat() if until else '-'}")


@pytest.mark.parametrize(("typed", "until"), [
    ("05.03.2026", "2026-03-05T23:59:59"),
    ("2026-03-05", "2026-03-05T23:59:59"),
    ("05.03.2026 00:00", "2026-03-05T00:00:59"),  # a time typed is kept (to its minute), midnight too
    ("2026-03-05T11:30", "2026-03-05T11:30:59"),  # minutes as 1C's lists show them: the whole minute
    ("05.03.2026 10:15:04", "2026-03-05T10:15:04"),
    ("05.03.26", "2026-03-05T23:59:59"),  # 1C's two-digit year
    (" 05.03.2026 ", "2026-03-05T23:59:59"),
])
def test_until(typed: str, until: str) -> None:
    result = CliRunner().invoke(probe, ["--since", "05.03.2026", "--until", typed])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["2026-03-05T00:00:00", until]


def test_a_wrong_date_is_a_usage_error_naming_the_formats() -> None:
    result = CliRunner().invoke(probe, ["--until", "31.02.2026"])
    assert result.exit_code == 2
    assert "31.02.2026" in result.output and "DD.MM.YYYY" in result.output and "%" not in result.output
    assert "DATE" in CliRunner().invoke(probe, ["--help"]).output


@pytest.mark.parametrize("command", [["events", "list"], ["history", "7701000001"], ["events", "export"],
                                     ["report", "activity", "--by", "kind"], ["report", "funnel"]])
def test_a_period_that_ends_before_it_starts_is_refused(command: list[str], ut10: DemoServer,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", ut10.url, *command, "--since", "10.03.2026", "--until", "01.03.2026"])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE, err
    assert "after it ends" in err and "Swap --since and --until" in err


def test_list_filters_take_the_words_events_create_takes(ut10: DemoServer,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = main(["--url", ut10.url, "events", "list", "--kind", "call", "--limit", "5", "--format", "json"])
    calls = json.loads(capsys.readouterr().out)
    assert code == ExitCode.OK and calls
    for word in ("звонок", "ТелефонныйЗвонок", "phone"):
        code = main(["--url", ut10.url, "events", "list", "--kind", word, "--limit", "5", "--format", "json"])
        assert code == ExitCode.OK and json.loads(capsys.readouterr().out) == calls
    code = main(["--url", ut10.url, "events", "list", "--kind", "visit", "--limit", "1", "--format", "json"])
    assert code == ExitCode.OK and all(e["kind"] == "meeting" for e in json.loads(capsys.readouterr().out))
    code = main(["--url", ut10.url, "events", "list", "--state", "завершено", "--direction", "вх", "--limit", "1"])
    assert code == ExitCode.OK
    code = main(["--url", ut10.url, "events", "list", "--kind", "прогулка"])
    assert code == ExitCode.USAGE and "not a kind" in capsys.readouterr().err


def test_a_client_not_found_is_the_same_exit_code_everywhere(ut10: DemoServer, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    codes = {
        main(["--url", ut10.url, "counterparties", "show", "ООО Несуществующая"]),
        main(["--url", ut10.url, "events", "list", "--counterparty", "ООО Несуществующая"]),
        main(["--url", ut10.url, "history", "ООО Несуществующая"]),
        main(["--url", ut10.url, "events", "create", "--kind", "call", "--counterparty", "ООО Несуществующая",
              "--start", "2026-03-05 10:00", "--ledger", str(tmp_path / "l.sqlite")]),
    }
    capsys.readouterr()
    assert codes == {ExitCode.NOT_PUBLISHED}

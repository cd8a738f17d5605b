"""Two-digit years (issue 13.11): ``31.12.99`` follows one documented rule everywhere (00–29 are
20xx, 30–99 are 19xx, dates.PIVOT) and an import says how it read each such date."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.counterparties.rows import _datetime
from onec_history.create.spec import Vocabulary, content_hash, parse_row
from onec_history.dates import parse_datetime_text, period_end, two_digit_year
from onec_history.exitcodes import ExitCode

ROW = {"counterparty": "code:000000004", "kind": "call", "start": "2024-05-01 10:00"}


def import_dry(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main([*extra, "events", "import", str(path), "--dry-run"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("text", "year"), [
    ("31.12.99", 1999), ("01.01.30", 1930), ("01.01.29", 2029), ("01.01.00", 2000), ("15.03.24 10:15", 2024),
    ("01.01.50", 1950), ("01.01.68", 1968), ("01.01.69", 1969),
])
def test_one_rule_for_two_digit_years(text: str, year: int) -> None:
    assert parse_datetime_text(text).year == year
    assert two_digit_year(text) is not None


def test_the_end_of_a_period_follows_the_rule_too() -> None:
    assert period_end("31.12.29") == datetime(2029, 12, 31, 23, 59, 59)
    assert period_end("31.12.30 10:15") == datetime(1930, 12, 31, 10, 15, 59)


def test_four_digit_years_are_not_two_digit_ones() -> None:
    for text in ("31.12.1999", "1999-12-31", "01.01.2029 10:00", "2024-05-01T10:00:00"):
        assert two_digit_year(text) is None


def test_the_row_says_how_a_two_digit_year_was_read() -> None:
    event, errors = parse_row({**ROW, "start": "31.12.99 10:00", "end": "31.12.99 11:00"}, Vocabulary.default())
    assert event is not None and not errors
    assert event.start == datetime(1999, 12, 31, 10, 0)
    notes = event.notes
    assert notes == ("start '31.12.99 10:00' read as 31.12.1999 (two-digit year)",
                     "end '31.12.99 11:00' read as 31.12.1999 (two-digit year)")


def test_a_note_is_not_part_of_the_identity() -> None:
    typed, _ = parse_row({**ROW, "start": "31.12.99 10:00"}, Vocabulary.default())
    full, _ = parse_row({**ROW, "start": "31.12.1999 10:00"}, Vocabulary.default())
    assert typed is not None and full is not None
    assert content_hash(typed) == content_hash(full)


@pytest.mark.usefixtures("isolated")
def test_dry_run_reports_the_two_digit_year(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "old.csv"
    path.write_text("external_id,counterparty,kind,start,subject\n1,code:000000004,call,31.12.99 10:00,старый\n"
                    "2,code:000000004,call,01.02.25 10:00,новый\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="onec_history"):
        code, out, err = import_dry(path, capsys)
    assert code == ExitCode.OK, err
    said = out + err + caplog.text  # the warning goes to stderr (pytest's log capture takes it here)
    assert "line 2: start '31.12.99 10:00' read as 31.12.1999 (two-digit year)" in said
    assert "1 more row read the same way (years 00–29 are 20xx, 30–99 are 19xx" in said


def test_counterparty_dates_follow_the_same_rule() -> None:
    assert _datetime("01.02.29") == "2029-02-01T00:00:00"
    assert _datetime("01.02.30") == "1930-02-01T00:00:00"
    assert _datetime("2024-05-01 10:00") == "2024-05-01T10:00:00"


@pytest.mark.usefixtures("isolated")
def test_a_failed_row_says_it_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.csv"
    path.write_text("counterparty,kind,start\ncode:999999999,call,31.12.99 10:00\n", encoding="utf-8")
    code, out, _ = import_dry(path, capsys)
    assert code != ExitCode.OK
    assert "line 2: failed — counterparty:" in out and "start '31.12.99 10:00' read as 31.12.1999" in out

"""Dates and times as people type them, in the 1C server's local time.

One reading for every command and file: ``YYYY-MM-DD``, ``DD.MM.YYYY`` or 1C's two-digit year
``DD.MM.YY``, each with ``HH:MM`` or ``HH:MM:SS`` if needed, or ISO 8601 with a zone (converted to
the server's zone when it is known). A two-digit year follows one rule (:data:`PIVOT`): ``00``–``29``
are 2000–2029, ``30``–``99`` are 1930–1999; an import says so for each such date
(:func:`describe_two_digit_year`). A bound keeps the precision it was typed with: as the end of
a period, a bare date is the whole day (to 23:59:59) and ``10:15`` the whole minute (to
10:15:59) — a time copied from a table, where 1C shows minutes, finds the event at 10:15:04.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

__all__ = ["DATE_HELP", "PIVOT", "describe_two_digit_year", "parse_datetime_text", "period_end", "two_digit_year"]

_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S",
)
DATE_HELP = ("YYYY-MM-DD, DD.MM.YYYY or DD.MM.YY, with HH:MM or HH:MM:SS if needed "
             "(or ISO 8601 with a zone, YYYY-MM-DDTHH:MM:SS+03:00)")
RELATIVE_HELP = "or a day relative to today: today, yesterday, tomorrow, -7d, +2w, week-start, month-start, year-start"

# Days relative to today, for scheduled jobs (cron, Task Scheduler) that cannot compute a date
# themselves; Russian words too. Each names a day (its 00:00; as --until the whole day).
_RELATIVE = re.compile(r"([+-])(\d{1,4})\s*([dwдн])", re.IGNORECASE)
_NAMED_DAYS = {"today": 0, "сегодня": 0, "yesterday": -1, "вчера": -1, "tomorrow": 1, "завтра": 1}
_STARTS = {"week-start": "week", "month-start": "month", "year-start": "year",
           "начало-недели": "week", "начало-месяца": "month", "начало-года": "year"}

PIVOT = 30
"""Two-digit years below it are 20xx, the others 19xx: ``29`` is 2029, ``30`` is 1930.

The one rule for every date typed with two digits (``DD.MM.YY``), as 1C's own date input reads
them. Python's ``%y`` would read ``50`` as 2050 and ``69`` as 1969 (the POSIX pivot), which no 1C
user expects. Sources: 1C:Enterprise 7.7 made the century a setting («Год начала рабочего
столетия», Сервис → Параметры → Общие); no 8.x document giving the pivot was found, so this
follows the common default for two-digit input — years up to 2029 (the Windows / .NET
``TwoDigitYearMax``, learn.microsoft.com "BaseCompareValidator.GetFullYear": 30 → 1930, 29 → 2029).
"""

# DD.MM.YY, then the time as the other formats allow it: the two-digit year is expanded, then parsed.
_TWO_DIGIT = re.compile(r"(\d{1,2}\.\d{1,2}\.)(\d{2})((?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)")


def two_digit_year(text: str) -> int | None:
    """The year as typed when ``text`` is a date with a two-digit year (``31.12.99`` → 99), else ``None``."""
    found = _TWO_DIGIT.fullmatch(text.strip())
    return int(found.group(2)) if found else None


def _full_year(yy: int) -> int:
    return 2000 + yy if yy < PIVOT else 1900 + yy


def describe_two_digit_year(text: str) -> str | None:
    """``'31.12.99' read as 31.12.1999 (two-digit year)`` for a date typed with a two-digit year, else ``None``."""
    yy = two_digit_year(text)
    if yy is None:
        return None
    try:
        value = parse_datetime_text(text)
    except ValueError:
        return None
    return f"'{text.strip()}' read as {value:%d.%m.%Y} (two-digit year)"


def parse_datetime_text(text: str, *, server_tz: tzinfo | None = None) -> datetime:
    """A naive server-local datetime from the formats of DATE_HELP; ValueError with a reason."""
    raw = text.strip()
    short = _TWO_DIGIT.fullmatch(raw)
    candidate = raw
    if short is not None:  # DD.MM.YY → DD.MM.YYYY by the one rule (PIVOT)
        candidate = f"{short.group(1)}{_full_year(int(short.group(2)))}{short.group(3).replace('T', ' ')}"
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(candidate, fmt)
        except ValueError:
            continue
        return _plausible(value)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date; expected {DATE_HELP}") from None
    if value.tzinfo is not None:
        if server_tz is None:
            # 1C stores naive server-local time (odata-1c.md §1): converting needs the server's zone.
            raise ValueError(f"{raw!r} has a time zone; give local time, or set server_timezone in the config")
        value = value.astimezone(server_tz).replace(tzinfo=None)
    return _plausible(value.replace(microsecond=0))


def relative_day(text: str, *, today: date | None = None) -> datetime | None:
    """``today``, ``yesterday``, ``-7d``, ``+2w``, ``month-start``… as that day's 00:00 (``today``:
    this machine's day by default); ``None`` when ``text`` is not one of them. For the command
    line's date options only: a file's cell saying «вчера» would mean another day on every run."""
    today = today or date.today()
    word = text.strip().casefold()
    if word in _NAMED_DAYS:
        day = today + timedelta(days=_NAMED_DAYS[word])
    elif word in _STARTS:
        unit = _STARTS[word]
        day = (today - timedelta(days=today.weekday()) if unit == "week"
               else today.replace(day=1) if unit == "month" else today.replace(month=1, day=1))
    elif (m := _RELATIVE.fullmatch(word)) is not None:
        n = int(m.group(2)) * (7 if m.group(3) in ("w", "н") else 1)
        day = today + timedelta(days=n if m.group(1) == "+" else -n)
    else:
        return None
    return datetime(day.year, day.month, day.day)


def _plausible(value: datetime) -> datetime:
    if not 1900 <= value.year <= 3999:  # 1C dates end in 3999; earlier than 1900 is a typo in practice
        raise ValueError(f"{value:%Y-%m-%d} is outside 1900–3999")
    return value


def period_end(text: str, *, server_tz: tzinfo | None = None) -> datetime:
    """``text`` as the end of a period: the last second of what was typed (a day, a minute)."""
    value = parse_datetime_text(text, server_tz=server_tz)
    raw = text.strip()
    if ":" not in raw and "T" not in raw:
        return value + timedelta(hours=23, minutes=59, seconds=59)
    if raw.count(":") == 1 and not _has_zone(raw):
        return value + timedelta(seconds=59)
    return value


def _has_zone(raw: str) -> bool:
    return raw.endswith("Z") or "+" in raw or raw.rfind("-") > raw.find("T") > 0

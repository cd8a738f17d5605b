"""Dates and times as people type them, in the 1C server's local time.

One reading for every command and file: ``YYYY-MM-DD``, ``DD.MM.YYYY`` or 1C's two-digit year
``DD.MM.YY``, each with ``HH:MM`` or ``HH:MM:SS`` if needed, or ISO 8601 with a zone (converted to
the server's zone when it is known). A bound keeps the precision it was typed with: as the end of
a period, a bare date is the whole day (to 23:59:59) and ``10:15`` the whole minute (to
10:15:59) — a time copied from a table, where 1C shows minutes, finds the event at 10:15:04.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

__all__ = ["DATE_HELP", "parse_datetime_text", "period_end"]

_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%y %H:%M:%S", "%d.%m.%y",
)
DATE_HELP = ("YYYY-MM-DD, DD.MM.YYYY or DD.MM.YY, with HH:MM or HH:MM:SS if needed "
             "(or ISO 8601 with a zone, YYYY-MM-DDTHH:MM:SS+03:00)")


def parse_datetime_text(text: str, *, server_tz: tzinfo | None = None) -> datetime:
    """A naive server-local datetime from the formats of DATE_HELP; ValueError with a reason."""
    raw = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(raw, fmt)
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

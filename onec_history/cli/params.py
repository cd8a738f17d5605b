"""Parameter types shared by the commands: dates as README gives them (read by ``dates.py``).

``--since`` takes a date or a date and time as it is; ``--until`` takes what was typed as the end
of the period: a bare date is the whole day (to 23:59:59 — 1C keeps seconds), ``10:15`` the whole
minute, ``10:15:04`` that second. A wrong date is a usage error (exit 2) naming the accepted
forms in words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from ..dates import DATE_HELP, parse_datetime_text, period_end

__all__ = ["DATE", "UNTIL"]


class _Date(click.ParamType[datetime, Any]):
    """A date or date and time; shown as DATE."""

    name = "date"

    def __init__(self, parse: Callable[[str], datetime]) -> None:
        self._parse = parse

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return self._parse(str(value))
        except ValueError as exc:
            reason = str(exc)
            if "is not a date" in reason:
                reason = f"{str(value).strip()!r} is not a date; expected {DATE_HELP}"
            self.fail(reason, param, ctx)


DATE = _Date(parse_datetime_text)
UNTIL = _Date(period_end)

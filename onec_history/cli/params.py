"""Parameter types shared by the commands: dates as README gives them.

``--since`` takes a date or a date and time as it is; ``--until`` takes a *bare* date as the
whole day (up to 23:59:59 — 1C keeps seconds), and a date with a time as exactly that moment,
``00:00`` included: ``--until 05.03.2026`` and ``--until "05.03.2026 00:00"`` are different
questions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

__all__ = ["DATE", "UNTIL"]

_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
            "%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]


class _Date(click.DateTime):
    """A date or date and time as README gives them; shown as DATE, not as a list of strftime codes."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DATE"


class _Until(_Date):
    """:class:`_Date`, with a bare date meaning the end of that day."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            for fmt in self.formats:
                try:
                    parsed = datetime.strptime(value.strip(), fmt)
                except ValueError:
                    continue
                return parsed if "%H" in fmt else parsed.replace(hour=23, minute=59, second=59)
        return super().convert(value, param, ctx)


DATE = _Date(formats=_FORMATS)
UNTIL = _Until(formats=_FORMATS)

"""What the commands share in their parameters: dates, the event filters, a client from a name.

Dates are read as README gives them (by ``dates.py``): ``--since`` takes a date or a date and
time as it is; ``--until`` takes what was typed as the end of the period: a bare date is the
whole day (to 23:59:59 — 1C keeps seconds), ``10:15`` the whole minute, ``10:15:04`` that second.
A wrong date is a usage error (exit 2) naming the accepted forms in words. A client
(``--counterparty``) is a name prefix, code, ИНН or reference; when it matches several
counterparties they are listed and the command ends with exit code 11.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

import click

from ..create.spec import Vocabulary, norm_word
from ..dates import DATE_HELP, RELATIVE_HELP, parse_datetime_text, period_end, relative_day
from ..history import AmbiguousError, EventFilter, History
from ..models import Counterparty, Direction, EventKind, EventState
from .exitcodes import ExitCode
from .output import emit
from .rows import CP_COLUMNS, cp_row

__all__ = ["DATE", "UNTIL", "build_filter", "event_filter_options", "resolve_client"]

F = TypeVar("F", bound=Callable[..., Any])


class _Date(click.ParamType[datetime, Any]):
    """A date or date and time; shown as DATE."""

    name = "date"

    def __init__(self, parse: Callable[[str], datetime], *, end: bool = False) -> None:
        self._parse = parse
        self._end = end  # a relative day as the end of a period: the whole day

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        day = relative_day(str(value))  # today, yesterday, -7d… (the command line's only, never a file's)
        if day is not None:
            return day + timedelta(hours=23, minutes=59, seconds=59) if self._end else day
        try:
            return self._parse(str(value))
        except ValueError as exc:
            reason = str(exc)
            if "is not a date" in reason:
                reason = f"{str(value).strip()!r} is not a date; expected {DATE_HELP}, {RELATIVE_HELP}"
            self.fail(reason, param, ctx)


DATE = _Date(parse_datetime_text)
UNTIL = _Date(period_end, end=True)


class _Word(click.ParamType[str, Any]):
    """A kind, state or direction in any spelling ``events create`` accepts; gives the logical value."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.name = what

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return self.what.upper()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        vocab = Vocabulary.default()
        tables: dict[str, Mapping[str, Enum]] = {"kind": vocab.kinds, "state": vocab.states,
                                                 "direction": vocab.directions}
        table = tables[self.what]
        found = table.get(norm_word(str(value)))
        if found is None or found is EventState.OTHER:
            self.fail(f"{value!r} is not a {self.what}; expected {vocab.known(self.what)}", param, ctx)
        return str(found.value)


def event_filter_options(fn: F) -> F:
    """The shared filters of event listings: --since, --until, --kind, --state, --direction, --responsible."""
    options = [
        click.option("--since", type=DATE, help="From this date: YYYY-MM-DD or DD.MM.YYYY, with HH:MM[:SS] if needed."),
        click.option("--until", type=UNTIL, help="Up to this date (a bare date includes the whole day)."),
        click.option("--kind", type=_Word("kind"), help="Kind of event: call, meeting, email, letter, sms, "
                     "record, other — or the words events create takes (visit, звонок, ТелефонныйЗвонок…)."),
        click.option("--state", type=_Word("state"), help="planned, completed or cancelled (or 1C's name)."),
        click.option("--direction", type=_Word("direction"), help="incoming or outgoing (входящее, исходящее)."),
        click.option("--responsible", help="Responsible user: a name prefix or a reference."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def build_filter(history: History, *, counterparty: str | None, since: datetime | None, until: datetime | None,
                 kind: str | None, state: str | None, direction: str | None, responsible: str | None) -> EventFilter:
    """The filter of :func:`event_filter_options`' values (the responsible is looked up by name)."""
    return EventFilter(
        counterparty=counterparty,
        since=since,
        until=until,
        kind=EventKind(kind) if kind else None,
        state=EventState(state) if state else None,
        direction=Direction(direction) if direction else None,
        responsible=history.find_user(responsible) if responsible else None,
    )


def resolve_client(ctx: click.Context, history: History, spec: str) -> Counterparty:
    """A counterparty from a name prefix, code, ИНН or reference; ambiguity lists the candidates."""
    try:
        return history.find_counterparty(spec)
    except AmbiguousError as exc:
        click.echo(f"'{spec}' matches several counterparties:", err=True)
        candidates = history.counterparty_search.with_names(exc.candidates)
        emit((cp_row(c) for c in candidates), "table", columns=CP_COLUMNS, out=sys.stderr)
        click.echo("Give more of the name, the code, the ИНН or the reference.", err=True)
        ctx.exit(int(ExitCode.AMBIGUOUS))
        raise  # unreachable: ctx.exit raises

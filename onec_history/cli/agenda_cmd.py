"""``agenda``: the planned events of a day, a week or overdue, per responsible (``agenda.py``).

Registered in ``commands.py``. The table is one small table per responsible under a heading; on a
terminal it is cut to the terminal's width like every other table (``output.emit``), piped it keeps
whole values. csv, json and jsonl are one flat row per event, sorted the same way. The table and
csv are for people: the kind as 1C shows it («Телефонный звонок») under the family's headings
(«Вид события» and «Описание» in УТ 10.3, «Событие» and «Тема» in УНФ); json and jsonl keep the
identifiers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import click

from ..agenda import AgendaItem, agenda, base_now, by_responsible, day_period, week_period
from ..dates import DATE_HELP, parse_datetime_text
from ..presentations import event_labels, kind_title
from ..profiles import Family
from .app import App, pass_app
from .output import emit, format_option, terminal_width

__all__ = ["agenda_cmd", "agenda_columns", "agenda_row", "table_columns"]


def table_columns(family: Family | str) -> list[tuple[str, str]]:
    """The table under each responsible: time, client, phone, kind, subject. The keys are the ones
    a narrow terminal's fitting keeps whole (``output._fit``): the time a date, the client a name,
    the phone a number; the kind and the subject are what gets shortened."""
    labels = event_labels(family)
    return [("date", labels.start), ("name", "Контрагент"), ("number", "Телефон"), ("kind_label", labels.kind),
            ("subject", labels.subject)]


def agenda_columns(family: Family | str) -> list[tuple[str, str]]:
    """csv: the event's fields as the family's 1C names them; JSON carries every field of :func:`agenda_row`."""
    labels = event_labels(family)
    return [("responsible", "Ответственный"), ("start", labels.start), ("end", labels.end),
            ("client", "Контрагент"), ("phones", "Телефоны"), ("kind_raw", labels.kind),
            ("subject", labels.subject), ("overdue", "Просрочено"), ("number", "Номер"), ("ref", "Ссылка")]

_DAYS = {"today": 0, "сегодня": 0, "tomorrow": 1, "завтра": 1, "yesterday": -1, "вчера": -1}


def agenda_row(item: AgendaItem) -> dict[str, Any]:
    """An event of the agenda with stable field names (``kind`` logical, ``kind_raw`` 1C's)."""
    return {"responsible": item.responsible_name, "responsible_ref": item.responsible, "start": item.start,
            "end": item.end, "client": item.client, "client_ref": item.client_ref, "phones": list(item.phones),
            "kind": item.kind, "kind_raw": item.kind_raw, "subject": item.subject, "overdue": item.overdue,
            "number": item.number, "ref": item.ref}


def _table_row(item: AgendaItem, family: Family | str) -> dict[str, Any]:
    # Always date and time, as 1C's lists show them (output's cell drops a midnight time).
    return {"date": f"{item.start:%d.%m.%Y %H:%M}" if item.start else "", "name": item.client,
            "number": item.phone, "kind_label": kind_title(item.kind_raw, family), "subject": item.subject}


def _day(text: str, today: date, server_tz: Any) -> date:
    word = text.strip().casefold()
    if word in _DAYS:
        return today + timedelta(days=_DAYS[word])
    try:
        return parse_datetime_text(text, server_tz=server_tz).date()
    except ValueError as exc:
        reason = str(exc)
        if "is not a date" in reason:
            reason = f"{text.strip()!r} is not a day; expected today, tomorrow or {DATE_HELP}"
        raise click.BadParameter(reason, param_hint="'--day'") from None


def _heading(text: str) -> str:
    """A heading cut to the terminal, as emit cuts the table under it."""
    width = terminal_width()
    if width is None:
        return text
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


@click.command("agenda")
@click.option("--responsible", help="Only this responsible user (employee in УНФ): a name prefix or a reference.")
@click.option("--day", "day_text", metavar="DAY",
              help="today (default), tomorrow, yesterday or a date: YYYY-MM-DD, DD.MM.YYYY or DD.MM.YY.")
@click.option("--week", is_flag=True, help="The whole ISO week (Monday to Sunday) holding the day.")
@click.option("--overdue", is_flag=True,
              help="Only what should have started by now; alone: every overdue planned event, any day.")
@format_option()
@pass_app
def agenda_cmd(app: App, responsible: str | None, day_text: str | None, week: bool, overdue: bool, fmt: str) -> None:
    """Planned events by their start (НачалоСобытия), per responsible: time, client, phone, kind, subject.

    The day is [00:00, next day 00:00) in the 1C server's local time (server_timezone when set).
    An empty agenda says so and exits 0.
    """
    tz_name = app.settings().server_timezone
    now = base_now(tz_name)
    server_tz = app.server_tz()
    start: datetime | None
    end: datetime | None
    if overdue and day_text is None and not week:
        start, end = None, None
        what = f"overdue (start before {now:%d.%m.%Y %H:%M})"
    else:
        day = _day(day_text, now.date(), server_tz) if day_text is not None else now.date()
        start, end = week_period(day) if week else day_period(day)
        span = (f"in the week {start:%d.%m.%Y}–{end - timedelta(days=1):%d.%m.%Y}" if week
                else f"on {start:%d.%m.%Y}")
        what = f"overdue {span} (start before {now:%d.%m.%Y %H:%M})" if overdue else span
    history = app.history()
    ref = history.find_user(responsible) if responsible else None
    items = agenda(history, start=start, end=end, responsible=ref, overdue=overdue, now=now)
    empty = f"no planned events {what}" + (f" for {responsible}" if responsible else "")
    family = history.profile.family
    if fmt != "table":
        rows = (agenda_row(i) for i in items)
        if fmt == "csv":  # for people: the kind as 1C shows it, да/нет
            rows = ({**row, "kind_raw": kind_title(row["kind_raw"], family),
                     "overdue": "да" if row["overdue"] else "нет"} for row in rows)
        emit(rows, fmt, columns=agenda_columns(family))
        if not items:
            app.note(empty)
        return
    if not items:
        click.echo(empty)
        return
    groups = by_responsible(items)
    for n, (who, group) in enumerate(groups):
        if n:
            click.echo("")
        click.echo(_heading(f"{who} — {len(group)}"))
        emit((_table_row(i, family) for i in group), "table", columns=table_columns(family))
    app.note(f"{len(items)} planned events {what}, {len(groups)} responsible")

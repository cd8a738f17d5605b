"""How a report reads to people: its title and period, its columns with 1C's words, Russian values.

The report functions of :mod:`.compute` return machine rows (numbers, datetimes, stable
identifiers: what JSON writes). A :class:`Sheet` lays such rows out for people — a table, a CSV
for Excel, an XLSX workbook — each column with its heading in the words of the base's family and
a :class:`Kind` that says how its values are shown: ``4,2 %``, ``15,0``, ``да``/``нет``,
``dd.mm.yyyy`` in text, real number and date cells in XLSX (:mod:`.writers`).

Nothing here reads 1C or prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from .. import family_c
from ..presentations import event_labels, kind_title, type_title
from ..profiles import Family

__all__ = ["DEFAULT_ACTIVITY_DAYS", "Column", "Kind", "Period", "Sheet", "activity_period", "bound_text", "days_word",
           "kind_presenter", "ru_text", "sheet_for", "visible", "week_monday"]

DEFAULT_ACTIVITY_DAYS = 30


class Kind(Enum):
    """How a column's values are written for people."""

    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"  # one decimal: 15,0
    PERCENT = "percent"  # a share (0.042) shown as 4,2 %
    DATE = "date"  # dd.mm.yyyy
    DATETIME = "datetime"  # dd.mm.yyyy HH:MM
    WEEK = "week"  # an ISO week, shown by its days: 02.11–08.11.2026; in XLSX its Monday
    BOOL = "bool"  # да / нет


@dataclass(frozen=True)
class Column:
    """One column of a report for people.

    ``value`` takes the machine row and gives what is shown (a presentation where 1C has one);
    ``short`` is the heading of a terminal table where the full one would take the room of its
    values; ``fit`` is the role the column plays when a table is fitted to a narrow terminal
    (:func:`onec_history.cli.output._fit`: ``ref`` goes first, ``date`` is never cut, ``number``
    and ``name`` are kept whole longest, the droppable roles go in their order).
    """

    key: str
    heading: str
    kind: Kind = Kind.TEXT
    short: str | None = None
    fit: str = ""
    value: Callable[[Mapping[str, Any]], Any] | None = None

    def get(self, row: Mapping[str, Any]) -> Any:
        return self.value(row) if self.value is not None else row.get(self.key)

    @property
    def table_heading(self) -> str:
        return self.short or self.heading


@dataclass(frozen=True)
class Period:
    """What a report covers: ``since``–``until`` (either may be open) as of a moment.

    ``default_days`` is set when the period was not asked for but taken by default: the report
    then says so aloud.
    """

    as_of: datetime
    since: datetime | None = None
    until: datetime | None = None
    default_days: int | None = None

    def words(self) -> str:
        """The period in Russian: «за 30 дней: 04.11.2026 04:57 – 04.12.2026 04:57», «01.01.2026 – 30.06.2026»."""
        span = f"{bound_text(self.since, start=True)} – {bound_text(self.until, start=False)}" \
            if self.since is not None and self.until is not None else ""
        if self.default_days is not None:
            return f"за {self.default_days} {days_word(self.default_days)}: {span}"
        return span

    def as_json(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "as_of": self.as_of}


@dataclass
class Sheet:
    """A report laid out for people: title, period, columns, rows, and how it groups them."""

    name: str  # the report's command name (inactive, overdue, activity, funnel)
    title: str  # one line: what the report is, for when and what period
    sheet_name: str  # an XLSX sheet's name (31 characters at most)
    columns: list[Column]
    rows: list[dict[str, Any]]
    period: Period
    group: Column | None = None  # a table shows it as a line above its rows instead of a column
    totals: Callable[[Mapping[str, Any]], bool] = field(default=lambda row: False)

    def json_rows(self) -> list[dict[str, Any]]:
        """The machine rows, each with the report's period (``since``, ``until``, ``as_of``)."""
        meta = self.period.as_json()
        return [{**row, **meta} for row in self.rows]


# -- Russian values ---------------------------------------------------------------------------------
def days_word(n: int) -> str:
    """«день», «дня» or «дней» after ``n``."""
    if n % 10 == 1 and n % 100 != 11:
        return "день"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "дня"
    return "дней"


def bound_text(moment: datetime | None, *, start: bool) -> str:
    """A period's bound: the date alone where it is a whole day's edge, else with the time."""
    if moment is None:
        return "…"
    whole = moment.time() == time.min if start else moment.time().replace(microsecond=0) == time(23, 59, 59)
    return f"{moment:%d.%m.%Y}" if whole else f"{moment:%d.%m.%Y %H:%M}"


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def week_monday(value: Any) -> date | None:
    """The Monday of a week group (``2026-W45 (02.11)``); ``None`` for any other value."""
    if not isinstance(value, str) or len(value) < 8 or value[4:6] != "-W":
        return None
    try:
        return date.fromisocalendar(int(value[:4]), int(value[6:8]), 1)
    except ValueError:
        return None


def ru_text(value: Any, kind: Kind) -> str:
    """``value`` as a Russian reader expects it in text (a table, a CSV cell)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or kind is Kind.BOOL:
        return "да" if value else "нет"
    if kind is Kind.PERCENT and isinstance(value, int | float):
        return _decimal(value * 100) + " %"
    if kind is Kind.DECIMAL and isinstance(value, int | float):
        return _decimal(float(value))
    if kind is Kind.WEEK:
        monday = week_monday(value)
        if monday is None:
            return str(value)
        sunday = monday + timedelta(days=6)
        first = f"{monday:%d.%m}" if monday.year == sunday.year else f"{monday:%d.%m.%Y}"
        return f"{first}–{sunday:%d.%m.%Y}"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}" if kind is Kind.DATE else f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return _decimal(value)
    return " ".join(str(value).split())


# -- the reports' layouts ------------------------------------------------------------------------------
# 1C's words: the kind and subject as each family's Событие (or interaction) names them
# (presentations.event_labels); УТ 11's interactions name a partner for the client.
_CLIENT_HEADING = {Family.A: "Контрагент", Family.B: "Контрагент", Family.C: "Партнер"}
_BY_KIND = {Family.A: "по видам событий", Family.B: "по типам событий", Family.C: "по типам взаимодействий"}
_FIRST_STEP = "Первое обращение"
_TOTAL = "итого"  # the group of activity's last row (JSON keeps it)


def _stamp(moment: datetime) -> str:
    return f"{moment:%d.%m.%Y %H:%M}"


def _total_row(row: Mapping[str, Any]) -> bool:
    return row.get("group") == _TOTAL


def _interaction_title(code: str) -> str:
    """Family C's logical kind (call, email, …) as 1C names its documents: both e-mail documents
    («Электронное письмо входящее», «… исходящее») give what their titles share, «Электронное письмо»."""
    titles = [type_title(d.set_name).split() for d in family_c.EVENT_DOCS if d.kind == code]
    if not titles:
        return code
    common = [w for w, *rest in zip(*titles, strict=False) if all(r == w for r in rest)]
    return " ".join(common or titles[0])


def kind_presenter(family: Family) -> Callable[[str | None], str]:
    """How a report shows a kind of ``family``: its enum value (A, B) or document (C) as 1C presents
    it; family C's activity groups by the logical kind, shown by its documents' title."""
    def present(value: str | None) -> str:
        if not value:
            return ""
        if family is Family.C and value in _INTERACTION_KINDS:
            return _interaction_title(value)
        return kind_title(value, family)

    return present


_INTERACTION_KINDS = {d.kind for d in family_c.EVENT_DOCS}


def sheet_for(name: str, rows: list[dict[str, Any]], period: Period, family: Family, *,
              by: str | None = None, days: int | None = None, horizon: int | None = None) -> Sheet:
    """The layout of report ``name`` over its ``rows`` for a base of ``family``: kinds and document
    types as 1C presents them (:mod:`onec_history.presentations`), headings in the family's words."""
    present = kind_presenter(family)
    labels = event_labels(family)
    kind_h, subject_h = labels.kind, labels.subject

    def kind_of(raw: str, code: str) -> Callable[[Mapping[str, Any]], Any]:
        return lambda row: present(row.get(raw) or row.get(code)) or None

    if name == "inactive":
        columns = [
            Column("client", "Покупатель", fit="name"),
            Column("inn", "ИНН", fit="kpp"),
            Column("last_completed", "Последний завершённый контакт", Kind.DATE, short="Последний", fit="date"),
            Column("days_since", "Дней без контакта", Kind.INT, short="Дней", fit="number"),
            Column("last_kind", kind_h, fit="kind_raw", value=kind_of("last_kind_raw", "last_kind")),
            Column("last_subject", subject_h),
            Column("next_planned", "Следующее запланированное", Kind.DATE, short="Следующее", fit="date"),
            Column("next_subject", "Что запланировано", fit="full_name"),
            Column("client_ref", "Ссылка", fit="ref"),
        ]
        manager = Column("manager", "Менеджер", fit="name")
        title = (f"Покупатели без завершённого контакта {days} {days_word(days or 0)} "
                 f"(с {bound_text(period.since, start=True)}), на {_stamp(period.as_of)}")
        return Sheet(name, title, "Без контакта", [manager, *columns], rows, period, group=manager)
    if name == "overdue":
        columns = [
            Column("start", "Начало", Kind.DATETIME, fit="date"),
            Column("days_overdue", "Просрочено, дней", Kind.INT, short="Дней", fit="number"),
            Column("client", _CLIENT_HEADING[family], fit="name"),
            Column("kind", kind_h, fit="kind_raw", value=kind_of("kind_raw", "kind")),
            Column("subject", subject_h),
            Column("number", "Номер", fit="number"),
            Column("ref", "Ссылка", fit="ref"),
        ]
        responsible = Column("responsible", "Ответственный", fit="name")
        title = f"Просроченные запланированные события на {_stamp(period.as_of)}"
        return Sheet(name, title, "Просроченные", [responsible, *columns], rows, period, group=responsible)
    if name == "activity":
        group: Column
        if by == "kind":
            group = Column("group", kind_h, fit="name",
                           value=lambda row: "Итого" if _total_row(row) else
                           row["group"] if row["group"] == "—" else present(row["group"]))
        elif by == "week":
            group = Column("group", "Неделя", Kind.WEEK, fit="name",
                           value=lambda row: "Итого" if _total_row(row) else row["group"])
        else:
            group = Column("group", "Ответственный", fit="name",
                           value=lambda row: "Итого" if _total_row(row) else row["group"])
        columns = [
            group,
            Column("events", "Событий", Kind.INT, fit="number"),
            Column("total_minutes", "Всего, мин", Kind.DECIMAL, fit="number"),
            Column("avg_minutes", "В среднем, мин", Kind.DECIMAL, fit="number"),
            Column("with_duration", "С длительностью", Kind.INT, short="С длит.", fit="number"),
        ]
        what = {"kind": _BY_KIND[family], "week": "по неделям"}.get(by or "", "по ответственным")
        title = f"Завершённые события {what} {period.words()}"
        return Sheet(name, title, "Активность", columns, rows, period, totals=_total_row)
    if name == "funnel":
        def step(row: Mapping[str, Any]) -> str:
            doc = row.get("document_type")
            return type_title(str(doc)) if doc else _FIRST_STEP

        columns = [
            Column("step", "Шаг", fit="name", value=step),
            Column("count", "Количество", Kind.INT, short="Кол-во", fit="number"),
            Column("conversion", "Конверсия от предыдущего", Kind.PERCENT, short="От предыдущего", fit="number"),
            Column("conversion_total", "Конверсия от первого", Kind.PERCENT, short="От первого", fit="number"),
            Column("median_days", "Медиана, дней от первого", Kind.DECIMAL, short="Медиана, дней", fit="number"),
        ]
        until = period.until
        later = f", заказы и отгрузки до {bound_text(until + timedelta(days=horizon), start=False)}" \
            if until is not None and horizon else ""
        title = f"Воронка продаж: первые обращения {period.words()}{later}"
        return Sheet(name, title, "Воронка", columns, rows, period)
    raise ValueError(f"no layout for the report {name!r}")


def activity_period(since: datetime | None, until: datetime | None, now: datetime) -> Period:
    """The period of ``report activity``: by default the :data:`DEFAULT_ACTIVITY_DAYS` days up to ``until``
    (or now)."""
    end = until or now
    if since is not None:
        return Period(now, since, end)
    return Period(now, end - timedelta(days=DEFAULT_ACTIVITY_DAYS), end, default_days=DEFAULT_ACTIVITY_DAYS)


def visible(columns: Sequence[Column], group: Column | None) -> list[Column]:
    """The columns of a table: the group is a line of its own."""
    return [c for c in columns if group is None or c.key != group.key]

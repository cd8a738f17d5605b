"""How counterparties and events are laid out in listings: the columns and rows commands share.

Tables and CSV are for people: their headings are what the family's 1C calls the field (УНФ's
«Событие» and «Тема», УТ 10.3's «Вид события» and «Описание») and the kind, direction and state
are 1C's presentations («Телефонный звонок»), see :mod:`onec_history.presentations`. JSON keeps
the stable identifiers and the raw values.
"""

from __future__ import annotations

from typing import Any

from ..models import Counterparty, Event
from ..presentations import direction_title, event_labels, kind_title, state_title
from ..profiles import Family

__all__ = ["CP_COLUMNS", "EVENT_COLUMNS", "MARK_COLUMN", "cp_row", "event_columns", "event_row", "marked"]

CP_COLUMNS = [("name", "Наименование"), ("code", "Код"), ("inn", "ИНН"), ("kpp", "КПП"),
              ("parent_name", "Группа"), ("manager_name", "Менеджер"), ("ref", "Ссылка")]


def event_columns(family: Family | str = Family.A, *, who: bool = True) -> list[tuple[str, str]]:
    """The (key, heading) pairs of an events table of ``family``; ``who``: with the client column.

    The keys stay the row's field names (``kind_raw``…): a table or CSV row from :func:`event_row`
    with ``family`` holds the presentation under them.
    """
    labels = event_labels(family)
    columns = [("date", "Дата"), ("start", labels.start), ("number", "Номер"), ("kind_raw", labels.kind),
               ("direction_raw", labels.direction), ("state_raw", labels.state), ("who", "Контрагент"),
               ("subject", labels.subject), ("responsible_name", "Ответственный"), ("ref", "Ссылка")]
    return [c for c in columns if who or c[0] != "who"]


EVENT_COLUMNS = event_columns(Family.A)
"""Family A's events table (УТ 10.3 / КА 1.1 / УПП)."""

MARK_COLUMN = ("mark", "")
"""1C's list icon as a character, in tables: ✗ marked for deletion, ✓ posted, ○ not posted (where the
family posts events). JSON and CSV carry ``deleted`` and ``posted`` instead."""


def marked(columns: list[tuple[str, str]], fmt: str) -> list[tuple[str, str]]:
    """``columns`` with the mark first in a table."""
    return [MARK_COLUMN, *columns] if fmt == "table" else columns


def cp_row(c: Counterparty, *, mark: bool = False) -> dict[str, Any]:
    row = c.model_dump()
    if mark:
        row["mark"] = "✗" if c.deleted else ""
    return row


def event_row(e: Event, *, mark: bool = False, postable: bool = False,
              family: Family | str | None = None) -> dict[str, Any]:
    """An event's fields; with ``family`` (a table or CSV) its kind, direction and state as 1C shows
    them, under the same keys; without (JSON) the raw values."""
    row = e.model_dump()
    row["who"] = e.who
    row["duration_minutes"] = e.duration_minutes
    if family is not None:
        row["kind_raw"] = kind_title(e.kind_raw, family, e.document_set)
        row["direction_raw"] = direction_title(e.direction_raw, family, e.direction)
        row["state_raw"] = state_title(e.state_raw, family)
    if mark:
        row["mark"] = "✗" if e.deleted else ("✓" if e.posted else "○") if postable else ""
    return row

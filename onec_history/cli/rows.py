"""How counterparties and events are laid out in listings: the columns and rows commands share."""

from __future__ import annotations

from typing import Any

from ..models import Counterparty, Event

__all__ = ["CP_COLUMNS", "EVENT_COLUMNS", "MARK_COLUMN", "cp_row", "event_row", "marked"]

CP_COLUMNS = [("name", "Наименование"), ("code", "Код"), ("inn", "ИНН"), ("kpp", "КПП"),
              ("parent_name", "Группа"), ("manager_name", "Менеджер"), ("ref", "Ссылка")]
EVENT_COLUMNS = [("date", "Дата"), ("start", "Начало"), ("number", "Номер"), ("kind_raw", "Вид"),
                 ("direction_raw", "Тип"),
                 ("state_raw", "Состояние"), ("who", "Контрагент"), ("subject", "Описание"),
                 ("responsible_name", "Ответственный"), ("ref", "Ссылка")]


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


def event_row(e: Event, *, mark: bool = False, postable: bool = False) -> dict[str, Any]:
    row = e.model_dump()
    row["who"] = e.who
    row["duration_minutes"] = e.duration_minutes
    if mark:
        row["mark"] = "✗" if e.deleted else ("✓" if e.posted else "○") if postable else ""
    return row

"""How counterparties and events are laid out in listings: the columns and rows commands share."""

from __future__ import annotations

from typing import Any

from ..models import Counterparty, Event

__all__ = ["CP_COLUMNS", "EVENT_COLUMNS", "cp_row", "event_row"]

CP_COLUMNS = [("name", "Наименование"), ("code", "Код"), ("inn", "ИНН"), ("kpp", "КПП"),
              ("parent_name", "Группа"), ("manager_name", "Менеджер"), ("ref", "Ссылка")]
EVENT_COLUMNS = [("date", "Дата"), ("number", "Номер"), ("kind_raw", "Вид"), ("direction_raw", "Тип"),
                 ("state_raw", "Состояние"), ("who", "Контрагент"), ("subject", "Описание"),
                 ("responsible_name", "Ответственный"), ("ref", "Ссылка")]


def cp_row(c: Counterparty) -> dict[str, Any]:
    return c.model_dump()


def event_row(e: Event) -> dict[str, Any]:
    row = e.model_dump()
    row["who"] = e.who
    row["duration_minutes"] = e.duration_minutes
    return row

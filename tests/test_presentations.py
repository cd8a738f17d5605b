"""1C's presentations (issue 17, item 7): enum values, document types and a family's column names as
1C shows them, from the synonyms of the public configuration dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.models import Direction
from onec_history.pages.svg import type_title as svg_type_title
from onec_history.presentations import (
    DOCUMENT_TITLES,
    direction_title,
    enum_title,
    event_labels,
    kind_title,
    split_name,
    state_title,
    type_title,
)
from onec_history.profiles import Family

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(("value", "title"), [
    ("ТелефонныйЗвонок", "Телефонный звонок"),
    ("ЛичнаяВстреча", "Личная встреча"),
    ("ЭлектронноеПисьмо", "Электронное письмо"),
    ("ПочтовоеПисьмо", "Почтовое письмо"),
    ("СообщениеSMS", "Сообщение SMS"),
    ("Прочее", "Прочее"),
    ("Входящее", "Входящее"),
    ("Запланировано", "Запланировано"),
    ("ЧастичноДоставлено", "Частично доставлено"),  # СостоянияДокументаСообщениеSMS (УТ 11)
    ("НеДоставлено", "Не доставлено"),
])
def test_an_enum_value_reads_as_its_synonym(value: str, title: str) -> None:
    assert enum_title(value) == title


def test_text_that_is_no_identifier_stays_as_it_is() -> None:
    # УНФ's state is a catalog: its name is already what 1C shows, even with capitals inside
    assert enum_title("Ждет ответа ООО «Ромашка»") == "Ждет ответа ООО «Ромашка»"
    assert enum_title("  Завершено ") == "Завершено"
    assert enum_title(None) == "" and enum_title("") == ""


@pytest.mark.parametrize(("entity_set", "title"), [
    ("Document_СчетНаОплатуПокупателю", "Счет на оплату покупателю"),
    ("Document_РеализацияТоваровУслуг", "Реализация товаров и услуг"),  # the split loses «и»
    ("StandardODATA.Document_СчетФактураВыданный", "Счет-фактура выданный"),
    ("ПереоценкаТоваровОтданныхНаКомиссию", "Переоценка товаров, отданных на комиссию"),
    ("Document_СообщениеSMS", "Сообщение SMS"),
    ("Document_ЭлектронноеПисьмоВходящее", "Электронное письмо входящее"),
    ("Document_НовыйДокументБазы", "Новый документ базы"),  # not in the table: the split
    ("Document_Акт", "Акт"),
])
def test_a_document_type_reads_as_its_synonym(entity_set: str, title: str) -> None:
    assert type_title(entity_set) == title


def test_the_table_holds_only_real_differences_or_verified_synonyms() -> None:
    # each entry is a synonym read from a dump; those the split gets wrong are the reason for the table
    differs = {name for name, title in DOCUMENT_TITLES.items() if split_name(name) != title}
    assert differs == {"РеализацияТоваровУслуг", "ПоступлениеТоваровУслуг", "ОтчетКомитентуОПродажах",
                       "ПереоценкаТоваровОтданныхНаКомиссию", "ПереоценкаТоваровПринятыхНаКомиссию",
                       "СчетФактураВыданный", "СчетФактураПолученный"}
    assert all(title[0].isupper() and "  " not in title for title in DOCUMENT_TITLES.values())


@pytest.mark.parametrize("base", ["ut10", "unf", "ut11"])
def test_every_document_of_the_demo_bases_has_a_verified_synonym(base: str) -> None:
    text = (FIXTURES / base / "metadata.xml").read_text(encoding="utf-8")
    import re

    names = set(re.findall(r'EntitySet Name="Document_([^"_]+)"', text))
    assert names and names <= set(DOCUMENT_TITLES), sorted(names - set(DOCUMENT_TITLES))


def test_the_pages_use_the_same_titles() -> None:
    assert svg_type_title is type_title


def test_labels_follow_each_family() -> None:
    a, b, c = (event_labels(f) for f in (Family.A, Family.B, Family.C))
    assert (a.kind, a.direction, a.subject, a.posted) == ("Вид события", "Тип события", "Описание", "Проведен")
    # УНФ: ТипСобытия's synonym is «Событие», the list titles the direction «Тип»; it cannot be posted
    assert (b.kind, b.direction, b.subject, b.posted) == ("Событие", "Тип", "Тема", None)
    assert (c.kind, c.direction, c.subject, c.body, c.posted) == ("Тип", "Входящий", "Тема", "Описание", None)
    assert event_labels("B") is b


def test_kind_direction_and_state_per_family() -> None:
    assert kind_title("ЛичнаяВстреча", Family.A) == "Личная встреча"
    assert kind_title("СообщениеSMS", Family.B) == "Сообщение SMS"
    assert kind_title("ТелефонныйЗвонок", Family.C, "Document_ТелефонныйЗвонок") == "Телефонный звонок"
    assert kind_title("ЗапланированноеВзаимодействие", Family.C) == "Запланированное взаимодействие"
    assert kind_title(None, Family.A) == "" and kind_title(None, Family.C) == ""
    assert direction_title("Исходящее", Family.A) == "Исходящее"
    assert direction_title("Входящее", Family.C, Direction.INCOMING) == "да"
    assert direction_title("Исходящее", Family.C, Direction.OUTGOING) == "нет"
    assert direction_title(None, Family.C, None) == ""
    assert state_title("ЧастичноДоставлено", Family.C) == "Частично доставлено"
    assert state_title("НаСогласовании", Family.B) == "НаСогласовании"  # a catalog item's own name
    assert state_title("Отменено", Family.A) == "Отменено"

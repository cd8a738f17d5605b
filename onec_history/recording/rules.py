"""What a recording treats as personal, and how it finds it in answers and request targets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from .. import family_c

__all__ = [
    "CLIENT_SETS",
    "DIGIT_FIELDS",
    "NAMED_TEXT_SETS",
    "NAME_FIELDS",
    "PEOPLE_SETS",
    "ROOT_PLACEHOLDER",
    "TEXT_FIELDS",
    "target_set",
]

#: Stands for the recorded base's service root in saved bodies (``odata.metadata``); a replay
#: puts its own address there. The host and publication of the base are never saved.
ROOT_PLACEHOLDER = "http://recorded.invalid/base/odata/standard.odata/"

# --------------------------------------------------------------------------- family data
# Which properties hold personal data. Names are 1C's own, in every family: this is data about
# data (what to hide), not a mapping of logical fields. The profile adds its own field names (for
# family C those of each interaction document: its subject, body, contact as typed, phone, e-mail).
DIGIT_FIELDS = frozenset({"ИНН", "КПП", "ОГРН", "ОГРНИП", "КодПоОКПО", "НомерТелефона", "СтраховойНомерПФР",
                          "СНИЛС",
                          # family C: a call's number, an SMS recipient's number, a phone's search column
                          "АбонентКакСвязаться", "НомерДляОтправки", "НомерТелефонаБезКодов"})
TEXT_FIELDS = frozenset({
    "Комментарий", "ОписаниеСобытия", "СодержаниеСобытия", "Содержание", "Тема", "Описание", "Примечание",
    "Текст", "ТекстПисьма", "ТемаПисьма", "ДополнительнаяИнформация", "Представление", "ЗначенияПолей",
    "АдресЭП", "ЭлектроннаяПочта", "Телефон", "Факс", "Адрес", "КонтактнаяИнформация", "КакСвязаться",
    "Контакт", "КонтактноеЛицо", "Лицо", "Должность", "ДоменноеИмяСервера",
    # family C (УТ 11 interactions, family-c.md): the contact as shown or typed, the participants' and
    # recipients' lists and rows, a sender's address, an SMS's text, a contact person's job title
    "АбонентПредставление", "ОтправительАдрес", "ОтправительПредставление", "СписокУчастников",
    "СписокПолучателейПисьма", "ПредставлениеКонтакта", "ТекстСообщения", "ДолжностьПоВизитке",
    "МестоПроведенияВстречи",
})
NAME_FIELDS = frozenset({"Фамилия", "Имя", "Отчество", "ФИО", "ФамилияИмяОтчество"})
PEOPLE_SETS = frozenset({"Catalog_Пользователи", "Catalog_Сотрудники", "Catalog_КонтактныеЛица",
                         "Catalog_КонтактныеЛицаКонтрагентов", family_c.PERSONS,
                         "Catalog_ФизическиеЛица", "Catalog_ЛичныеКонтакты", "Catalog_ВнешниеПользователи"})
CLIENT_SETS = frozenset({family_c.PARTNERS})
"""Catalogues other than the counterparties' whose names are clients' (companies, or persons by their
legal form): family C's partners, to whom interactions are tied."""
NAMED_TEXT_SETS = frozenset({family_c.STRING_CONTACTS, family_c.DEALS})
"""Catalogues whose names are typed-in text: an unregistered caller (family C keeps it as an item of
its own), a deal (an interaction's subject)."""
_NAME_KEYS = frozenset({"Description", "НаименованиеПолное", "НаименованиеСокращенное"})
# System properties and references: never personal, kept as they are.
_SAFE_KEYS = frozenset({"Ref_Key", "DataVersion", "Number", "Code", "Date", "PredefinedDataName", "LineNumber",
                        "Predefined", "IsFolder", "DeletionMark", "Posted"})
_LEGAL_FORM_FIELDS = ("ЮрФизЛицо", "ЮридическоеФизическоеЛицо")
# The legal forms' values; family C's partners keep theirs in ЮрФизЛицо (enum КомпанияЧастноеЛицо).
_LEGAL_VALUES = frozenset({"ЮрЛицо", "ЮридическоеЛицо", "Компания"})
_PERSON_VALUE = re.compile(r"физ|предпринимател|частн", re.IGNORECASE)
# ------------------------------------------------------------------------- end family data
_PERSON_PREFIX = re.compile(r"^(?:ИП|И\.\s?П\.|Индивидуальный\s+предприниматель)\s+", re.IGNORECASE)
_COMPANY_PREFIX = re.compile(
    r"^(?:ООО|OOO|ОАО|ЗАО|ПАО|НАО|АО|НКО|АНО|ГУП|МУП|ФГУП|ТОО|ПК|СПК|КФХ|ИП|И\.\s?П\.|"
    r"Общество\s+с\s+ограниченной\s+ответственностью|(?:Публичное\s+|Закрытое\s+|Открытое\s+|Непубличное\s+)?"
    r"[Аа]кционерное\s+общество|Индивидуальный\s+предприниматель)\s+")
_COMPANY_SUFFIX = re.compile(r"\s+(?:LLC|Ltd\.?|Inc\.?|GmbH|LLP|JSC|Co\.)$")
_FOLDERS_ONLY = re.compile(r"\$filter=IsFolder eq true(?:&|$| and )")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}")
# A quoted literal of a $filter, with the word in front of it (guid'…', datetime'…' are not text).
_LITERAL = re.compile(r"(\w*)'((?:[^']|'')*)'")
_FIELD_BEFORE = re.compile(r"([\w/]+)\s+(?:eq|ne|gt|ge|lt|le)\s+$|(?:startswith|endswith|like)\(\s*([\w/]+)\s*,\s*$")
_FIELD_AFTER = re.compile(r"^\s*,\s*([\w/]+)\s*\)")
_TYPE_NAME = re.compile(r"^(?:StandardODATA\.)?(?:Catalog|Document|DocumentJournal|InformationRegister|"
                        r"AccumulationRegister|ChartOf\w+|ExchangePlan|BusinessProcess|Task|Enum|Constant)_[\w.]+$")


def target_set(target: str) -> str:
    """The entity set a request target is about: ``Catalog_X(guid'…')?…`` → ``Catalog_X``."""
    return unquote(target.split("?")[0], encoding="utf-8").split("(")[0].split("/")[0]


def _json(body: str | None) -> Any:
    if not body or not body.lstrip().startswith("{"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _rows(set_name: str, doc: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every entity row of an answer (tabular sections inline included), with its set."""
    rows = doc.get("value") if isinstance(doc.get("value"), list) else [doc]
    for row in rows or ():
        if isinstance(row, dict):
            yield set_name, row
            for key, value in row.items():
                if isinstance(value, list):
                    yield from ((f"{set_name}_{key}", r) for r in value if isinstance(r, dict))


"""1C's presentations of what it stores: how a person sees a value, a document type or a column in 1C.

OData sends identifiers: an enum value is its name (``ТелефонныйЗвонок``), a document type its
metadata name (``Document_СчетНаОплатуПокупателю``). 1C shows their *synonyms*: «Телефонный звонок»,
«Счет на оплату покупателю». A synonym is, as a rule, the name split at its capitals with the later
words in lower case (an abbreviation such as SMS stays in capitals); where the real one differs
(«Реализация товаров и услуг», «Счет-фактура выданный») this module has a table of synonyms read
from public configuration dumps:

- УТ 11.5 (``work1cblackbird/ut11``): ``Documents/*.xml`` of the six interactions and the sales
  chain, ``Enums/СтатусыИсходящегоЭлектронногоПисьма.xml``, ``Enums/СостоянияДокументаСообщениеSMS.xml``,
  ``DocumentJournals/Взаимодействия.xml``;
- УПП 1.3.122 (``prodorus/1cconf1``) and УТП 1.2 (``malakhovua/utp``), built on the УТ 10.3 code:
  ``Documents/Событие.xml`` (its attributes and the 21 types of ``Основание``), ``Enums/ВидыСобытий``,
  ``ВходящееИсходящееСобытие``, ``СостоянияСобытий``; УТ 10 ``Enums/ВидыСобытий.xml``
  (``termokrator/MSK_UT10``);
- УНФ 1.6.4 (``antonbergit/skarby1c8``) and 3.0.8 (``AlexanderYekat/unf``): ``Documents/Событие.xml``
  and its list form, ``Enums/ТипыСобытий.xml``.

Every event enum value seen there reads as its split name, so :func:`enum_title` needs no table of
its own; document types do (:data:`DOCUMENT_TITLES`). What a family calls its columns follows the
same dumps (:func:`event_labels`). JSON keeps the identifiers: this is for people only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .profiles import Family

__all__ = [
    "DOCUMENT_TITLES",
    "EventLabels",
    "direction_title",
    "enum_title",
    "event_labels",
    "kind_title",
    "split_name",
    "state_title",
    "type_title",
]

_WORD = re.compile(r"[А-ЯЁA-Z][а-яёa-z0-9]*|[^А-ЯЁA-Z]+")
_IDENTIFIER = re.compile(r"[А-ЯЁA-Zа-яёa-z_][А-ЯЁA-Zа-яёa-z0-9_]*")

DOCUMENT_TITLES: dict[str, str] = {
    # family A (УПП 1.3 / УТ 10.3: Событие and the types its Основание may hold)
    "Событие": "Событие",
    "ЗаказПокупателя": "Заказ покупателя",
    "СчетНаОплатуПокупателю": "Счет на оплату покупателю",
    "РеализацияТоваровУслуг": "Реализация товаров и услуг",
    "ПоступлениеТоваровУслуг": "Поступление товаров и услуг",
    "ЭлектронноеПисьмо": "Электронное письмо",
    "ЗаказПоставщику": "Заказ поставщику",
    "СчетНаОплатуПоставщика": "Счет на оплату поставщика",
    "ВнутреннийЗаказ": "Внутренний заказ",
    "ЗаказНаПроизводство": "Заказ на производство",
    "РезервированиеТоваров": "Резервирование товаров",
    "ПриходныйКассовыйОрдер": "Приходный кассовый ордер",
    "РасходныйКассовыйОрдер": "Расходный кассовый ордер",
    "ПлатежноеПоручениеВходящее": "Платежное поручение входящее",
    "ПлатежноеПоручениеИсходящее": "Платежное поручение исходящее",
    "ВозвратТоваровОтПокупателя": "Возврат товаров от покупателя",
    "ВозвратТоваровПоставщику": "Возврат товаров поставщику",
    "ОтчетКомитентуОПродажах": "Отчет комитенту о продажах товаров",
    "ОтчетКомиссионераОПродажах": "Отчет комиссионера о продажах",
    "ПереоценкаТоваровОтданныхНаКомиссию": "Переоценка товаров, отданных на комиссию",
    "ПереоценкаТоваровПринятыхНаКомиссию": "Переоценка товаров, принятых на комиссию",
    "СчетФактураВыданный": "Счет-фактура выданный",
    "СчетФактураПолученный": "Счет-фактура полученный",
    # family B (УНФ 1.6 / 3.0)
    "СчетНаОплату": "Счет на оплату",
    "РасходнаяНакладная": "Расходная накладная",
    "ПриходнаяНакладная": "Приходная накладная",
    "ПоступлениеВКассу": "Поступление в кассу",
    "ПоступлениеНаСчет": "Поступление на счет",
    # family C (УТ 11.5: the interactions and the sales chain)
    "ТелефонныйЗвонок": "Телефонный звонок",
    "Встреча": "Встреча",
    "ЗапланированноеВзаимодействие": "Запланированное взаимодействие",
    "ЭлектронноеПисьмоВходящее": "Электронное письмо входящее",
    "ЭлектронноеПисьмоИсходящее": "Электронное письмо исходящее",
    "СообщениеSMS": "Сообщение SMS",
    "КоммерческоеПредложениеКлиенту": "Коммерческое предложение клиенту",
    "ЗаказКлиента": "Заказ клиента",
    "СчетНаОплатуКлиенту": "Счет на оплату клиенту",
    "ЗаявкаНаВозвратТоваровОтКлиента": "Заявка на возврат товаров от клиента",
    "ЗапросКоммерческогоПредложенияОтКлиента": "Запрос коммерческого предложения от клиента",
    "ЗаданиеТорговомуПредставителю": "Задание торговому представителю",
    "РассылкаКлиентам": "Рассылка клиентам",
    "ПоступлениеБезналичныхДенежныхСредств": "Поступление безналичных денежных средств",
}
"""Document synonyms as the dumps give them (``<Synonym>`` of ``Documents/<name>.xml``), by name."""


def split_name(name: str) -> str:
    """A metadata name split at its capitals, as 1C's designer proposes a synonym:
    ``КоммерческоеПредложениеКлиенту`` → «Коммерческое предложение клиенту», ``СообщениеSMS`` →
    «Сообщение SMS» (single capitals in a row are one abbreviation, kept in capitals)."""
    words: list[tuple[str, bool]] = []  # (word, an abbreviation: kept in capitals)
    for w in _WORD.findall(name):
        letter = len(w) == 1 and w.isupper()
        if letter and words and (words[-1][1] or (len(words[-1][0]) == 1 and words[-1][0].isupper())):
            words[-1] = (words[-1][0] + w, True)  # S, M, S → SMS
        else:
            words.append((w, False))
    if len(words) <= 1:
        return name
    return " ".join([words[0][0], *(w if abbr else w.lower() for w, abbr in words[1:])])


def enum_title(value: str | None) -> str:
    """An enum value as 1C presents it: ``ТелефонныйЗвонок`` → «Телефонный звонок»,
    ``ЧастичноДоставлено`` → «Частично доставлено». Text that is no identifier (a catalog item's
    name, already a presentation: «Ждет ответа») is returned as it is; ``None`` is ``""``."""
    if not value:
        return ""
    text = value.strip()
    if not _IDENTIFIER.fullmatch(text):
        return text
    return split_name(text)


def type_title(entity_set: str) -> str:
    """A document type as 1C's synonym: ``Document_РеализацияТоваровУслуг`` → «Реализация товаров и
    услуг». Takes the entity set (``Document_X``, ``StandardODATA.Document_X``) or the bare name;
    an unknown type gets its name split at capitals."""
    name = entity_set.removeprefix("StandardODATA.")
    name = name.partition("_")[2] or name
    return DOCUMENT_TITLES.get(name) or split_name(name)


# --------------------------------------------------------------------------- events, per family


@dataclass(frozen=True)
class EventLabels:
    """What a family's 1C calls an event's fields (headings of tables, labels of a card).

    ``posted`` is ``None`` where the family's events cannot be posted (УНФ's Событие and every
    interaction document have ``<Posting>Deny</Posting>``): no «Проведен» for them.
    """

    kind: str
    direction: str
    state: str
    subject: str
    start: str
    end: str
    body: str
    basis: str
    posted: str | None


_LABELS = {
    # УПП 1.3 / УТ 10.3 Событие: «Вид события», «Тип события» (incoming/outgoing); the list form
    # titles the subject «Описание»; the event can be posted.
    Family.A: EventLabels(kind="Вид события", direction="Тип события", state="Состояние", subject="Описание",
                          start="Начало", end="Окончание", body="Содержание", basis="Основание", posted="Проведен"),
    # УНФ 1.6.4 and 3.0.8: ТипСобытия's synonym is «Событие» (so is its list column), the list titles
    # ВходящееИсходящее «Тип»; Тема, Содержание, Состояние (a catalog); it cannot be posted.
    Family.B: EventLabels(kind="Событие", direction="Тип", state="Состояние", subject="Тема",
                          start="Начало", end="Окончание", body="Содержание", basis="Документ основание",
                          posted=None),
    # УТ 11: the kind is the document type; the journal «Взаимодействия» has the Boolean column
    # «Входящий»; Тема, Описание; no interaction can be posted.
    Family.C: EventLabels(kind="Тип", direction="Входящий", state="Состояние", subject="Тема",
                          start="Начало", end="Окончание", body="Описание", basis="Взаимодействие основание",
                          posted=None),
}


def event_labels(family: Family | str) -> EventLabels:
    """The labels of ``family``'s events (:class:`EventLabels`)."""
    return _LABELS[Family(family)]


def kind_title(kind_raw: str | None, family: Family | str, document_set: str | None = None) -> str:
    """An event's kind as 1C shows it: the enum's synonym (A, B), the document type's (C)."""
    if Family(family) is Family.C:
        name = document_set or kind_raw
        return type_title(name) if name else ""
    return enum_title(kind_raw)


def direction_title(direction_raw: str | None, family: Family | str, direction: Any = None) -> str:
    """An event's direction as 1C shows it: «Входящее»/«Исходящее» (A, B: the enum's synonym);
    in C the journal's Boolean «Входящий»: «да»/«нет» (``direction``: the logical value)."""
    if Family(family) is Family.C:
        value = getattr(direction, "value", direction)
        return {"incoming": "да", "outgoing": "нет"}.get(str(value), "") if value is not None else ""
    return enum_title(direction_raw)


def state_title(state_raw: str | None, family: Family | str) -> str:
    """An event's state as 1C shows it: the enum's synonym (A; C's e-mail and SMS statuses such as
    «Частично доставлено»), the catalog item's name as it is (B: already the presentation)."""
    if Family(family) is Family.B:
        return (state_raw or "").strip()
    return enum_title(state_raw)

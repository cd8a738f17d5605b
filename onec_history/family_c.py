"""Family C (УТ 11, КА 2, 1С:ERP): how it is recognised and which sets it needs published.

These configurations keep no ``Document_Событие``. A contact with a client is one of six
*interaction* documents, and it is tied to a **partner** (``Catalog_Партнеры``, which the
counterparty points at through ``Партнер_Key``) or to the partner's contact person. Registers hold
an interaction's contacts, its subject (usually a deal) and each contact's last interaction. The
names come from the public УТ 11.5 configuration dump (``work1cblackbird/ut11``) and a real УТ 11
``$metadata``; see ``shared/reference/family-c.md``.

A family-C base is recognised by any of its marks, not only by a published interaction document.
An administrator who has published nothing but the counterparties is told what to publish for
family C, instead of being told to add ``Document_Событие``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .metadata import Metadata

__all__ = ["EVENT_DOCS", "INTERACTIONS", "SETS", "EventDoc", "SetNeed", "is_family_c", "marks", "missing"]

INTERACTIONS = (
    "Document_ТелефонныйЗвонок",
    "Document_Встреча",
    "Document_ЗапланированноеВзаимодействие",
    "Document_ЭлектронноеПисьмоВходящее",
    "Document_ЭлектронноеПисьмоИсходящее",
    "Document_СообщениеSMS",
)
"""The six documents of the journal «Взаимодействия»."""


@dataclass(frozen=True)
class SetNeed:
    name: str
    purpose: str
    required: bool


SETS: tuple[SetNeed, ...] = (
    SetNeed("Catalog_Контрагенты", "clients: search, cards; each points at its partner (Партнер_Key)", True),
    SetNeed("Catalog_Партнеры", "partners: the contacts interactions are tied to; codes and groups", True),
    SetNeed("Catalog_КонтактныеЛицаПартнеров", "the partners' contact persons, also contacts of interactions",
            True),
    SetNeed("Document_ТелефонныйЗвонок", "calls (interaction)", True),
    SetNeed("Document_Встреча", "meetings (interaction; participants in its section Участники)", True),
    SetNeed("Document_ЗапланированноеВзаимодействие", "planned interactions", True),
    SetNeed("Document_ЭлектронноеПисьмоВходящее", "incoming e-mails (interaction)", True),
    SetNeed("Document_ЭлектронноеПисьмоИсходящее", "outgoing e-mails (interaction; recipients in a section)",
            True),
    SetNeed("Document_СообщениеSMS", "SMS messages (interaction)", True),
    SetNeed("Catalog_СтроковыеКонтактыВзаимодействий", "unregistered callers kept as text", False),
    SetNeed("InformationRegister_КонтактыВзаимодействий", "which contacts each interaction concerns, as 1C "
            "keeps it (onec-history reads the contacts from the documents themselves)", False),
    SetNeed("Catalog_Пользователи", "names of authors and responsibles", False),
    SetNeed("InformationRegister_ПредметыПапкиВзаимодействий", "each interaction's subject (a deal), "
            "the to-do flag Рассмотрено and РассмотретьПосле", False),
    SetNeed("InformationRegister_СостоянияКонтактовВзаимодействий", "the date of each contact's last "
            "interaction (report inactive)", False),
    SetNeed("Catalog_СделкиСКлиентами", "deals: the bridge between interactions and sales documents", False),
    SetNeed("Document_КоммерческоеПредложениеКлиенту", "offers: the start of the sales chain", False),
    SetNeed("Document_ЗаказКлиента", "customer orders (sales chain, by deal)", False),
    SetNeed("Document_РеализацияТоваровУслуг", "sales (sales chain, by deal)", False),
)
"""Every set onec-history reads in a family-C base, with what it is for."""

_CATALOG_MARKS = ("Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров", "Catalog_СтроковыеКонтактыВзаимодействий")
_OTHER_MARKS = ("InformationRegister_КонтактыВзаимодействий", "InformationRegister_ПредметыПапкиВзаимодействий",
                "InformationRegister_СостоянияКонтактовВзаимодействий", "DocumentJournal_Взаимодействия",
                "Document_ЗаказКлиента", "Catalog_СделкиСКлиентами")


def marks(md: Metadata) -> list[str]:
    """What in ``md`` shows a family-C base (empty: none)."""
    found = [name for name in (*INTERACTIONS, *_CATALOG_MARKS, *_OTHER_MARKS) if name in md]
    counterparties = md.sets.get("Catalog_Контрагенты")
    if counterparties is not None and "Партнер_Key" in counterparties.properties:
        found.append("Catalog_Контрагенты.Партнер_Key")
    return found


def is_family_c(md: Metadata) -> bool:
    """A base of the «Взаимодействия» family, whatever of it is published yet.

    A base that publishes ``Document_Событие`` is family A or B even when some of these names
    exist (an integration may have added a catalog «Партнеры»).
    """
    return "Document_Событие" not in md and bool(marks(md))


def missing(md: Metadata) -> tuple[list[SetNeed], list[SetNeed]]:
    """(required, optional) family-C sets that ``md`` does not publish."""
    absent = [s for s in SETS if s.name not in md]
    return [s for s in absent if s.required], [s for s in absent if not s.required]


# --------------------------------------------------------------------------- family data
# How each interaction document keeps what a family-A/B Событие keeps, by 1C's attribute names
# (УТ 11.5 dump: Documents/<name>.xml). Every name is checked against the base's $metadata when
# the profile is bound (absent ones drop out), so a customised base that lacks one still reads.

PARTNERS = "Catalog_Партнеры"
PERSONS = "Catalog_КонтактныеЛицаПартнеров"
STRING_CONTACTS = "Catalog_СтроковыеКонтактыВзаимодействий"
CONTACTS_REGISTER = "InformationRegister_КонтактыВзаимодействий"
SUBJECTS_REGISTER = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES_REGISTER = "InformationRegister_СостоянияКонтактовВзаимодействий"
PARTNER_ATTR = "Партнер"  # Контрагенты.Партнер, ЗаказКлиента.Партнер, СделкиСКлиентами.Партнер
PARTNER_MANAGER = "ОсновнойМенеджер"
PARTNER_IS_CLIENT = "Клиент"
REGISTER_DOCUMENT = "Взаимодействие"  # the dimension naming the interaction in the registers
REGISTER_CONTACT = "Контакт"
REGISTER_SUBJECT = "Предмет"
REGISTER_REVIEWED = "Рассмотрено"
REGISTER_REVIEW_AFTER = "РассмотретьПосле"
REGISTER_LAST = "ДатаПоследнегоВзаимодействия"

COMMON_FIELDS: dict[str, str | None] = {
    "responsible": "Ответственный", "author": "Автор", "subject": "Тема", "body": "Описание",
    "comment": "Комментарий", "basis": "ВзаимодействиеОснование", "importance": "Важность",
    # a customised base may keep these on the document itself instead of the register
    "topic": "Предмет", "reviewed": "Рассмотрено", "review_after": "РассмотретьПосле",
}
"""What the six documents share (the journal's columns)."""


@dataclass(frozen=True)
class EventDoc:
    """One interaction document as an event: its kind (the document type), where it names the
    client (a header composite or a section of participants), its direction and its state."""

    set_name: str
    kind: str  # an EventKind value
    fields: tuple[tuple[str, str | None], ...] = ()  # logical → attribute, over COMMON_FIELDS
    section: str | None = None  # participants: Участники, ПолучателиПисьма, Адресаты
    column: str | None = None
    more_sections: tuple[str, ...] = ()  # further sections of the same shape (an e-mail's copies)
    direction: str | None = None  # fixed by the type, else read from the field "direction" (Входящий)
    state: str = "completed"  # an EventState value, unless the field "state" says otherwise
    state_values: tuple[tuple[str, str], ...] = ()  # the state enum's values → EventState values
    planned_when_future: bool = False  # a meeting whose start is ahead is planned (not verified in 1C)

    def mapping(self) -> dict[str, str | None]:
        return {**COMMON_FIELDS, **dict(self.fields)}


EVENT_DOCS: tuple[EventDoc, ...] = (
    EventDoc("Document_ТелефонныйЗвонок", "call",
             (("counterparty", "АбонентКонтакт"), ("direction", "Входящий"), ("phone", "АбонентКакСвязаться"),
              ("contact_text", "АбонентПредставление"))),
    EventDoc("Document_Встреча", "meeting",
             (("start", "ДатаНачала"), ("end", "ДатаОкончания"), ("place", "МестоПроведенияВстречи")),
             section="Участники", column="Контакт", planned_when_future=True),
    EventDoc("Document_ЗапланированноеВзаимодействие", "planned", (), section="Участники", column="Контакт",
             state="planned"),
    EventDoc("Document_ЭлектронноеПисьмоВходящее", "email",
             (("counterparty", "ОтправительКонтакт"), ("contact_text", "ОтправительПредставление"),
              ("start", "ДатаПолучения"), ("body", "Текст"), ("email", "ОтправительАдрес")),
             direction="incoming"),  # its ПолучателиПисьма are our own addresses (the criterion skips them)
    EventDoc("Document_ЭлектронноеПисьмоИсходящее", "email",
             (("start", "ДатаОтправления"), ("body", "Текст"), ("state", "СтатусПисьма"),
              ("contact_text", "СписокПолучателейПисьма")),
             section="ПолучателиПисьма", column="Контакт", direction="outgoing",
             more_sections=("ПолучателиКопий", "ПолучателиСкрытыхКопий"),  # 1C's КонтактыВзаимодействий counts them
             state_values=(("Отправлено", "completed"), ("Черновик", "planned"), ("Исходящее", "planned"))),
    EventDoc("Document_СообщениеSMS", "sms",
             (("body", "ТекстСообщения"), ("state", "Состояние"), ("contact_text", "СписокУчастников")),
             section="Адресаты", column="Контакт", direction="outgoing",
             state_values=(("Черновик", "planned"), ("Исходящее", "planned"), ("Доставляется", "completed"),
                           ("Доставлено", "completed"), ("ЧастичноДоставлено", "completed"),
                           ("НеДоставлено", "cancelled"))),
)

DEALS = "Catalog_СделкиСКлиентами"
DEAL_ATTR = "Сделка"  # ЗаказКлиента.Сделка, РеализацияТоваровУслуг.Сделка, КоммерческоеПредложениеКлиенту.Сделка
DEAL_START = "ДатаНачала"
CLIENT_ATTRS = ("Партнер", "Клиент")  # a sales document's partner (КоммерческоеПредложениеКлиенту: Клиент)
STATE_WORDS = {"planned": "Запланировано", "completed": "Завершено", "cancelled": "Отменено"}
"""Family C has no state enum; the derived state is shown in the words families A and B use."""

_MAILS = ("Document_ЭлектронноеПисьмоВходящее", "Document_ЭлектронноеПисьмоИсходящее")
_MAILING = (*INTERACTIONS, "Document_РассылкаКлиентам")
_OFFER = "Document_КоммерческоеПредложениеКлиенту"
_ORDER = "Document_ЗаказКлиента"

BUILTIN_LINKS: tuple[tuple[str, str, str | None, tuple[str, ...] | None], ...] = (
    # (document, attribute, tabular section, the document types it may hold — the dump's type lists)
    ("Document_ТелефонныйЗвонок", "ВзаимодействиеОснование", None, INTERACTIONS),
    ("Document_Встреча", "ВзаимодействиеОснование", None, INTERACTIONS),
    ("Document_ЗапланированноеВзаимодействие", "ВзаимодействиеОснование", None, INTERACTIONS),
    ("Document_ЭлектронноеПисьмоВходящее", "ВзаимодействиеОснование", None, _MAILS),
    ("Document_ЭлектронноеПисьмоИсходящее", "ВзаимодействиеОснование", None, _MAILING),
    ("Document_СообщениеSMS", "ВзаимодействиеОснование", None, _MAILING),
    (_OFFER, "ДокументОснование", None, (_OFFER, "Document_ЗапросКоммерческогоПредложенияОтКлиента")),
    (_ORDER, "ДокументОснование", None, (_OFFER, "Document_ЗаданиеТорговомуПредставителю")),
    ("Document_РеализацияТоваровУслуг", "ЗаказКлиента", None, (_ORDER, "Document_ЗаявкаНаВозвратТоваровОтКлиента")),
    ("Document_РеализацияТоваровУслуг", "ЗаказКлиента", "Товары", (_ORDER, "Document_ЗаявкаНаВозвратТоваровОтКлиента")),
)
"""The sales chain КП → ЗаказКлиента → РеализацияТоваровУслуг and the interactions' basis
(РеализацияТоваровУслуг.Основание is plain text, not a link)."""

COUNTERPARTY_FIELDS: dict[str, str | None] = {
    "full_name": "НаименованиеПолное", "inn": "ИНН", "kpp": "КПП", "legal_form": "ЮридическоеФизическоеЛицо",
    "comment": "ДополнительнаяИнформация", "partner": PARTNER_ATTR,
}
"""Контрагенты of УТ 11: no Code, no groups (CodeLength 0, not hierarchical); codes, groups,
the manager and the «client» flag live on the partner."""
# ------------------------------------------------------------------------- end family data

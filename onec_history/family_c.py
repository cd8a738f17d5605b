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

__all__ = ["INTERACTIONS", "SETS", "SetNeed", "is_family_c", "marks", "missing"]

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
    SetNeed("InformationRegister_КонтактыВзаимодействий", "which contacts each interaction concerns: a "
            "client's history in a few requests", True),
    SetNeed("Catalog_СтроковыеКонтактыВзаимодействий", "unregistered callers kept as text", False),
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

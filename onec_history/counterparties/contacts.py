"""Contact information of counterparties: phones and e-mails as 1C shows them (Представление).

Family A (УТ 10.3 / КА 1.1 / УПП) keeps it in the register ``InformationRegister_КонтактнаяИнформация``
(``Объект`` + ``Объект_Type``, ``Тип``, ``Вид``, ``Представление``); family B (УНФ) in the
catalogue's tabular section ``Catalog_Контрагенты_КонтактнаяИнформация`` (``Ref_Key`` is the
owner, ``Тип``, ``Вид_Key``, ``Представление``). Where it lives is read from ``$metadata``: a base
that does not publish it gives empty lists and a warning, never an error.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import query as q
from ..client import Client
from ..metadata import Metadata
from ..profiles import Family, Profile

if TYPE_CHECKING:
    from ..history import History

__all__ = ["ContactSource", "contact_source", "phones_of"]

log = logging.getLogger("onec_history.contacts")

REGISTER_SET = "InformationRegister_КонтактнаяИнформация"
SECTION_NAME = "КонтактнаяИнформация"
PHONE = "Телефон"
EMAIL = "АдресЭлектроннойПочты"


@dataclass(frozen=True)
class ContactSource:
    """Where this base keeps counterparties' contact information, resolved against ``$metadata``."""

    entity_set: str
    owner_prop: str  # Объект (register, composite) or Ref_Key (tabular section)
    owner_type_prop: str | None  # Объект_Type for the register's composite owner
    type_prop: str | None  # Тип (enum ТипыКонтактнойИнформации)
    kind_prop: str | None  # Вид / Вид_Key
    presentation_prop: str  # Представление
    counterparty_set: str

    @property
    def composite_owner(self) -> bool:
        return self.owner_type_prop is not None

    def select(self) -> tuple[str, ...]:
        props = (self.owner_prop, self.owner_type_prop, self.type_prop, self.kind_prop, self.presentation_prop)
        return tuple(p for p in props if p)

    def owner_term(self, ref: str) -> q.Filter:
        return q.points_to(self.owner_prop, ref, self.counterparty_set, composite=self.composite_owner)

    def owner_of(self, row: dict[str, object]) -> str | None:
        if self.owner_type_prop is not None:
            typ = str(row.get(self.owner_type_prop) or "")
            if typ.removeprefix("StandardODATA.") != self.counterparty_set:
                return None
        value = row.get(self.owner_prop)
        return str(value) if value else None


def contact_source(md: Metadata, profile: Profile) -> ContactSource | None:
    """The contact-information set of this base, or ``None`` when it does not publish one."""
    cps = profile.counterparty_set
    candidates: list[str] = []
    if profile.family is Family.A:
        candidates = [REGISTER_SET, f"{cps}_{SECTION_NAME}"]
    else:
        candidates = [f"{cps}_{SECTION_NAME}", REGISTER_SET]
    for name in candidates:
        if name not in md:
            continue
        es = md.get(name)
        props = es.properties
        pres = "Представление" if "Представление" in props else None
        if pres is None:
            continue
        type_prop = "Тип" if "Тип" in props else None
        kind_prop = "Вид_Key" if "Вид_Key" in props else ("Вид" if "Вид" in props else None)
        if name == REGISTER_SET:
            if "Объект" not in es.composites:
                continue
            return ContactSource(name, "Объект", "Объект_Type", type_prop, kind_prop, pres, cps)
        return ContactSource(name, "Ref_Key", None, type_prop, kind_prop, pres, cps)
    return None


def _values_of(client: Client, source: ContactSource, refs: list[str], kind: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {ref: [] for ref in refs}
    if not refs:
        return out
    terms = [source.owner_term(ref) for ref in refs]
    where = q.eq(source.type_prop, kind) if source.type_prop else None
    query = q.Query(filter=where, select=source.select())
    for page in client.iter_any(source.entity_set, terms, query):
        for row in page:
            owner = source.owner_of(row)
            text = str(row.get(source.presentation_prop) or "").strip()
            if owner in out and text and text not in out[owner]:
                out[owner].append(text)
    return out


def phones_of(history: History, refs: Iterable[str]) -> dict[str, list[str]]:
    """Counterparty ``Ref_Key`` → its phones as 1C shows them (Представление), in 1C's order.

    Every ref asked is a key of the answer (an empty list when it has no phone). The refs are
    asked for in ``or`` groups, as many per request as the URL budget allows (1C has no ``in``):
    a page of 50 counterparties is one request. A base that does not publish its contact
    information answers empty lists (logged once as a warning).
    """
    wanted = list(dict.fromkeys(str(uuid.UUID(str(r))) for r in refs if r))
    source = contact_source(history.client.metadata(), history.profile)
    if source is None:
        if wanted:
            log.warning("this base publishes no contact information (%s or %s_%s): no phones shown",
                        REGISTER_SET, history.profile.counterparty_set, SECTION_NAME)
        return {ref: [] for ref in wanted}
    return _values_of(history.client, source, wanted, PHONE)

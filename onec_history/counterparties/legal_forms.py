"""Per-family 1C value names the sync needs and the profiles do not carry.

Family-specific 1C names live in this module only (configurations.md: Справочник.Контрагенты of
УТ 10.3 keeps the legal form in the enum ЮрФизЛицо, УНФ in ЮридическоеФизическоеЛицо). Code
outside it spells no Russian value name.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..profiles import Family

__all__ = ["LEGAL", "PARTNER_FIELDS", "PARTNER_KINDS", "PERSON", "STANDARD_HEADERS", "legal_form_values"]

LEGAL = "legal"
PERSON = "person"

# --------------------------------------------------------------------------- family data
_LEGAL_FORMS: dict[Family, dict[str, str]] = {
    Family.A: {LEGAL: "ЮрЛицо", PERSON: "ФизЛицо"},
    Family.B: {LEGAL: "ЮридическоеЛицо", PERSON: "ФизическоеЛицо"},
    Family.C: {LEGAL: "ЮридическоеЛицо", PERSON: "ФизическоеЛицо"},  # УТ 11: ЮридическоеФизическоеЛицо
}

# Family C: a new counterparty needs its partner (Catalog_Партнеры, where interactions are tied);
# the partner's own «company or private person» enum (КомпанияЧастноеЛицо).
PARTNER_KINDS: dict[str, str] = {LEGAL: "Компания", PERSON: "ЧастноеЛицо"}
PARTNER_FIELDS = {"name": "Description", "full_name": "НаименованиеПолное", "client": "Клиент",
                  "kind": "ЮрФизЛицо"}

# The platform's own names of a catalog's standard attributes, as a list exported from 1C heads its
# columns (the same in every configuration; OData calls them Description, Code, Parent, Ref_Key).
STANDARD_HEADERS: dict[str, str] = {"наименование": "name", "код": "code", "родитель": "group",
                                    "группа": "group", "ссылка": "ref"}
# ------------------------------------------------------------------------- end family data


def legal_form_values(family: Family, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{"legal": <1C value>, "person": <1C value>}`` for ``family`` (overridable)."""
    out = dict(_LEGAL_FORMS.get(family, {}))
    out.update(overrides or {})
    return out

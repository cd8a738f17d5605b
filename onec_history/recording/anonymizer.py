"""The :class:`Anonymizer`: which values of an answer are personal, and their fakes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..counterparties.legal_forms import LEGAL, PERSON, legal_form_values
from ..family_c import SUBJECTS_REGISTER
from .filters import FilterRewriter
from .rules import (
    _EMAIL,
    _FOLDERS_ONLY,
    _GUID,
    _LEGAL_FORM_FIELDS,
    _LEGAL_VALUES,
    _NAME_KEYS,
    _PERSON_PREFIX,
    _PERSON_VALUE,
    _SAFE_KEYS,
    CLIENT_SETS,
    DIGIT_FIELDS,
    NAME_FIELDS,
    NAMED_TEXT_SETS,
    PEOPLE_SETS,
    TEXT_FIELDS,
    _json,
    _rows,
    target_set,
)

if TYPE_CHECKING:
    from ..client import Client
    from ..profiles import Profile
    from .recorder import Recorded

__all__ = ["Anonymizer"]


class Anonymizer(FilterRewriter):
    """Replaces personal data by stable fakes of the same shape (keyed by a secret that is not stored).

    ``profile`` (the base's detected profile) adds the family's own field names: the event's subject,
    body and comment, the counterparty's legal form, the users' catalogue — for family C those of
    every interaction document (:meth:`Profile.views`). ``keep_company_names`` leaves legal
    entities' names as they are (natural persons and ИП are replaced all the same).

    Clients are the counterparties and the catalogues of :data:`CLIENT_SETS` (family C's partners):
    a client's name is faked as a company's or a person's wherever it occurs whole, a text field
    showing the contact of an interaction included, so that it gets the same fake everywhere.
    """

    def __init__(self, key: bytes | None = None, *, keep_company_names: bool = False,
                 profile: Profile | None = None) -> None:
        super().__init__(key)
        self.keep_company_names = keep_company_names
        self.persons: set[str] = set()  # counterparty refs of natural persons and individual entrepreneurs
        self.companies: set[str] = set()
        self.folders: set[str] = set()
        self.protected: set[str] = set()  # values of enum-like fields: never replaced, even inside finish()
        self.counterparty_set = "Catalog_Контрагенты"
        self.client_sets = {self.counterparty_set, *CLIENT_SETS}  # catalogues of clients' names
        self.client_names: dict[str, str] = {}  # a client's name → its reference (the first seen)
        self.people_names: set[str] = set()  # names of the people's catalogues' items
        self.event_sets = {"Document_Событие"}
        self.subject_fields = {"ОписаниеСобытия", "Тема"}
        # catalogues whose names are event subjects (УНФ's ТемыСобытий, family C's deals) or typed in
        self.text_sets: set[str] = set(NAMED_TEXT_SETS)
        self.people_sets = set(PEOPLE_SETS)
        self.text_fields = set(TEXT_FIELDS)
        self.digit_fields = set(DIGIT_FIELDS)
        self.inn_fields = {"ИНН"}
        self.legal_form_fields = set(_LEGAL_FORM_FIELDS)
        self.legal_values = set(_LEGAL_VALUES)
        self.person_values: set[str] = set()
        self.safe_filter_fields = set(_SAFE_KEYS)
        if profile is not None:
            self._adopt(profile)

    def _adopt(self, profile: Profile) -> None:
        self.counterparty_set = profile.counterparty_set
        self.client_sets.add(profile.counterparty_set)
        views = profile.views() or [profile]
        self.event_sets = {view.event_set for view in views if view.event_set}
        if profile.users_set:
            self.people_sets.add(profile.users_set)
        for view in views:
            event = view.event
            self.subject_fields.update(v for k, v in event.items() if v and k in ("subject", "topic"))
            self.text_fields.update(v for k, v in event.items()
                                    if v and k in ("subject", "body", "comment", "contact", "contact_text", "email",
                                                   "place"))
            self.digit_fields.update(v for k, v in event.items() if v and k == "phone")
            self.safe_filter_fields.update(v for k, v in event.items() if v and k in (
                "kind", "direction", "state", "object_kind", "importance"))
        cp = profile.counterparty
        self.text_fields.update(v for k, v in cp.items() if v and k == "comment")
        self.digit_fields.update(v for k, v in cp.items() if v and k in ("inn", "kpp"))
        if inn := cp.get("inn"):
            self.inn_fields.add(inn)
        if legal_form := cp.get("legal_form"):
            self.legal_form_fields.add(legal_form)
        forms = legal_form_values(profile.family)
        self.legal_values.update(v for k, v in forms.items() if k == LEGAL)
        self.person_values.update(v for k, v in forms.items() if k == PERSON)
        self.safe_filter_fields.update(v for k, v in cp.items() if v and k in ("buyer", "supplier", "legal_form"))


    # -- who is a person -----------------------------------------------------------------------------
    def learn(self, set_name: str, row: Mapping[str, Any]) -> None:
        """Note what a client's row (a counterparty, a partner) says about being a person, a legal
        entity or a folder, and which catalogues an event's subject refers to (their names are
        subjects too; family C keeps an interaction's subject in a register of its own)."""
        if set_name in self.event_sets or set_name == SUBJECTS_REGISTER:
            for name in self.subject_fields:
                type_ = row.get(f"{name}_Type")
                if isinstance(type_, str) and type_.startswith("StandardODATA."):
                    self.text_sets.add(type_.partition(".")[2])
        if set_name in self.people_sets:
            self.people_names.update(v for k, v in row.items() if k in _NAME_KEYS and isinstance(v, str) and v.strip())
        if set_name not in self.client_sets:
            return
        ref = row.get("Ref_Key")
        if not isinstance(ref, str):
            return
        if row.get("IsFolder") is True:
            self.folders.add(ref)
            return
        for name in _NAME_KEYS:
            value = row.get(name)
            if isinstance(value, str) and value.strip():
                self.client_names.setdefault(value, ref)
        person = legal = False
        for name in self.legal_form_fields:
            value = row.get(name)
            if isinstance(value, str) and value:
                person |= value in self.person_values or (bool(_PERSON_VALUE.search(value))
                                                          and value not in self.legal_values)
                legal |= value in self.legal_values
        for name in self.inn_fields:
            inn = row.get(name)
            if isinstance(inn, str) and inn.strip().isdigit():
                person |= len(inn.strip()) == 12
                legal |= len(inn.strip()) == 10
        for name in _NAME_KEYS:
            value = row.get(name)
            if isinstance(value, str) and _PERSON_PREFIX.match(value):
                person = True
        if person:
            self.persons.add(ref)
            self.companies.discard(ref)
        elif legal and ref not in self.persons:
            self.companies.add(ref)

    def learn_recording(self, items: Iterable[Recorded]) -> None:
        """:meth:`learn` from every counterparty row in the answers of a recording (the rows of a
        query for folders only, ``IsFolder eq true``, are folders)."""
        for item in items:
            doc = _json(item.body)
            if isinstance(doc, dict):
                folders = _FOLDERS_ONLY.search(unquote(item.target, encoding="utf-8")) is not None
                for set_name, row in _rows(target_set(item.target), doc):
                    self.learn(set_name, {**row, "IsFolder": True} if folders and "IsFolder" not in row else row)

    def unclassified(self, items: Iterable[Recorded]) -> set[str]:
        """Clients (counterparties, partners) whose names a recording holds but whose legal form it
        does not tell."""
        return {ref for refs in self._unclassified(items).values() for ref in refs}

    def _unclassified(self, items: Iterable[Recorded]) -> dict[str, set[str]]:
        known = self.persons | self.companies | self.folders
        out: dict[str, set[str]] = {}
        for item in items:
            doc = _json(item.body)
            if isinstance(doc, dict):
                for set_name, row in _rows(target_set(item.target), doc):
                    ref = row.get("Ref_Key")
                    if (set_name in self.client_sets and isinstance(ref, str) and ref not in known
                            and any(k in row for k in _NAME_KEYS)):
                        out.setdefault(set_name, set()).add(ref)
        return out

    def classify_counterparties(self, client: Client, items: Sequence[Recorded]) -> int:
        """Ask the base (not recorded) the legal form of the clients (counterparties, partners) a
        recording names without it.

        Returns how many were asked about. Without the answer a name is still replaced (as a company's).
        """
        by_set = self._unclassified(items)
        for set_name, refs in sorted(by_set.items()):
            es = client.entity_set(set_name)
            wanted = ["Ref_Key", "IsFolder", *sorted(self.legal_form_fields), *sorted(self.inn_fields), "Description"]
            select = tuple(dict.fromkeys(p for p in wanted if p in es.properties))
            for page in client.iter_by(set_name, "Ref_Key", [uuid.UUID(r) for r in sorted(refs)], select=select):
                for row in page:
                    self.learn(set_name, row)
        return sum(len(refs) for refs in by_set.values())

    # -- rows and bodies -----------------------------------------------------------------------------
    def _kind(self, set_name: str, row: Mapping[str, Any], key: str) -> str | None:
        type_ = row.get(f"{key}_Type")
        if isinstance(type_, str):  # a composite: text typed in (Edm.String) is free text, a reference is not
            return "text" if type_ == "Edm.String" else None
        if key in self.digit_fields:
            return "digits"
        if key in NAME_FIELDS:
            return "person"
        if key in _NAME_KEYS and set_name in self.people_sets:
            return "person"
        if key in _NAME_KEYS and set_name in self.client_sets:
            return "counterparty"
        if key in _NAME_KEYS and set_name in self.text_sets:
            return "text"
        if key in self.text_fields:
            return "text"
        return None

    def counterparty(self, value: str, ref: str | None) -> str:
        if ref is not None and ref in self.folders:
            return self._kept(value)
        if (ref is not None and ref in self.persons) or _PERSON_PREFIX.match(value):
            return self.person(value)
        if self.keep_company_names and ref is not None and ref in self.companies:
            return self._kept(value)
        return self.company(value)


    def _name(self, value: str) -> str | None:
        if value in self.client_names:
            return self.counterparty(value, self.client_names[value])
        if value in self.people_names:
            return self.person(value)
        return None

    def names_in(self, value: str) -> str | None:
        """The fake of a text that shows clients and people by name — «ООО Ромашка; Сидоров Павел
        Петрович», «Сидоров Павел Петрович <sidorov@example.ru>», as an interaction's participants
        or recipients are listed: each name by its own fake (so the text reads as the fakes do
        wherever the names are shown); None when a part is no name the recording knows."""
        if value in self.replaced:
            return self.replaced[value]
        parts: list[str] = []
        for part in value.split("; "):
            name, sep, rest = part.partition(" <")
            if sep and not (rest.endswith(">") and _EMAIL.fullmatch(rest[:-1])):
                return None
            fake = self._name(name)
            if fake is None:
                return None
            parts.append(fake + (f" <{self.text(rest[:-1])}>" if sep else ""))
        return self._keep(value, "; ".join(parts)) if parts else None

    def value(self, set_name: str, row: Mapping[str, Any], key: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.row(f"{set_name}_{key}", v) if isinstance(v, dict) else v for v in value]
        if isinstance(value, dict):
            return self.row(set_name, value)
        if not isinstance(value, str) or not value.strip():
            return value
        if key in _SAFE_KEYS or key.endswith(("_Key", "_Type")) or key.startswith("odata.") or "@" in key \
                or _GUID.fullmatch(value.strip()):
            return value
        if key in self.safe_filter_fields:  # enum values (ВидСобытия, СостояниеСобытия, ЮрФизЛицо…)
            self.protected.add(value)
            self.kept.add(value)
            return value
        kind = self._kind(set_name, row, key)
        if kind == "digits":
            return self.digits(value)
        if kind == "person":
            return self.person(value)
        if kind == "text":
            named = self.names_in(value)
            return named if named is not None else self.text(value)
        if kind == "counterparty":
            ref = row.get("Ref_Key")
            return self.counterparty(value, ref if isinstance(ref, str) else None)
        fake = self.free(value)
        return self._kept(value) if fake == value else self._keep(value, fake)

    def row(self, set_name: str, row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self.value(set_name, row, k, v) for k, v in row.items()}

    def document(self, target: str, doc: Any) -> Any:
        """A parsed answer (or request body) of ``target`` with personal data replaced."""
        if not isinstance(doc, dict):
            return doc
        set_name = target_set(target)
        if isinstance(doc.get("value"), list):
            out = {k: v for k, v in doc.items() if k != "value"}
            out["value"] = [self.row(set_name, r) if isinstance(r, dict) else r for r in doc["value"]]
            return out
        return self.row(set_name, doc)

    def body(self, target: str, body: str) -> str:
        doc = _json(body)
        if doc is None:
            return body
        return json.dumps(self.finish(self.document(target, doc)), ensure_ascii=False)

    def finish(self, doc: Any, pattern: re.Pattern[str] | None = None) -> Any:
        """Second pass: a kept text that contains a replaced value (an error message naming a person)
        gets the fake inside it too. ``pattern``: :meth:`originals`, computed once for many documents."""
        pattern = pattern or self.originals()
        if pattern is None:
            return doc

        def walk(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: walk(x) if not (k.startswith("odata.m") or "@" in k) else x for k, x in v.items()}
            if isinstance(v, list):
                return [walk(x) for x in v]
            if isinstance(v, str) and v in self.kept and v not in self.protected:
                fake = pattern.sub(lambda m: self.replaced[m.group(0)], v)
                if fake != v:
                    self.kept.discard(v)
                    return self._keep(v, fake)
            return v

        return walk(doc)

    def scrub(self, text: str, pattern: re.Pattern[str] | None = None) -> str:
        """A body that is not JSON (an HTML error page may echo the URL): replaced values replaced in it."""
        pattern = pattern or self.originals()
        text = self.free(text)
        return pattern.sub(lambda m: self.replaced[m.group(0)], text) if pattern is not None else text

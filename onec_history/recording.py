"""``onec-history record``: save a base's answers, with personal data replaced, for tests and replay.

A recording is a directory:

- ``metadata.xml`` — the base's ``$metadata`` as it came;
- ``exchanges.jsonl`` — one line per request: ``method``, ``target`` (path and query string
  relative to the service root, exactly as sent), ``status``, ``content_type``, ``body`` (text) and
  ``request_body``;
- ``manifest.json`` — what was recorded, when, from which family, which client and which commands
  replay (never the host, the user or the key of the replacements).

What is replaced (:class:`Anonymizer`), in every answer and in every filter of a request:

- people's names: users, employees, contact persons, natural persons (the Description of those
  catalogues, and name parts such as Фамилия), and the counterparties that are persons — an
  individual entrepreneur (ИП) or a natural person, told by the legal form attribute
  (ЮрФизЛицо / ЮридическоеФизическоеЛицо), a 12-digit ИНН or an «ИП» in front of the name;
- legal entities' names too, unless ``keep_company_names`` (counterparty folders keep theirs);
- ИНН, КПП, ОГРН and other numbers of a person or an organisation; phone numbers and e-mail
  addresses wherever they occur;
- free text: event subjects, bodies and comments, contact information, any composite attribute
  holding a string (an unregistered caller typed in), and every other text field of the profile.

A fake keeps the shape of the original: the same length, letters stay letters of the same
alphabet and case (vowels stay vowels), digits stay digits, spaces and punctuation stay, a legal
form in front («ООО», «ИП», «Индивидуальный предприниматель») is kept, and an ИНН keeps valid
check digits. Each fake is a keyed HMAC of the whole original, so the same value always gets the
same fake within a recording (and across recordings made with the same key), references and
filters still agree, and a prefix of a name maps to the prefix of its fake. The key is never
stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import __version__
from .counterparties.inn import is_valid_inn
from .counterparties.legal_forms import LEGAL, PERSON, legal_form_values
from .errors import ConfigError, OnecError
from .query import encode
from .transport import Exchange

if TYPE_CHECKING:
    from .client import Client
    from .profiles import Profile

__all__ = ["ROOT_PLACEHOLDER", "Anonymizer", "Recorded", "Recorder", "load_manifest", "load_recording",
           "save_recording"]

#: Stands for the recorded base's service root in saved bodies (``odata.metadata``); a replay
#: puts its own address there. The host and publication of the base are never saved.
ROOT_PLACEHOLDER = "http://recorded.invalid/base/odata/standard.odata/"

# Which properties hold personal data. Names are 1C's own, in every family: this is data about
# data (what to hide), not a mapping of logical fields. The profile adds its own field names.
DIGIT_FIELDS = frozenset({"ИНН", "КПП", "ОГРН", "ОГРНИП", "КодПоОКПО", "НомерТелефона", "СтраховойНомерПФР",
                          "СНИЛС"})
TEXT_FIELDS = frozenset({
    "Комментарий", "ОписаниеСобытия", "СодержаниеСобытия", "Содержание", "Тема", "Описание", "Примечание",
    "Текст", "ТекстПисьма", "ТемаПисьма", "ДополнительнаяИнформация", "Представление", "ЗначенияПолей",
    "АдресЭП", "ЭлектроннаяПочта", "Телефон", "Факс", "Адрес", "КонтактнаяИнформация", "КакСвязаться",
    "Контакт", "КонтактноеЛицо", "Лицо", "Должность",
})
NAME_FIELDS = frozenset({"Фамилия", "Имя", "Отчество", "ФИО", "ФамилияИмяОтчество"})
PEOPLE_SETS = frozenset({"Catalog_Пользователи", "Catalog_Сотрудники", "Catalog_КонтактныеЛица",
                         "Catalog_КонтактныеЛицаКонтрагентов", "Catalog_КонтактныеЛицаПартнеров",
                         "Catalog_ФизическиеЛица", "Catalog_ЛичныеКонтакты", "Catalog_ВнешниеПользователи"})
_NAME_KEYS = frozenset({"Description", "НаименованиеПолное", "НаименованиеСокращенное"})
# System properties and references: never personal, kept as they are.
_SAFE_KEYS = frozenset({"Ref_Key", "DataVersion", "Number", "Code", "Date", "PredefinedDataName", "LineNumber",
                        "Predefined", "IsFolder", "DeletionMark", "Posted"})
_LEGAL_FORM_FIELDS = ("ЮрФизЛицо", "ЮридическоеФизическоеЛицо")
_LEGAL_VALUES = frozenset({"ЮрЛицо", "ЮридическоеЛицо"})
_PERSON_VALUE = re.compile(r"физ|предпринимател", re.IGNORECASE)
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

_RU_VOWELS, _RU_CONSONANTS = "аеиоуыэюя", "бвгджзклмнпрстфхцчш"
_LAT_VOWELS, _LAT_CONSONANTS = "aeiou", "bcdfghklmnprstvz"
_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    status: int
    content_type: str
    body: str
    request_body: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "target": self.target, "status": self.status,
                "content_type": self.content_type, "body": self.body, "request_body": self.request_body}


class Recorder:
    """Collects a transport's exchanges (attach with ``transport.observers.append(recorder)``)."""

    def __init__(self) -> None:
        self.items: list[Recorded] = []
        self.metadata: bytes | None = None

    def __call__(self, ex: Exchange) -> None:
        resp = ex.response
        if ex.target.split("?")[0] == "$metadata":
            self.metadata = resp.content
            return
        self.items.append(Recorded(
            ex.method, ex.target, resp.status, resp.headers.get("Content-Type", ""),
            resp.content.decode("utf-8", errors="replace"),
            ex.request_body.decode("utf-8", errors="replace") if ex.request_body else None,
        ))


def target_set(target: str) -> str:
    """The entity set a request target is about: ``Catalog_X(guid'…')?…`` → ``Catalog_X``."""
    return unquote(target.split("?")[0], encoding="utf-8").split("(")[0].split("/")[0]


def _fake_char(ch: str, byte: int) -> str:
    if "0" <= ch <= "9":
        return str(byte % 10)
    low = ch.lower()
    if low in _RU_VOWELS or low == "ё":
        pool = _RU_VOWELS
    elif "а" <= low <= "я":
        pool = _RU_CONSONANTS
    elif low in _LAT_VOWELS or low == "y":
        pool = _LAT_VOWELS
    elif "a" <= low <= "z":
        pool = _LAT_CONSONANTS
    elif ch.isalpha():
        pool = _RU_CONSONANTS
    else:
        return ch
    fake = pool[byte % len(pool)]
    return fake.upper() if ch.isupper() else fake


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


class Anonymizer:
    """Replaces personal data by stable fakes of the same shape (keyed by a secret that is not stored).

    ``profile`` (the base's detected profile) adds the family's own field names: the event's subject,
    body and comment, the counterparty's legal form, the users' catalogue. ``keep_company_names``
    leaves legal entities' names as they are (natural persons and ИП are replaced all the same).
    """

    def __init__(self, key: bytes | None = None, *, keep_company_names: bool = False,
                 profile: Profile | None = None) -> None:
        self._key = key or secrets.token_bytes(16)
        self.keep_company_names = keep_company_names
        self.replaced: dict[str, str] = {}
        self.kept: set[str] = set()
        self.persons: set[str] = set()  # counterparty refs of natural persons and individual entrepreneurs
        self.companies: set[str] = set()
        self.folders: set[str] = set()
        self.protected: set[str] = set()  # values of enum-like fields: never replaced, even inside finish()
        self.counterparty_set = "Catalog_Контрагенты"
        self.event_set = "Document_Событие"
        self.subject_fields = {"ОписаниеСобытия", "Тема"}
        self.text_sets: set[str] = set()  # catalogues whose names are event subjects (УНФ's ТемыСобытий)
        self.people_sets = set(PEOPLE_SETS)
        self.text_fields = set(TEXT_FIELDS)
        self.digit_fields = set(DIGIT_FIELDS)
        self.inn_fields = {"ИНН"}
        self.legal_form_fields = set(_LEGAL_FORM_FIELDS)
        self.legal_values = set(_LEGAL_VALUES)
        self.person_values: set[str] = set()
        self.safe_filter_fields = set(_SAFE_KEYS)
        self._pattern_key: tuple[int, str] | None = None
        self._pattern: re.Pattern[str] | None = None
        if profile is not None:
            self._adopt(profile)

    def _adopt(self, profile: Profile) -> None:
        self.counterparty_set = profile.counterparty_set
        self.event_set = profile.event_set
        if profile.users_set:
            self.people_sets.add(profile.users_set)
        event, cp = profile.event, profile.counterparty
        if subject := event.get("subject"):
            self.subject_fields.add(subject)
        self.text_fields.update(v for k, v in event.items() if v and k in ("subject", "body", "comment", "contact"))
        self.text_fields.update(v for k, v in cp.items() if v and k == "comment")
        self.digit_fields.update(v for k, v in cp.items() if v and k in ("inn", "kpp"))
        if inn := cp.get("inn"):
            self.inn_fields.add(inn)
        if legal_form := cp.get("legal_form"):
            self.legal_form_fields.add(legal_form)
        forms = legal_form_values(profile.family)
        self.legal_values.update(v for k, v in forms.items() if k == LEGAL)
        self.person_values.update(v for k, v in forms.items() if k == PERSON)
        self.safe_filter_fields.update(v for k, v in event.items()
                                       if v and k in ("kind", "direction", "state", "object_kind", "importance"))
        self.safe_filter_fields.update(v for k, v in cp.items() if v and k in ("buyer", "supplier", "legal_form"))

    # -- fakes -------------------------------------------------------------------------------------
    def _stream(self, value: str, n: int) -> bytes:
        out, block, data = b"", 0, value.encode("utf-8")
        while len(out) < n:
            out += hmac.new(self._key, block.to_bytes(4, "big") + data, hashlib.sha256).digest()
            block += 1
        return out

    def _scrambled(self, value: str, keep_prefix: int = 0, keep_suffix: int = 0) -> str:
        stream = self._stream(value, len(value))
        end = len(value) - keep_suffix
        return "".join(ch if i < keep_prefix or i >= end else _fake_char(ch, stream[i]) for i, ch in enumerate(value))

    def _keep(self, original: str, fake: str) -> str:
        self.replaced.setdefault(original, fake)
        return self.replaced[original]

    def digits(self, value: str) -> str:
        """A number of a person or an organisation (ИНН, КПП, phone): digits for digits, same length;
        a valid ИНН stays valid (its check digits are recomputed)."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        core = value.strip()
        fake = self._scrambled(value)
        if core.isdigit() and len(core) in (10, 12):
            body = self._scrambled(core)
            if body[0] == "0":
                body = str(1 + int(body[1]) % 9) + body[1:]
            if is_valid_inn(core):
                if len(core) == 10:
                    body = body[:9] + _check_digit(body[:9], _W10)
                else:
                    body = body[:10] + _check_digit(body[:10], _W11)
                    body = body + _check_digit(body, _W12)
            fake = value.replace(core, body)
        return self._keep(value, fake)

    def text(self, value: str) -> str:
        """Free text: every letter and digit replaced, spaces, punctuation and length kept."""
        if not value.strip():
            return value
        return self.replaced.get(value) or self._keep(value, self._scrambled(value))

    def person(self, value: str) -> str:
        """A person's name; «ИП» / «Индивидуальный предприниматель» in front is kept."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        m = _PERSON_PREFIX.match(value)
        return self._keep(value, self._scrambled(value, keep_prefix=m.end() if m else 0))

    def company(self, value: str) -> str:
        """A legal entity's name: the legal form in front («ООО», «АО», …) or behind («LLC») is kept."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        m = _COMPANY_PREFIX.match(value)
        s = _COMPANY_SUFFIX.search(value)
        prefix = m.end() if m else 0
        suffix = len(value) - s.start() if s and s.start() > prefix else 0
        return self._keep(value, self._scrambled(value, keep_prefix=prefix, keep_suffix=suffix))

    def free(self, value: str) -> str:
        """E-mails and phone numbers inside any other text."""
        value = _EMAIL.sub(lambda m: self.text(m.group(0)), value)
        return _PHONE.sub(lambda m: self.digits(m.group(0)), value)

    # -- who is a person -----------------------------------------------------------------------------
    def learn(self, set_name: str, row: Mapping[str, Any]) -> None:
        """Note what a counterparty row says about being a person, a legal entity or a folder, and
        which catalogues an event's subject refers to (their names are subjects too)."""
        if set_name == self.event_set:
            for name in self.subject_fields:
                type_ = row.get(f"{name}_Type")
                if isinstance(type_, str) and type_.startswith("StandardODATA."):
                    self.text_sets.add(type_.partition(".")[2])
        if set_name != self.counterparty_set:
            return
        ref = row.get("Ref_Key")
        if not isinstance(ref, str):
            return
        if row.get("IsFolder") is True:
            self.folders.add(ref)
            return
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
        """Counterparties whose names a recording holds but whose legal form it does not tell."""
        known = self.persons | self.companies | self.folders
        out: set[str] = set()
        for item in items:
            doc = _json(item.body)
            if isinstance(doc, dict):
                for set_name, row in _rows(target_set(item.target), doc):
                    ref = row.get("Ref_Key")
                    if (set_name == self.counterparty_set and isinstance(ref, str) and ref not in known
                            and any(k in row for k in _NAME_KEYS)):
                        out.add(ref)
        return out

    def classify_counterparties(self, client: Client, items: Sequence[Recorded]) -> int:
        """Ask the base (not recorded) the legal form of the counterparties a recording names without it.

        Returns how many were asked about. Without the answer a name is still replaced (as a company's).
        """
        refs = self.unclassified(items)
        if not refs:
            return 0
        es = client.entity_set(self.counterparty_set)
        wanted = ["Ref_Key", "IsFolder", *sorted(self.legal_form_fields), "ИНН", "Description"]
        select = tuple(p for p in wanted if p in es.properties)
        for page in client.iter_by(self.counterparty_set, "Ref_Key", [uuid.UUID(r) for r in sorted(refs)],
                                   select=select):
            for row in page:
                self.learn(self.counterparty_set, row)
        return len(refs)

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
        if key in _NAME_KEYS and set_name == self.counterparty_set:
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

    def _kept(self, value: str) -> str:
        if value in self.replaced:  # the same text was personal elsewhere: replaced everywhere
            return self.replaced[value]
        self.kept.add(value)
        return value

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
            return self.text(value)
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

    def originals(self) -> re.Pattern[str] | None:
        """The replaced values worth looking for inside other texts (five characters or more, a letter)."""
        originals = sorted((o for o in self.replaced if len(o.strip()) >= 5 and any(c.isalpha() for c in o)),
                           key=len, reverse=True)
        if not originals:
            return None
        key = (len(originals), originals[0])
        if self._pattern_key != key or self._pattern is None:
            self._pattern_key = key
            self._pattern = re.compile("|".join(re.escape(o) for o in originals))
        return self._pattern

    # -- requests ------------------------------------------------------------------------------------
    def rewrite(self, text: str) -> str:
        """A value as the recording knows it: its fake when it was replaced, else itself."""
        return self.replaced.get(text, text)

    def literal(self, set_name: str, field: str | None, text: str) -> str:
        """A string literal of a filter on ``field`` of ``set_name``, as the recording must hold it."""
        core = text.rstrip("%")
        wildcard = text[len(core):]
        if not core.strip():
            return text
        if core in self.replaced:
            return self.replaced[core] + wildcard
        if _TYPE_NAME.match(core) or _GUID.fullmatch(core.strip()):
            return text
        name = field.split("/")[-1] if field else None
        if name is not None and (name in self.safe_filter_fields or name.endswith(("_Key", "_Type"))):
            return text
        if core in self.kept:
            return text
        span = self._span(core)
        if span is not None:
            return span + wildcard
        return self.text(core) + wildcard

    def _span(self, text: str) -> str | None:
        """The fake of ``text`` when it is a part of replaced values that all fake it alike."""
        folded = text.casefold()
        found: set[str] = set()
        for original, fake in self.replaced.items():
            if len(original) != len(fake):
                continue
            start = original.casefold().find(folded)
            while start >= 0:
                part = fake[start:start + len(text)]
                found.add("".join(f.upper() if t.isupper() else f.lower() for f, t in zip(part, text, strict=True)))
                start = original.casefold().find(folded, start + 1)
            if len(found) > 1:
                return None
        for kept in self.kept:
            if folded in kept.casefold():
                return None
        return found.pop() if len(found) == 1 else None

    def filter_text(self, set_name: str, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            prefix, raw = m.group(1), m.group(2)
            if prefix:  # guid'…', datetime'…', X'…'
                return m.group(0)
            before = _FIELD_BEFORE.search(text[:m.start()])
            after = _FIELD_AFTER.match(text[m.end():]) if text[:m.start()].rstrip().endswith("substringof(") else None
            field = (before.group(1) or before.group(2)) if before else after.group(1) if after else None
            fake = self.literal(set_name, field, raw.replace("''", "'"))
            return "'" + fake.replace("'", "''") + "'"

        return _LITERAL.sub(one, text)

    def target(self, target: str) -> str:
        """Rewrite personal values inside the query string, keeping 1C's encoding."""
        path, sep, query = target.partition("?")
        if not sep:
            return target
        set_name = target_set(target)
        parts = []
        for item in query.split("&"):
            key, eq, value = item.partition("=")
            if eq and unquote(key) == "$filter":
                text = unquote(value, encoding="utf-8")
                fake = self.filter_text(set_name, text)
                parts.append(f"{key}={encode(fake)}" if fake != text else item)
            else:
                parts.append(item)
        return f"{path}?{'&'.join(parts)}"


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


def _deduplicated(items: Sequence[Recorded]) -> list[Recorded]:
    """Drop a repeated request whose answer did not change since the last time it was recorded."""
    last: dict[tuple[str, str], Recorded] = {}
    out: list[Recorded] = []
    for item in items:
        before = last.get((item.method, item.target))
        if before is not None and before == item:
            continue
        last[(item.method, item.target)] = item
        out.append(item)
    return out


def save_recording(recorder: Recorder, out: Path, *, family: str, anonymizer: Anonymizer | None = None,
                   root: str | None = None, manifest: Mapping[str, Any] | None = None) -> int:
    """Write ``recorder`` to ``out`` with personal data replaced; returns the number of exchanges.

    ``root`` is the service root the requests went to: it is replaced by :data:`ROOT_PLACEHOLDER` in
    the bodies. ``manifest`` adds keys to ``manifest.json`` (its strings are rewritten to the fakes).
    """
    if recorder.metadata is None:
        raise OnecError("Nothing was recorded: $metadata was never fetched")
    anon = anonymizer or Anonymizer()
    items = _deduplicated(recorder.items)
    anon.learn_recording(items)
    if root:
        items = [Recorded(i.method, i.target, i.status, i.content_type, i.body.replace(root, ROOT_PLACEHOLDER),
                          i.request_body) for i in items]
    docs = [_json(i.body) for i in items]
    requests = [_json(i.request_body) for i in items]
    docs = [anon.document(i.target, d) if d is not None else None for i, d in zip(items, docs, strict=True)]
    requests = [anon.document(i.target, d) if d is not None else None for i, d in zip(items, requests, strict=True)]
    pattern = anon.originals()
    docs = [anon.finish(d, pattern) if d is not None else None for d in docs]
    requests = [anon.finish(d, pattern) if d is not None else None for d in requests]
    targets = [anon.target(i.target) for i in items]  # after the bodies: filters follow their fakes
    out.mkdir(parents=True, exist_ok=True)
    (out / "metadata.xml").write_bytes(recorder.metadata)
    tmp = out / "exchanges.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        for item, doc, req, target in zip(items, docs, requests, targets, strict=True):
            body = json.dumps(doc, ensure_ascii=False) if doc is not None else anon.scrub(item.body, pattern)
            request_body = (json.dumps(req, ensure_ascii=False) if req is not None
                            else anon.scrub(item.request_body, pattern) if item.request_body else None)
            rec = Recorded(item.method, target, item.status, item.content_type, body, request_body)
            fh.write(json.dumps(rec.as_dict(), ensure_ascii=False) + "\n")
    os.replace(tmp, out / "exchanges.jsonl")
    info: dict[str, Any] = {
        "tool": f"onec-history {__version__}",
        "recorded_at": datetime.now().replace(microsecond=0).isoformat(),
        "family": family,
        "exchanges": len(items),
        "company_names": "kept" if anon.keep_company_names else "replaced",
        "anonymized": sorted(anon.digit_fields | anon.text_fields | NAME_FIELDS),
    }
    info.update(_rewritten(anon, dict(manifest or {})))
    (out / "manifest.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(items)


def _rewritten(anon: Anonymizer, value: Any) -> Any:
    if isinstance(value, str):
        return anon.rewrite(value)
    if isinstance(value, dict):
        return {k: _rewritten(anon, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewritten(anon, v) for v in value]
    return value


def load_recording(directory: Path) -> tuple[bytes, list[Recorded]]:
    """The ``$metadata`` bytes and the exchanges of a recording directory."""
    try:
        metadata = (directory / "metadata.xml").read_bytes()
        lines = (directory / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{directory} is not a recording ({exc.strerror}: {exc.filename})") from None
    return metadata, list(_parse(lines))


def load_manifest(directory: Path) -> dict[str, Any]:
    """``manifest.json`` of a recording ({} when it has none)."""
    try:
        data = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _parse(lines: Iterable[str]) -> Iterator[Recorded]:
    for line in lines:
        if line.strip():
            d = json.loads(line)
            yield Recorded(d["method"], d["target"], int(d["status"]), d["content_type"], d["body"],
                           d.get("request_body"))

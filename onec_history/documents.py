"""A document from what a person types: the one address parser of the package.

Every command that names a document — ``chain``, ``events show``, ``events create --basis``, an
import file's ``basis`` column — accepts the same forms:

- ``Document_X(guid'…')`` (the OData address, as chains print it; ``guid`` and quotes optional);
- a bare reference, with its type when one is given (``--type``, ``basis_type``, the command's
  own set), else looked for in the candidate sets;
- a type and a number, as one argument (``"Событие 270"``) or two, with or without the leading
  zeros and the prefix (``270`` finds ``00000000270`` and ``ТД000000270``), the type as 1C's
  object name (``ЗаказПокупателя``), the set name (``Document_ЗаказПокупателя``) or the synonym
  1C shows (``Заказ покупателя``, ``Реализация товаров и услуг``);
- a bare number, when the command knows the type (``events show 270``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from . import query as q
from .client import Client
from .errors import AmbiguousError, NoMatchError, QueryError
from .metadata import SetKind
from .models import DocKey, is_guid, parse_datetime

__all__ = ["AmbiguousDocumentError", "DocAddress", "Documents", "fold_type_name", "padded_forms"]

_NUMBER = re.compile(r"^[^\s]*\d[^\s]*$")  # one word with a digit: 270, 00000000270, ТД-000035
_FILLER = {"и", "для", "по", "на", "с", "в"}  # words of a synonym that the object name leaves out


class AmbiguousDocumentError(AmbiguousError):
    """A document number matched several documents (numbers repeat across years)."""

    candidates: list[tuple[DocKey, str, datetime | None]]

    def __init__(self, text: str, candidates: list[tuple[DocKey, str, datetime | None]]) -> None:
        super().__init__(f"'{text}' matches {len(candidates)} documents", candidates=candidates,
                         choices=[f"{key.id} {number}" + (f" от {when:%d.%m.%Y}" if when else "")
                                  for key, number, when in candidates],
                         hint="Add --year, or give the reference Document_X(guid'…').")


def fold_type_name(text: str, *, drop_filler: bool = False) -> str:
    """A type name for comparison: case, spaces, quotes, ``ё`` and the ``Document_`` prefix do not count;
    with ``drop_filler`` the small words of a synonym neither («товаров и услуг» = «ТоваровУслуг»)."""
    plain = text.strip().strip("«»\"'“”„").removeprefix("StandardODATA.").removeprefix("Document_")
    words = plain.replace("ё", "е").replace("Ё", "Е").split()
    if drop_filler:
        words = [w for w in words if w.casefold() not in _FILLER] or words
    return "".join(words).casefold()


@dataclass(frozen=True)
class DocAddress:
    """What a document spec says: a key, a reference (its type maybe), or a type and a number."""

    key: DocKey | None = None
    ref: str | None = None
    type_name: str | None = None
    number: str | None = None

    @classmethod
    def parse(cls, text: str, number: str | None = None, *, type_name: str | None = None) -> DocAddress:
        """``text`` (and a separate ``number``) as one of the forms of the module doc; QueryError otherwise."""
        text = text.strip()
        if number is not None and number.strip():
            return cls(type_name=text, number=number.strip())
        key = DocKey.parse(text)
        if key is not None:
            return cls(key=key)
        if is_guid(text):
            return cls(ref=str(uuid.UUID(text)), type_name=type_name)
        head, _, tail = text.rpartition(" ")
        if head.strip() and _NUMBER.match(tail):
            return cls(type_name=head.strip(), number=tail)
        if _NUMBER.match(text):
            return cls(type_name=type_name, number=text)
        raise QueryError(f"{text!r} is not a document",
                         hint="Give Document_X(guid'…'), a reference, or a type and a number "
                              "(Событие 00000000123, or «Заказ покупателя» 35).")


class Documents:
    """Finds documents of one base by address (see the module doc)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def document_set(self, type_name: str) -> str:
        """``Событие``, ``Document_Событие``, ``Заказ покупателя`` or any case of them → the published set."""
        md = self.client.metadata()
        name = type_name.strip()
        for candidate in (name, f"Document_{name}"):
            if candidate in md and md.get(candidate).kind is SetKind.DOCUMENT:
                return candidate
        documents = [s for s, es in md.sets.items() if es.kind is SetKind.DOCUMENT]
        for drop in (False, True):
            wanted = fold_type_name(name, drop_filler=drop)
            found = [s for s in documents if fold_type_name(s, drop_filler=drop) == wanted]
            if len(found) == 1:
                return found[0]
        raise NoMatchError(f"No published document type {type_name!r}",
                           hint="Name a document type as 1C does (ЗаказПокупателя, «Заказ покупателя») "
                                "or its set (Document_ЗаказПокупателя); 'onec-history metadata' lists them.")

    def resolve(self, address: DocAddress, *, year: int | None = None, default_set: str | None = None,
                search_sets: Sequence[str] = ()) -> DocKey:
        """The one document ``address`` names. ``default_set``: the type when the address gives
        none (``events show 270``); ``search_sets``: where a bare reference without a type is looked for."""
        if address.key is not None:
            return DocKey(self.document_set(address.key.entity_set), address.key.ref)
        entity_set = self.document_set(address.type_name) if address.type_name else default_set
        if address.ref is not None:
            if entity_set is not None:
                return DocKey(entity_set, address.ref)
            return self._find_anywhere(address.ref, search_sets)
        assert address.number is not None
        if entity_set is None:
            raise QueryError(f"{address.number!r} needs the document's type",
                             hint="Give a type and a number: «Событие 270», «Заказ покупателя» 35.")
        return self.by_number(entity_set, address.number, year=year)

    def _find_anywhere(self, ref: str, sets: Iterable[str]) -> DocKey:
        """A bare reference without a type: try the candidate sets (a request each)."""
        md = self.client.metadata()
        for entity_set in dict.fromkeys(sets):
            if entity_set in md and self.client.find(entity_set, ref, select=("Ref_Key",)) is not None:
                return DocKey(entity_set, ref)
        raise NoMatchError(f"No linked document has the reference {ref}", hint="Give its type with --type.")

    def by_number(self, entity_set: str, number: str, *, year: int | None = None) -> DocKey:
        """A document by its number (as typed, or without the leading zeros), optionally in one year."""
        self.client.entity_set(entity_set)
        period = None
        if year is not None:
            period = q.ge("Date", datetime(year, 1, 1)) & q.lt("Date", datetime(year + 1, 1, 1))
        found: dict[DocKey, tuple[str, datetime | None]] = {}
        for candidate in self._number_forms(entity_set, number.strip()):
            query = q.Query(filter=q.and_(q.eq("Number", candidate), period),
                            select=("Ref_Key", "Number", "Date"), top=20)
            for row in self.client.iterate(entity_set, query):
                found[DocKey(entity_set, str(row["Ref_Key"]))] = (str(row.get("Number") or "").strip(),
                                                                   parse_datetime(row.get("Date")))
            if found:
                break
        if not found:
            raise NoMatchError(f"No {entity_set} numbered {number}" + (f" in {year}" if year else ""),
                               hint="Check the number and the type; 1C numbers keep leading zeros.")
        if len(found) > 1:
            raise AmbiguousDocumentError(number, [(k, n, d) for k, (n, d) in found.items()])
        return next(iter(found))

    def _number_forms(self, entity_set: str, number: str) -> list[str]:
        """``number`` itself, then padded like this set's numbers (``123`` → ``ТД000000123``, ``0000-000123``)."""
        sample = next(iter(self.client.iterate(entity_set, q.Query(select=("Ref_Key", "Number"), top=1))), None)
        return padded_forms(number, str(sample.get("Number") or "") if sample else "")


def padded_forms(typed: str, model: str) -> list[str]:
    """``typed`` itself, then padded like ``model`` — a number or code 1C made — so that what a
    person types without the leading zeros finds it (``123`` → ``ТД000000123``, ``4`` → ``000000004``)."""
    forms = [typed]
    model = model.rstrip()
    tail = re.search(r"\d+$", model)
    digits_typed = re.fullmatch(r"(.*?)(\d+)", typed)
    if tail is None or digits_typed is None or len(typed) >= len(model):
        return forms
    head, digits = digits_typed.group(1), digits_typed.group(2)
    if head:  # the user typed a prefix: keep it, pad the digits to the model's full width
        forms.append(head + digits.zfill(len(model) - len(head)))
    else:  # digits only: the model's prefix ("ТД", "0000-") and its digit width
        forms.append(model[: tail.start()] + digits.zfill(len(tail.group(0))))
    return list(dict.fromkeys(forms))

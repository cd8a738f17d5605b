"""Domain models: counterparties, events, participants, document references.

ASCII attribute names; values as 1C sends them are normalised here once: empty references
and empty dates become ``None``, dates stay naive (1C server-local time), Int64 strings become
numbers, space-padded fixed-length strings are stripped.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EMPTY_DATE",
    "EMPTY_REF",
    "Counterparty",
    "Direction",
    "DocKey",
    "DocumentRef",
    "Event",
    "EventKind",
    "EventState",
    "Participant",
    "is_guid",
    "parse_datetime",
    "parse_ref",
    "set_of_type",
    "strip",
]

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
_UNDEFINED = "StandardODATA.Undefined"


class EventKind(str, Enum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"
    RECORD = "record"
    PLANNED = "planned"  # family C: ЗапланированноеВзаимодействие, a document type of its own
    OTHER = "other"


class Direction(str, Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class EventState(str, Enum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OTHER = "other"


def parse_ref(value: Any) -> str | None:
    """A GUID string, or ``None`` for 1C's all-zero empty reference."""
    if value in (None, "", EMPTY_REF):
        return None
    return str(value)


def is_guid(text: str) -> bool:
    """A reference as text: what ``uuid.UUID`` reads, but without braces or a ``urn:uuid:`` prefix
    (surrounding blanks are ignored)."""
    text = text.strip()
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text.replace("-", "")) == 32


class DocKey(NamedTuple):
    """An object by its entity set and ``Ref_Key`` — the one document address of the package.

    Written ``Document_X(guid'…')``: how OData addresses an object, how chains print it, what
    the CLI and import files accept (:meth:`parse`).
    """

    entity_set: str
    ref: str

    @property
    def id(self) -> str:
        """``Document_X(guid'…')`` — the OData address, also the stable id in JSON and DOT."""
        return f"{self.entity_set}(guid'{self.ref}')"

    @property
    def type_name(self) -> str:
        """The 1C object name: ``Document_ЗаказПокупателя`` → ``ЗаказПокупателя``."""
        return self.entity_set.partition("_")[2] or self.entity_set

    @classmethod
    def parse(cls, text: str) -> DocKey | None:
        """``Document_X(guid'…')`` (``guid`` and the quotes optional, any case of the hex) →
        a key with the canonical lower-case reference; ``None`` when ``text`` is not one."""
        head, sep, rest = text.strip().partition("(")
        if not sep or not rest.endswith(")") or "_" not in head:
            return None
        inner = rest[:-1].strip()
        inner = inner[4:] if inner.startswith("guid") else inner
        inner = inner.strip("'\" ")
        return cls(head.strip(), str(uuid.UUID(inner))) if is_guid(inner) else None

    @classmethod
    def of(cls, text: str, type_name: str | None = None) -> DocKey:
        """:meth:`parse`, or a bare reference with its type (``X``, ``Document_X`` or
        ``StandardODATA.Document_X``); ``ValueError`` saying what is wrong otherwise."""
        key = cls.parse(text)
        if key is not None:
            return key
        if not is_guid(text):
            raise ValueError(f"{text.strip()!r} is not a document reference; expected Document_X(guid'…')")
        hint = (type_name or "").strip().removeprefix("StandardODATA.")
        if not hint:
            raise ValueError("a bare reference needs its type (e.g. Document_ЗаказПокупателя)")
        return cls(hint if "_" in hint else f"Document_{hint}", str(uuid.UUID(text.strip())))


def parse_datetime(value: Any) -> datetime | None:
    """A naive datetime, or ``None`` for 1C's empty date ``0001-01-01T00:00:00``."""
    if value in (None, "", EMPTY_DATE):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)[:19])


def strip(value: Any) -> str | None:
    """Text without 1C's padding of fixed-length strings; ``None`` stays ``None``."""
    if value is None:
        return None
    return str(value).strip()


def set_of_type(type_name: Any) -> str | None:
    """``StandardODATA.Document_X`` → ``Document_X``; primitives and Undefined → ``None``."""
    if not isinstance(type_name, str) or not type_name.startswith("StandardODATA.") or type_name == _UNDEFINED:
        return None
    return type_name.removeprefix("StandardODATA.")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class DocumentRef(_Model):
    """A reference to any object: its set and key, with what is known for display."""

    entity_set: str
    ref: str
    number: str | None = None
    date: datetime | None = None
    title: str | None = None

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(self.ref)

    @property
    def key(self) -> DocKey:
        return DocKey(self.entity_set, self.ref)

    @property
    def short_type(self) -> str:
        return self.entity_set.partition("_")[2] or self.entity_set

    def __str__(self) -> str:
        parts = [self.short_type]
        if self.number:
            parts.append(self.number.strip())
        if self.date:
            parts.append(f"от {self.date:%d.%m.%Y}")
        return " ".join(parts)


class Counterparty(_Model):
    ref: str
    code: str | None = None
    name: str = ""
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    parent: str | None = None
    parent_name: str | None = None
    is_folder: bool = False
    manager: str | None = None
    manager_name: str | None = None
    buyer: bool | None = None
    supplier: bool | None = None
    deleted: bool = False
    comment: str | None = None
    data_version: str | None = None
    # family C: the partner the counterparty belongs to (interactions are tied to partners)
    partner: str | None = None
    partner_name: str | None = None
    partner_code: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)


class Participant(_Model):
    """Someone an event involves: a counterparty or contact reference, or plain text."""

    line: int | None = None
    ref: str | None = None
    entity_set: str | None = None
    text: str | None = None
    name: str | None = None


class Event(_Model):
    ref: str
    number: str | None = None
    date: datetime | None = None
    posted: bool | None = None
    deleted: bool = False
    kind: EventKind | None = None
    kind_raw: str | None = None
    direction: Direction | None = None
    direction_raw: str | None = None
    state: EventState | None = None
    state_raw: str | None = None
    counterparty: str | None = None
    counterparty_set: str | None = None
    counterparty_text: str | None = None
    counterparty_name: str | None = None
    participants: tuple[Participant, ...] = ()
    contact: str | None = None
    responsible: str | None = None
    responsible_name: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    subject: str | None = None
    body: str | None = None
    comment: str | None = None
    basis: DocumentRef | None = None
    data_version: str | None = None
    # the document type (family C keeps events in six of them; A and B in Document_Событие)
    document_set: str | None = None
    # family C: the contact's text (an unregistered caller, АбонентПредставление), the subject
    # (Предмет: usually a deal) and the to-do flag from the register ПредметыПапкиВзаимодействий
    contact_text: str | None = None
    topic: DocumentRef | None = None
    reviewed: bool | None = None
    review_after: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def duration_minutes(self) -> float | None:
        if self.start is None or self.end is None or self.end < self.start:
            return None
        return (self.end - self.start).total_seconds() / 60

    @property
    def who(self) -> str:
        """The client as a person reads it: resolved name, or an unregistered caller's text."""
        return self.counterparty_name or self.counterparty_text or ""

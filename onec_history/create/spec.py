"""The logical event to create, how a row of text becomes one, and its stable identity.

Nothing here talks to 1C: values are parsed and checked for what can be known from the row
alone (required fields, dates, enum values, the form of references). What needs the base —
which counterparty a name means, string lengths, types against ``$metadata`` — is checked
later, still before anything is sent.

Enum values are accepted as 1C's own names (``ТелефонныйЗвонок``, ``Входящее``, ``Завершено``),
as the logical short forms (``call``, ``incoming``, ``completed``) and as Russian short forms
(``звонок``, ``вход``, ``завершен``); case, spaces, ``_``/``-`` and ``ё`` do not matter.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..dates import DATE_HELP, describe_two_digit_year, parse_datetime_text
from ..documents import DocAddress
from ..errors import QueryError
from ..models import Direction, DocKey, DocumentRef, EventKind, EventState, is_guid

__all__ = [
    "ID_NAMESPACE",
    "MARKER_PREFIX",
    "NewEvent",
    "RowError",
    "Vocabulary",
    "identity_of",
    "marker_for",
    "parse_basis",
    "parse_bool",
    "parse_datetime_text",
    "parse_duration",
    "parse_row",
    "put_enum",
    "put_state",
    "ref_key_for",
    "single_event_values",
]

ID_NAMESPACE = uuid.UUID("6f0c4d1e-8a8b-5e5e-9c51-0b1c0e4b1570")
"""Namespace of the deterministic keys: ``Ref_Key = uuid5(ID_NAMESPACE, identity)``."""

MARKER_PREFIX = "[onec-history:"
"""Events carry ``[onec-history:<Ref_Key>]`` where the base ignores client-chosen keys."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Synonyms of the logical values. 1C's own names of both families are listed too, so they are
# accepted even where the profile maps a value differently (a customised base adds its own).
_KIND_WORDS: dict[EventKind, tuple[str, ...]] = {
    EventKind.CALL: ("call", "phone", "phonecall", "звонок", "телефон", "телефонныйзвонок"),
    EventKind.MEETING: ("meeting", "meet", "visit", "встреча", "личнаявстреча"),
    EventKind.EMAIL: ("email", "mail", "письмо", "электронноеписьмо", "почта"),
    EventKind.LETTER: ("letter", "post", "почтовоеписьмо"),
    EventKind.SMS: ("sms", "смс", "сообщениеsms", "сообщениесмс"),
    EventKind.RECORD: ("record", "запись"),
    EventKind.PLANNED: ("planned", "plannedinteraction", "todo", "запланированное", "запланированноевзаимодействие"),
    EventKind.OTHER: ("other", "прочее", "другое"),
}
_DIRECTION_WORDS: dict[Direction, tuple[str, ...]] = {
    Direction.INCOMING: ("incoming", "in", "inbound", "входящее", "входящий", "входящая", "вход", "вх"),
    Direction.OUTGOING: ("outgoing", "out", "outbound", "исходящее", "исходящий", "исходящая", "исход", "исх"),
}
_STATE_WORDS: dict[EventState, tuple[str, ...]] = {
    EventState.PLANNED: ("planned", "plan", "scheduled", "запланировано", "запланирован", "план"),
    EventState.COMPLETED: ("completed", "done", "complete", "завершено", "завершен", "завершена", "выполнено"),
    EventState.CANCELLED: ("cancelled", "canceled", "cancel", "отменено", "отменен", "отменена"),
}
_TRUE = {"1", "true", "yes", "y", "да", "д", "истина", "+"}
_FALSE = {"", "0", "false", "no", "n", "нет", "н", "ложь", "-"}


def norm_word(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.casefold().replace("ё", "е"))


@dataclass(frozen=True)
class RowError:
    """What is wrong with one field of one row (``field`` is a documented column name)."""

    field: str
    message: str
    ambiguous: bool = False  # the value names several objects (exit code 11), not none or a bad one
    missing: bool = False  # the value names nothing in the base (exit code 6, as everywhere)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class NewEvent(BaseModel):
    """An event to create, in logical terms; references are still specs (name, ИНН, ref…)."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    start: datetime
    counterparty: str | None = None  # name prefix, code, ИНН, ref, or "inn:…", "code:…", "name:…", "ref:…"
    caller: str | None = None  # an unregistered client as free text
    contact: str | None = None  # family C: the name of one of the client's contact persons
    phone: str | None = None  # family C: the number the call came from or went to (kept on the call)
    direction: Direction | None = None
    state: EventState | None = None
    state_name: str | None = None  # a state the base added itself (family B's catalog)
    end: datetime | None = None
    subject: str | None = None
    body: str | None = None
    comment: str | None = None
    responsible: str | None = None  # a name (prefix) or a ref
    basis: DocumentRef | None = None
    basis_address: str | None = None  # a basis to find in the base: «Событие 276», a reference without a type
    post: bool = False
    external_id: str | None = None
    # How the row's text was read where it could be read more than one way ("start '31.12.99' read
    # as 31.12.1999 (two-digit year)"): shown with the row's result, never part of its identity.
    notes: tuple[str, ...] = ()


@dataclass
class Vocabulary:
    """Accepted spellings of kinds, directions and states (built-ins plus the base's own values)."""

    kinds: dict[str, EventKind] = field(default_factory=dict)
    directions: dict[str, Direction] = field(default_factory=dict)
    states: dict[str, EventState] = field(default_factory=dict)
    custom_states: dict[str, str] = field(default_factory=dict)  # normalised → the catalog item's name

    @classmethod
    def default(cls) -> Vocabulary:
        v = cls()
        for kind, words in _KIND_WORDS.items():
            v.kinds.update({norm_word(w): kind for w in (*words, kind.value)})
        for direction, dwords in _DIRECTION_WORDS.items():
            v.directions.update({norm_word(w): direction for w in (*dwords, direction.value)})
        for state, swords in _STATE_WORDS.items():
            v.states.update({norm_word(w): state for w in (*swords, state.value)})
        return v

    def with_profile(
        self,
        kinds: Mapping[EventKind, str],
        directions: Mapping[Direction, str],
        states: Mapping[EventState, str],
        custom_states: Iterable[str] = (),
    ) -> Vocabulary:
        """Add the profile's 1C values (an override may rename them) and extra catalog states."""
        v = Vocabulary(dict(self.kinds), dict(self.directions), dict(self.states), dict(self.custom_states))
        v.kinds.update({norm_word(name): k for k, name in kinds.items()})
        v.directions.update({norm_word(name): d for d, name in directions.items()})
        v.states.update({norm_word(name): s for s, name in states.items()})
        for name in custom_states:
            if norm_word(name) not in v.states:
                v.custom_states[norm_word(name)] = name
        return v

    def known(self, what: str) -> str:
        if what == "kind":
            return ", ".join(k.value for k in EventKind) + " or 1C's names (ТелефонныйЗвонок, …)"
        if what == "direction":
            return "incoming/outgoing, входящее/исходящее"
        extra = ", ".join(sorted(self.custom_states.values()))
        return "planned/completed/cancelled, запланировано/завершено/отменено" + (f", {extra}" if extra else "")


def parse_duration(value: Any) -> timedelta:
    """Seconds (``95``), ``MM:SS`` or ``HH:MM:SS`` — how PBX call records give a call's length."""
    text = str(value).strip()
    try:
        if ":" in text:
            parts = [int(p) for p in text.split(":")]
            if len(parts) > 3 or any(p < 0 for p in parts) or any(p >= 60 for p in parts[1:]):
                raise ValueError
            seconds = 0
            for p in parts:
                seconds = seconds * 60 + p
        else:
            seconds_f = float(text.replace(",", "."))
            if seconds_f < 0 or seconds_f != seconds_f:
                raise ValueError
            seconds = round(seconds_f)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration; expected seconds, MM:SS or HH:MM:SS") from None
    return timedelta(seconds=seconds)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = norm_word(str(value)) if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no (true/false, 1/0, да/нет)")


def parse_basis(value: str, type_hint: str | None = None) -> DocumentRef:
    """``Document_X(guid'…')``, or a bare reference with ``basis_type`` (``X`` or ``Document_X``)."""
    if is_guid(value) and not (type_hint or "").strip():
        raise ValueError("a bare reference needs its type (basis_type, e.g. Document_ЗаказПокупателя)")
    key = DocKey.of(value, type_hint)
    return DocumentRef(entity_set=key.entity_set, ref=key.ref)


def _basis(text: str | None, type_hint: str | None, out: dict[str, Any], errors: list[RowError]) -> None:
    """The basis column: an address by itself, or one to find in the base (``basis_address``)."""
    if not text:
        if type_hint:
            errors.append(RowError("basis_type", "given without basis"))
        return
    try:
        out["basis"] = parse_basis(text, type_hint)
    except ValueError as exc:
        try:  # not an address by itself: a type and number, or a reference, found in the base
            DocAddress.parse(text)
            out["basis_address"] = " ".join(x for x in (type_hint, text) if x)
        except QueryError:
            errors.append(RowError("basis", str(exc)))


def _text(value: Any, name: str, errors: list[RowError]) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        errors.append(RowError(name, "must be text, not a JSON object or list"))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    if _CONTROL.search(text):
        errors.append(RowError(name, "contains control characters (binary data?)"))
        return None
    return text


def parse_row(values: Mapping[str, Any], vocab: Vocabulary, *, server_tz: tzinfo | None = None,
              defaults: Mapping[str, Any] | None = None) -> tuple[NewEvent | None, list[RowError]]:
    """A row of documented columns → a :class:`NewEvent`, or every problem found in it."""
    errors: list[RowError] = []
    merged = {**(defaults or {}), **{k: v for k, v in values.items() if v not in (None, "")}}
    t = {name: _text(merged.get(name), name, errors) for name in
         ("external_id", "counterparty", "caller", "contact", "phone", "kind", "direction", "state", "start", "end",
          "duration", "subject", "body", "comment", "responsible", "basis", "basis_type")}
    out: dict[str, Any] = {}
    for name in ("external_id", "counterparty", "caller", "contact", "phone", "subject", "body", "comment",
                 "responsible"):
        out[name] = t[name]
    if t["counterparty"] and t["caller"]:
        errors.append(RowError("caller", "give either counterparty or caller, not both"))
    elif t["contact"] and not t["counterparty"]:
        errors.append(RowError("contact", "a contact person is one of a counterparty's: give the counterparty too"))
    elif not t["counterparty"] and not t["caller"] and not any(e.field in ("counterparty", "caller")
                                                              for e in errors):
        errors.append(RowError("counterparty", "required (a name, code, ИНН or reference; or caller as text)"))
    put_enum(t["kind"], "kind", vocab.kinds, vocab, out, errors, required=True)
    put_enum(t["direction"], "direction", vocab.directions, vocab, out, errors)
    put_state(t["state"], vocab, out, errors)
    notes: list[str] = []
    for name in ("start", "end"):
        if t[name]:
            try:
                out[name] = parse_datetime_text(t[name] or "", server_tz=server_tz)
            except ValueError as exc:
                errors.append(RowError(name, str(exc)))
            else:
                how = describe_two_digit_year(t[name] or "")
                if how is not None:
                    notes.append(f"{name} {how}")
        elif name == "start" and not any(e.field == "start" for e in errors):
            errors.append(RowError("start", f"required ({DATE_HELP})"))
    if t["duration"]:
        try:
            length = parse_duration(t["duration"])
            if t["end"]:
                errors.append(RowError("duration", "give either end or duration, not both"))
            elif "start" in out:
                out["end"] = out["start"] + length
        except ValueError as exc:
            errors.append(RowError("duration", str(exc)))
    if out.get("end") and out.get("start") and out["end"] < out["start"]:
        errors.append(RowError("end", f"{out['end']:%Y-%m-%d %H:%M:%S} is before the start"))
    _basis(t["basis"], t["basis_type"], out, errors)
    if merged.get("post") not in (None, ""):
        try:
            out["post"] = parse_bool(merged["post"])
        except ValueError as exc:
            errors.append(RowError("post", str(exc)))
    if errors:
        return None, errors
    return NewEvent(**out, notes=tuple(notes)), []


def put_state(text: str | None, vocab: Vocabulary, out: dict[str, Any], errors: list[RowError]) -> None:
    """``out["state"]`` (a logical state) or ``out["state_name"]`` (a state the base added) of ``text``."""
    if not text:
        return
    key = norm_word(text)
    if key in vocab.states:
        out["state"] = vocab.states[key]
    elif key in vocab.custom_states:
        out["state_name"] = vocab.custom_states[key]
    else:
        errors.append(RowError("state", f"{text!r} is not a state; expected {vocab.known('state')}"))


def put_enum(text: str | None, name: str, table: Mapping[str, Any], vocab: Vocabulary, out: dict[str, Any],
             errors: list[RowError], *, required: bool = False) -> None:
    """``out[name]``: ``text`` looked up in ``table`` (a kind or a direction), or the error."""
    if not text:
        if required and not any(e.field == name for e in errors):
            errors.append(RowError(name, f"required ({vocab.known(name)})"))
        return
    value = table.get(norm_word(text))
    if value is None:
        errors.append(RowError(name, f"{text!r} is not a {name}; expected {vocab.known(name)}"))
        return
    out[name] = value


# -- identity ---------------------------------------------------------------------------------------
_LATER_FIELDS = ("contact", "phone")
"""Fields added after rows were first imported: a row without them keeps the identity it had."""

def content_hash(event: NewEvent, resolved: Mapping[str, str | None] | None = None) -> str:
    """A hash of the event's normalised content; references count by what they resolved to."""
    resolved = resolved or {}
    data = event.model_dump(mode="json", exclude={"external_id", "post", "notes"})
    for key in _LATER_FIELDS:  # absent, they leave the hash of a row as it was before they existed
        if data.get(key) is None:
            data.pop(key, None)
    for key, value in resolved.items():
        if value is not None:
            data[key] = value
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = value.strip()
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identity_of(event: NewEvent, content: str, *, namespace: str = "") -> str:
    """``ext:<namespace>:<external_id>`` when the row has one, else ``sha256:<content hash>``.

    Neither depends on the base's URL, so a base reached under another name keeps its keys.
    """
    if event.external_id:
        return f"ext:{namespace}:{event.external_id}"
    return f"sha256:{content}"


ONCE_PREFIX = "once:"
"""The ``external_id`` of an event typed without a start: ``once:<day>:<digest of the command>``."""


def single_event_values(given: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The row of one event typed on the command line, with an identity that does not move with the
    clock: without a start the event starts ``now``; without an ``external_id`` the event's id is
    the command's own content and the day, so the same command repeated the same day (a retry after
    a timeout, a script run twice) finds the first event instead of creating a second one."""
    values = {k: v for k, v in given.items() if v is not None}
    if "start" in values:
        return values
    values["start"] = now.strftime("%Y-%m-%d %H:%M:%S")
    if "external_id" not in values:
        typed = json.dumps({k: str(v).strip() for k, v in given.items() if v is not None}, ensure_ascii=False,
                           sort_keys=True)
        digest = hashlib.sha256(f"{now:%Y-%m-%d}\n{typed}".encode()).hexdigest()[:24]
        values["external_id"] = f"{ONCE_PREFIX}{now:%Y-%m-%d}:{digest}"
    return values


def ref_key_for(identity: str) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, identity)


def marker_for(ref_key: uuid.UUID | str) -> str:
    return f"{MARKER_PREFIX}{ref_key}]"

"""The client of a PBX call record: the counterparty whose phone is the caller's number.

``events create --phone`` and the import column ``phone`` go through :func:`match_caller`: one
counterparty with that number is the event's client; nobody is, in family A, a caller kept as
text in the composite Контрагент (what 1C's own form does with an unknown number); in family B it
is an error of that row (create the counterparty first, or give the number as ``caller``); several
counterparties with the number are an error naming them. A whole import first reads the phone list
once when that is cheaper than one narrow request per distinct number (:meth:`ContactBook.prefetch`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..errors import NotPublishedError, QueryError
from ..local.inputs import InputRow
from ..models import Counterparty
from ..profiles import Family

if TYPE_CHECKING:
    from ..history import History

__all__ = ["CallerMatch", "match_caller", "match_phones"]


@dataclass(frozen=True)
class CallerMatch:
    """Who a phone number is: a counterparty, a caller kept as text, or why neither."""

    phone: str
    counterparty: Counterparty | None = None
    caller: str | None = None
    error: str | None = None
    candidates: list[Counterparty] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def _names(cps: list[Counterparty]) -> str:
    shown = ", ".join(f"{c.name} (код {c.code})" if c.code else c.name for c in cps[:5])
    return shown + (f" and {len(cps) - 5} more" if len(cps) > 5 else "")


def match_caller(history: History, phone: str) -> CallerMatch:
    """The client of a call from ``phone`` (see the module doc); never raises for a bad number."""
    phone = phone.strip()
    try:
        found = history.find_by_phone(phone)
    except (QueryError, NotPublishedError) as exc:
        return CallerMatch(phone, error=exc.message)
    return _match(history, phone, found)


def _match(history: History, phone: str, found: list[Counterparty]) -> CallerMatch:
    if len(found) == 1:
        return CallerMatch(phone, counterparty=found[0], candidates=found)
    if found:
        return CallerMatch(phone, candidates=found, error=(
            f"the phone {phone!r} belongs to {len(found)} counterparties: {_names(found)}; "
            "give the counterparty instead"))
    if history.profile.family is Family.A:
        return CallerMatch(phone, caller=phone)
    return CallerMatch(phone, error=(
        f"no counterparty has the phone {phone!r}; this base keeps a client of an event as a participant: "
        "create the counterparty first, or give the number as caller to keep it as text"))


def match_phones(history: History, rows: Iterable[InputRow]) -> Iterator[InputRow]:
    """``rows`` with their ``phone`` column turned into ``counterparty`` (a reference) or, in family
    A, ``caller``; a row whose number matches nobody it can use, or several, fails with the reason."""
    rows = list(rows)
    phones = [str(r.values.get("phone") or "").strip() for r in rows if r.error is None]
    seen: dict[str, CallerMatch] = {}
    if any(phones):
        try:
            for phone, found in history.contacts.find_phones(phones).items():
                seen[phone] = (CallerMatch(phone, error=found.message) if isinstance(found, QueryError)
                               else _match(history, phone, found))
        except NotPublishedError as exc:
            seen.update((p, CallerMatch(p, error=exc.message)) for p in phones if p)
    for row in rows:
        values = dict(row.values)
        phone = str(values.pop("phone", None) or "").strip()
        if row.error is not None or not phone:
            yield replace(row, values=values)
            continue
        if str(values.get("counterparty") or "").strip() or str(values.get("caller") or "").strip():
            yield replace(row, values=values, error="phone: give either phone, counterparty or caller, not several")
            continue
        match = seen.get(phone) or seen.setdefault(phone, match_caller(history, phone))
        if match.counterparty is not None:
            values["counterparty"] = match.counterparty.ref
            yield replace(row, values=values)
        elif match.caller is not None:
            values["caller"] = match.caller
            yield replace(row, values=values)
        else:
            yield replace(row, values=values, error=f"phone: {match.error}")

"""Family C: what an event change means for an interaction, and what it cannot mean.

An interaction has no state attribute: its kind is its document type, and the state it reads as
follows from that type and its dates (a call or a past meeting is completed, a meeting ahead or
a planned interaction is planned; events/shape.py). So ``complete`` and ``cancel`` change nothing
that exists: a change of state that already holds is *unchanged*, any other is refused with what
to do instead — never faked in another attribute. What does apply:

- ``reassign`` (``Ответственный``), the texts (``Тема``, ``Описание``, ``Комментарий``), the
  importance (``Важность``), the basis (``ВзаимодействиеОснование``), the deletion mark;
- a call's direction (the Boolean ``Входящий``) and its moment (``reschedule`` moves its ``Date``;
  a call has no end);
- a meeting's ``ДатаНачала``/``ДатаОкончания``;
- a planned interaction's due date (``reschedule``): ``РассмотретьПосле`` of the register
  ``ПредметыПапкиВзаимодействий`` (:mod:`onec_history.create.register`), the document itself is not
  written.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..create.spec import RowError
from ..documents import DocAddress, Documents
from ..errors import AmbiguousError, NoMatchError, OnecError, QueryError
from ..family_c import EventDoc
from ..models import DocKey, EventKind, EventState

__all__ = ["CANCEL_HINT", "interaction_of", "kind_problem", "state_problem"]

CANCEL_HINT = ("family C keeps no state, so nothing is marked cancelled: mark the interaction for deletion "
               "('events mark-deleted') if it did not take place")


def kind_problem() -> RowError:
    return RowError("kind", "the kind of an interaction is its document type (ТелефонныйЗвонок, Встреча, …): it "
                            "cannot change; enter the other kind with 'events create' instead")


def state_problem(doc: EventDoc, wanted: EventState | None, name: str | None,
                  current: EventState | None) -> RowError | None:
    """Why the state ``wanted`` cannot be given to an interaction of ``doc`` that reads as
    ``current`` (``None``: it already reads so — nothing to do)."""
    if name is not None:
        return RowError("state", f"{name!r}: УТ 11 / КА 2 / ERP keep no state of an interaction")
    if wanted is None or wanted is current:
        return None
    if wanted is EventState.CANCELLED:
        return RowError("state", CANCEL_HINT)
    if doc.kind == EventKind.PLANNED.value:
        return RowError("state", "a planned interaction has no state to complete: it is done when the call or "
                                 "meeting it planned is entered with it as the basis ('events create --kind call "
                                 "--basis …'), or when it is marked reviewed (Рассмотрено) in 1C")
    if doc.planned_when_future:
        if wanted is EventState.COMPLETED:
            return RowError("state", "a meeting ahead of now reads as planned and as held once its start has passed "
                                     "(it keeps no state): reschedule it to when it took place")
        return RowError("state", "a meeting whose start has passed reads as held (it keeps no state): reschedule it "
                                 "ahead, or plan the next one with 'events create --kind planned'")
    return RowError("state", "a call is the record of a call (it keeps no state): plan one with 'events create "
                             "--kind planned'")


def interaction_of(docs: Documents, address: str, sets: Sequence[str]) -> DocKey | RowError:
    """The interaction ``address`` names: a reference (looked for in each document), a type and
    a number (``ТелефонныйЗвонок 12``), ``Document_X(guid'…')`` or a bare number (each document's
    numbering is asked; several matches are ambiguous)."""
    try:
        parsed = DocAddress.parse(address)
        if parsed.key is None and parsed.type_name is None and parsed.ref is None and parsed.number is not None:
            found: list[DocKey] = []
            for entity_set in sets:
                try:
                    found.append(docs.by_number(entity_set, parsed.number))
                except NoMatchError:
                    continue
            if len(found) > 1:
                return RowError("event", f"{parsed.number} numbers {len(found)} interactions ("
                                         + ", ".join(k.entity_set for k in found) + "): give the type too "
                                         f"(«ТелефонныйЗвонок {parsed.number}»)", ambiguous=True)
            if not found:
                return RowError("event", f"No interaction is numbered {parsed.number}", missing=True)
            key = found[0]
        else:
            key = docs.resolve(parsed, search_sets=sets)
    except QueryError as exc:
        return RowError("event", exc.message)
    except OnecError as exc:
        return RowError("event", exc.message, ambiguous=isinstance(exc, AmbiguousError)
                        or type(exc).__name__.startswith("Ambiguous"), missing=isinstance(exc, NoMatchError))
    if key.entity_set not in sets:
        return RowError("event", f"{key.entity_set} is not an interaction ({', '.join(sets)})")
    return key

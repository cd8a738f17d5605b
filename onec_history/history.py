"""The library's front door: counterparties and events of one base, in the family's own shape.

>>> base = History(client)                              # doctest: +SKIP
>>> romashka = base.find_counterparty("ООО Ромашка")    # doctest: +SKIP
>>> for event in base.events(EventFilter(counterparty=romashka.ref), limit=10):  # doctest: +SKIP
...     print(event.date, event.subject)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import query as q
from .base import Base
from .client import Client
from .counterparties.contacts import ContactBook
from .counterparties.search import CounterpartySearch
from .errors import AmbiguousError
from .events.interactions import InteractionReader
from .events.read import EventFilter, EventReader
from .mapping import CounterpartyMapper, EventMapper
from .models import Counterparty, Event, EventState
from .names import NameResolver
from .profiles import Profile

__all__ = ["AmbiguousError", "EventFilter", "History"]


class History:
    """Reads counterparties and events of one base through its detected profile.

    A thin façade over :class:`~onec_history.base.Base`: the base (and its profile) is opened on
    first use, so building a History sends no request.
    """

    def __init__(self, client: Client, *, profile_overrides: Mapping[str, Any] | None = None,
                 key: str | None = None) -> None:
        self.client = client
        self._overrides = dict(profile_overrides or {})
        self._key = key
        self._base: Base | None = None
        self._search: CounterpartySearch | None = None
        self._reader: EventReader | InteractionReader | None = None
        self._contacts: ContactBook | None = None

    @property
    def base(self) -> Base:
        if self._base is None:
            self._base = Base.open(self.client, self._overrides, key=self._key)
        return self._base

    @property
    def profile(self) -> Profile:
        return self.base.profile

    @property
    def names(self) -> NameResolver:
        return self.base.names

    def event_mapper(self) -> EventMapper:
        return self.base.event_mapper()

    def counterparty_mapper(self) -> CounterpartyMapper:
        return self.base.counterparty_mapper()

    def state_lookup(self) -> dict[str, tuple[str, EventState]]:
        """Family B: the Состояние catalog, read once (it is small), by ref → (name, state)."""
        return self.base.state_lookup()

    @property
    def counterparty_search(self) -> CounterpartySearch:
        if self._search is None:
            self._search = CounterpartySearch(self.base)
        return self._search

    @property
    def event_reader(self) -> EventReader | InteractionReader:
        """The events' reader: one event document (A, B), or family C's six interaction documents."""
        if self._reader is None:
            self._reader = InteractionReader(self.base) if self.profile.documents else EventReader(self.base)
        return self._reader

    # -- counterparties (counterparties/search.py) ------------------------------------------------
    def search_counterparties(self, text: str | None = None, *, substring: bool = False, inn: str | None = None,
                              code: str | None = None, group: str | None = None, buyers_only: bool = False,
                              folders: bool = False, limit: int | None = None) -> Iterator[Counterparty]:
        """Counterparties by the beginning of the name (the 1C way), a substring, ИНН or code."""
        return self.counterparty_search.search(text, substring=substring, inn=inn, code=code, group=group,
                                               buyers_only=buyers_only, folders=folders, limit=limit)

    def group_with_subfolders(self, group: str) -> set[str]:
        return self.counterparty_search.group_with_subfolders(group)

    def get_counterparty(self, ref: str) -> Counterparty:
        return self.counterparty_search.get(ref)

    def find_counterparty(self, spec: str) -> Counterparty:
        """One counterparty from a reference, code, ИНН or name prefix; ambiguity is an error."""
        return self.counterparty_search.find(spec)

    def find_user(self, spec: str) -> str:
        """The reference of a responsible user/employee from a reference or a name (users.py)."""
        return self.base.users.find(spec)

    # -- events (events/read.py) ----------------------------------------------------------------
    def event_filter(self, f: EventFilter) -> q.Filter | None:
        return self.event_reader.condition(f)

    def events(self, f: EventFilter | None = None, *, newest_first: bool = True,
               limit: int | None = None, resolve_names: bool = True) -> Iterator[Event]:
        """Events by counterparty (header or participant), period, kind, state, direction, responsible."""
        return self.event_reader.events(f, newest_first=newest_first, limit=limit, resolve_names=resolve_names)

    def get_event(self, ref: str) -> Event:
        """One event by its reference: a GUID, or ``Document_Событие(guid'…')`` as chains print it."""
        return self.event_reader.get(ref)

    # -- contact information (counterparties/contacts.py) -----------------------------------------
    @property
    def contacts(self) -> ContactBook:
        """The base's contact information, kept for the run (phone and e-mail lists read once)."""
        if self._contacts is None:
            self._contacts = ContactBook(self)
        return self._contacts

    def find_by_phone(self, phone: str) -> list[Counterparty]:
        """Counterparties one of whose phones is ``phone``, written any usual way (+7 / 8 / 10 digits,
        separators, an extension)."""
        return self.contacts.find_phone(phone)

    def find_by_email(self, email: str) -> list[Counterparty]:
        """Counterparties one of whose e-mails is ``email`` (trimmed, case-insensitive, whole)."""
        return self.contacts.find_email(email)

    def contact_person_of(self, event: Event) -> str | None:
        """The event's contact person as a person reads it: the name of the contact it references
        (one cached lookup, in bulk with other names), or the text typed in its place; ``None``
        when the event names nobody (or the family keeps contacts among the participants)."""
        if self.profile.documents:  # family C: the contact person, or the typed-in text
            if event.contact and self.profile.person_set:
                return self.names.name(self.profile.person_set, event.contact) or event.contact
            return event.contact_text
        ref, entity_set, text = self.event_mapper().shape.who(event.raw, "contact")
        if ref and entity_set:
            return self.names.name(entity_set, ref) or ref
        return text

"""Everything checked before the first write: parse, capabilities, bulk references, identity, $metadata.

A row leaves here either as a :class:`Prepared` write — its identity, deterministic key and
resolved references known, its body checked against ``$metadata`` and the known string lengths —
or as a failed :class:`RowResult` naming the line, the column and what was expected.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from ..chains.links import discover_links
from ..documents import DocAddress, Documents
from ..errors import AmbiguousError, OnecError, ValidationError
from ..history import History
from ..local.inputs import InputRow
from ..models import DocumentRef, EventState
from .interaction import InteractionShaper, PartnerResolver, document_for
from .register import SubjectRegister
from .resolve import Found, Resolver
from .shape import Resolved, Shaper
from .spec import NewEvent, RowError, Vocabulary, content_hash, identity_of, marker_for, parse_row, ref_key_for

__all__ = ["Prepared", "Preparer", "RowResult", "Status"]

log = logging.getLogger("onec_history.create")


class Status(str, Enum):
    CREATED = "created"
    PRESENT = "already_present"
    FAILED = "failed"
    POST_FAILED = "post_failed"  # the event exists (and says so), posting it failed
    WOULD_CREATE = "would_create"  # --dry-run
    SKIPPED = "skipped"  # not sent: --fail-fast, or the base stopped answering


@dataclass
class RowResult:
    """The outcome of one input row. ``error`` is a machine-readable kind, ``message`` for people."""

    line: int | None
    status: Status
    ref: str | None = None
    number: str | None = None
    external_id: str | None = None
    # invalid | ambiguous | not_found | refused | unknown_outcome | unreachable | post | after_write | skipped
    error: str | None = None
    field: str | None = None
    message: str = ""
    body: dict[str, Any] | None = None
    exc: OnecError | None = None
    twin_of: str | None = None  # identity of an earlier row of the same batch with the same event
    entity_set: str | None = None  # the document written (family C: which interaction)

    @property
    def ok(self) -> bool:
        return self.status in (Status.CREATED, Status.PRESENT, Status.WOULD_CREATE)

    def as_dict(self, *, with_body: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status.value, "ref": self.ref,
                               "number": self.number, "external_id": self.external_id, "error": self.error,
                               "field": self.field, "message": self.message}
        if self.entity_set:  # which document the ref is of (family C: which interaction)
            out["document"] = self.entity_set
        if with_body:
            out["body"] = self.body
        return out


@dataclass
class Prepared:
    line: int | None
    event: NewEvent
    identity: str
    content: str
    ref_key: uuid.UUID
    resolved: Resolved
    source: str | None = None
    event_set: str = ""  # the document it is written to (family C: one of the interactions)

    @property
    def marker(self) -> str:
        return marker_for(self.ref_key)


def _fail(line: int | None, errors: list[RowError], *, external_id: str | None = None,
          kind: str = "invalid", notes: tuple[str, ...] = ()) -> RowResult:
    first = errors[0] if errors else RowError("row", "invalid")
    return RowResult(line, Status.FAILED, external_id=external_id, error=kind, field=first.field,
                     message="; ".join([*(str(e) for e in errors), *notes]))


def _say_notes(noted: list[tuple[int | None, NewEvent]]) -> None:
    """How dates with a two-digit year were read: the first on stderr (all of them with -v)."""
    if not noted:
        return
    for line, ev in noted:
        for note in ev.notes:
            log.info("%s: %s", _where(line), note)
    line, ev = noted[0]
    more = len(noted) - 1
    rest = (f"; {more} more row{'s' if more > 1 else ''} read the same way (years 00–29 are 20xx, 30–99 "
            "are 19xx; -v lists them)") if more else ""
    log.warning("%s: %s%s", _where(line), ev.notes[0], rest)


def _where(line: int | None) -> str:
    return f"line {line}" if line else "the event"


class Preparer:
    """Validates rows against one base; reference lookups are made once per batch, in bulk."""

    def __init__(self, history: History, *, id_namespace: str = "", server_tz: tzinfo | None = None,
                 defaults: Mapping[str, Any] | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self.history = history
        self.profile = history.profile
        self.client = history.client
        self.id_namespace = id_namespace
        self.server_tz = server_tz
        self.defaults = dict(defaults or {})
        self.clock = clock
        self._default_responsible: str | None = None
        self.resolver = Resolver(history)
        state_refs: dict[EventState, str] = {}
        state_names: dict[str, str] = {}
        if self.profile.state_catalog and self.profile.state_catalog in self.client.metadata():
            state_refs, state_names = self.resolver.state_refs()
        # One shaper per document events are written to: the event set (A, B), or each published
        # interaction document (C: the kind picks the document).
        self.shapers: dict[str, Shaper] = {}
        self.partners: PartnerResolver | None = None
        if self.profile.documents:
            register = SubjectRegister(self.client)
            sets = tuple(self.profile.event_sets())
            for view in self.profile.views():
                self.shapers[view.event_set] = InteractionShaper(view, interaction_sets=sets, register=register)
            self.partners = PartnerResolver(history)
        else:
            self.shapers[self.profile.event_set] = Shaper(self.profile, state_refs, state_names)
        self.shaper = self.shapers.get(self.profile.event_set) or next(iter(self.shapers.values()))
        for shaper in self.shapers.values():
            for set_name, props in shaper.known_lengths().items():
                current = self.client.lengths.setdefault(set_name, {})
                for prop, length in props.items():
                    current.setdefault(prop, length)  # a config file's [lengths] wins
        self.vocab = Vocabulary.default().with_profile(self.profile.kinds, self.profile.directions,
                                                       self.profile.states, state_names)

    # -- parsing ----------------------------------------------------------------------------------
    def parse(self, rows: Iterable[InputRow]) -> tuple[list[tuple[int | None, NewEvent]], list[RowResult]]:
        ok: list[tuple[int | None, NewEvent]] = []
        bad: list[RowResult] = []
        for row in rows:
            ext = row.values.get("external_id")
            ext_text = str(ext).strip() if ext not in (None, "") else None
            if row.error:
                bad.append(_fail(row.line, [RowError("row", row.error)], external_id=ext_text))
                continue
            event, errors = parse_row(row.values, self.vocab, server_tz=self.server_tz, defaults=self.defaults)
            if event is None:
                bad.append(_fail(row.line, errors, external_id=ext_text))
            else:
                ok.append((row.line, event))
        _say_notes([(line, ev) for line, ev in ok if ev.notes])
        return ok, bad

    def shaper_for(self, ev: NewEvent) -> tuple[Shaper | None, RowError | None]:
        """The shaper of the document ``ev`` is written to: the event set (A, B); in family C the
        interaction document of its kind (e-mails and SMS are refused)."""
        if not self.profile.documents:
            return self.shaper, None
        name, error = document_for(self.profile, ev.kind)
        if error is not None or name is None:
            return None, error
        return self.shapers[name], None

    def shaper_of(self, p: Prepared) -> Shaper:
        return self.shapers.get(p.event_set) or self.shaper

    # -- everything that needs the base -----------------------------------------------------------
    def prepare(self, items: list[tuple[int | None, NewEvent]], *,
                source: str | None = None) -> tuple[list[Prepared], list[RowResult]]:
        bad: list[RowResult] = []
        usable: list[tuple[int | None, NewEvent, Shaper]] = []
        now = self.clock()
        for line, ev in items:
            shaper, error = self.shaper_for(ev)
            problems = [error] if error is not None else shaper.problems(ev, now=now) if shaper else []
            if problems or shaper is None:
                kind = "not_found" if all(e.missing for e in problems) and problems else "invalid"
                bad.append(_fail(line, problems, external_id=ev.external_id, notes=ev.notes, kind=kind))
            else:
                usable.append((line, ev, shaper))
        cps = self.resolver.counterparties(ev.counterparty for _, ev, _ in usable if ev.counterparty)
        persons: dict[tuple[str, str], Found] = {}
        if self.partners is not None:  # family C: the client is the counterparty's partner
            cps = self.partners.partners((ev.counterparty for _, ev, _ in usable if ev.counterparty), cps)
            persons = self.partners.persons(
                (ref, ev.contact) for _, ev, _ in usable
                if ev.contact and ev.counterparty and (ref := cps[ev.counterparty].ref) is not None)
        users = self.resolver.users(ev.responsible for _, ev, _ in usable if ev.responsible)
        docs = self.resolver.documents(ev.basis for _, ev, _ in usable if ev.basis is not None)
        docs.update(self.basis_addresses(ev.basis_address for _, ev, _ in usable if ev.basis_address))
        unnamed = any(not ev.responsible for _, ev, _ in usable) or (self.partners is not None and bool(usable))
        lookups = _Lookups(cps, users, docs, self.default_responsible() if unnamed else None, persons)
        prepared: list[Prepared] = []
        seen: dict[str, tuple[int | None, str]] = {}
        for line, ev, shaper in usable:
            item = self._prepare_one(line, ev, shaper, lookups, now, source)
            if isinstance(item, RowResult):
                bad.append(item)
            elif item.identity in seen:
                bad.append(_twin(item, *seen[item.identity]))
            else:
                seen[item.identity] = (line, item.content)
                prepared.append(item)
        return prepared, bad

    def basis_addresses(self, specs: Iterable[str]) -> dict[tuple[str, str], Found]:
        """Each basis given as «Событие 276» or a reference without a type → the document (its set
        in ``Found.name``), keyed ``("", spec)``; one lookup per distinct spec."""
        specs = list(dict.fromkeys(specs))
        if not specs:
            return {}
        documents = Documents(self.client)
        md = self.client.metadata()
        sets = (*self.profile.event_sets(), *discover_links(md, self.profile.family).document_sets())
        out: dict[tuple[str, str], Found] = {}
        for spec in specs:
            try:
                key = documents.resolve(DocAddress.parse(spec), search_sets=sets)
            except OnecError as exc:
                out[("", spec)] = Found(None, exc.message, ambiguous=isinstance(exc, AmbiguousError))
            else:
                out[("", spec)] = Found(key.ref, name=key.entity_set)
        return out

    def default_responsible(self) -> str | None:
        """The responsible of an event that names none: the base user the login maps to (once)."""
        if self._default_responsible is None:
            self._default_responsible = self.history.base.users.for_login(self.client.transport.user) or ""
        return self._default_responsible or None

    def with_default_state(self, ev: NewEvent, now: datetime) -> NewEvent:
        """An event given no state is completed when it started in the past, planned when it starts later."""
        if ev.state is not None or ev.state_name is not None or self.profile.event_attr("state") is None:
            return ev
        return ev.model_copy(update={"state": EventState.COMPLETED if ev.start <= now else EventState.PLANNED})

    def _prepare_one(self, line: int | None, given: NewEvent, shaper: Shaper, lookups: _Lookups, now: datetime,
                     source: str | None) -> Prepared | RowResult:
        cps, users, docs, default_resp = lookups.counterparties, lookups.users, lookups.documents, lookups.default
        errors: list[RowError] = []
        cp = _take(cps, given.counterparty, "counterparty", errors)
        person = None
        if given.contact and cp is not None:
            person = _take(lookups.persons, (cp, given.contact), "contact", errors)
        resp = _take(users, given.responsible, "responsible", errors) if given.responsible else default_resp
        if given.basis is not None:
            _take(docs, (given.basis.entity_set, given.basis.ref), "basis", errors)
        found_basis = docs.get(("", given.basis_address)) if given.basis_address else None
        if given.basis_address:
            _take(docs, ("", given.basis_address), "basis", errors)
        # Defaults (state, responsible) depend on the clock and the login: they are not part of the
        # identity, so the same row gives the same event whenever and by whomever it is imported.
        ev = self.with_default_state(given, now)
        if found_basis is not None and found_basis.ref is not None and found_basis.name is not None:
            ev = ev.model_copy(update={"basis": DocumentRef(entity_set=found_basis.name, ref=found_basis.ref)})
        state_ref, state_err = shaper.state_ref(ev)
        if state_err is not None:
            errors.append(state_err)
        resolved = Resolved(counterparty=cp, responsible=resp, state_ref=state_ref)
        if self.partners is not None:  # family C: the partner or its person, by name, and who writes it
            names = self.history.names
            shown = names.name(self.profile.person_set, person) if person else (
                cps[given.counterparty].name if given.counterparty and cp else None)
            resolved = Resolved(counterparty=cp, responsible=resp, client_set=self.profile.partner_set if cp else None,
                                contact=person, presentation=shown, author=lookups.default)
        errors.extend(shaper.resolved_problems(ev, resolved))
        if errors:
            ambiguous = any(e.ambiguous for e in errors)
            kind = "ambiguous" if ambiguous else "not_found" if all(e.missing for e in errors) else "invalid"
            return _fail(line, errors, external_id=given.external_id, kind=kind, notes=given.notes)
        content = content_hash(given, {"counterparty": cp, "contact": person,
                                       "responsible": resp if given.responsible else None})
        identity = identity_of(given, content, namespace=self.id_namespace)
        ref_key = ref_key_for(identity)
        try:
            # Validated in the worst case — with the key and the marker — so any later mode fits.
            body = shaper.body(ev, resolved, ref_key=ref_key, marker=marker_for(ref_key), now=now)
            self.client.validate(shaper.event_set, body)
        except ValidationError as exc:
            return _fail(line, [RowError(shaper.column_of(exc), exc.message)], external_id=given.external_id,
                         notes=given.notes)
        return Prepared(line, ev, identity, content, ref_key, resolved, source, event_set=shaper.event_set)


@dataclass(frozen=True)
class _Lookups:
    counterparties: Mapping[str, Found]
    users: Mapping[str, Found]
    documents: Mapping[tuple[str, str], Found]
    default: str | None  # the login's user: the responsible of an event naming none (family C: its author)
    persons: Mapping[tuple[str, str], Found]  # family C: (partner, name) → the contact person


def _twin(item: Prepared, first_line: int | None, first_content: str) -> RowResult:
    """A row whose identity an earlier row of the batch has: the same event, or a clash of ids."""
    ev = item.event
    if first_content != item.content:
        return _fail(item.line, [RowError("external_id", f"{ev.external_id!r} is also used on line "
                                                         f"{first_line} for different content")],
                     external_id=ev.external_id)
    return RowResult(item.line, Status.PRESENT, external_id=ev.external_id, twin_of=item.identity,
                     message=f"the same event as line {first_line}")


def _take(found: Mapping[Any, Found], key: Any, column: str, errors: list[RowError]) -> str | None:
    if key is None:
        return None
    f = found.get(key)
    if f is None:
        errors.append(RowError(column, "could not be resolved"))
        return None
    if f.ref is None:
        errors.append(RowError(column, f.error or "not found", ambiguous=f.ambiguous, missing=not f.ambiguous))
    return f.ref

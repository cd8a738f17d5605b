"""Changing events: read each, compare, write only what differs, with 1C's ``DataVersion`` checked.

One :class:`Updater` serves a run. For a list of :class:`Target` (an event address and a
:class:`~onec_history.update.change.Change`) it

1. finds the events (references, numbers, any address ``events show`` takes) and resolves the
   references the changes name (responsible people, basis documents) in bulk;
2. reads the events in pages (``Ref_Key`` in …), with their ``DataVersion``, ``Posted`` and
   ``DeletionMark``;
3. plans each: the PATCH body in the base's own shape (family B's state catalogue and
   participant rows, family A's composite attributes) and, per field, ``1C value → new value``.
   A change that already holds plans to nothing: it is *unchanged* and nothing is sent;
4. writes each plan with the version it was read at (``If-Match`` and a comparison of our own,
   :meth:`Client.patch`): an event changed in 1C since is a *conflict* and keeps 1C's value;
5. re-posts a posted family-A event after the change (1C keeps the posting's movements as they
   were otherwise); an unposted one stays unposted. Marking a posted event for deletion unposts
   it first, as 1C's form does.

``dry_run`` stops after step 3 and reports the same statuses the real run would give.

Family C (УТ 11 / КА 2 / ERP) keeps events in six interaction documents: the updater of the base
finds each target's document and hands it to an updater of that document (one per view of the
profile); what an interaction can and cannot take is in :mod:`.interactions`.

A ledger (:class:`~onec_history.local.change_ledger.ChangeLedger`) remembers every change applied,
by the event and the new values: a re-run of the same file after a crash finishes the rest, and a
change that was applied once and then undone in 1C by somebody is *superseded* — reported, not
applied a second time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from enum import Enum
from typing import TYPE_CHECKING, Any

from .. import query as q
from ..counterparties.contacts import PERSON_SETS
from ..create.prepare import Preparer
from ..create.register import SubjectRegister
from ..create.spec import RowError, Vocabulary, norm_word
from ..documents import DocAddress, Documents
from ..errors import BusinessError, ConflictError, ODataError, OnecError, QueryError, ServerUnavailable
from ..events.shape import EventShape, ref_of
from ..models import EMPTY_DATE, Direction, EventKind, parse_datetime, set_of_type
from ..profiles import AttrKind, Profile
from .change import Change
from .interactions import interaction_of, kind_problem, state_problem

if TYPE_CHECKING:
    from ..history import History
    from ..local.change_ledger import ChangeLedger

__all__ = ["Diff", "Plan", "Status", "Target", "UpdateResult", "Updater"]

_DATETIME = "%Y-%m-%dT%H:%M:%S"
_TEXT_TYPE = "Edm.String"
_LOGICAL = ("kind", "direction", "state", "start", "end", "subject", "body", "comment", "importance",
            "contact", "responsible", "basis")
_DUE = "@due"  # family C: a planned interaction's due date from the register, kept beside its row


class Status(str, Enum):
    CHANGED = "changed"
    WOULD_CHANGE = "would change"  # --dry-run
    UNCHANGED = "unchanged"  # the change already holds: nothing was sent
    CONFLICT = "conflict"  # changed in 1C since it was read: 1C's value kept
    SUPERSEDED = "superseded"  # applied by an earlier run, changed in 1C since: not applied again
    POST_FAILED = "post failed"  # changed, but 1C refused to re-post it
    FAILED = "failed"


@dataclass(frozen=True)
class Target:
    """One event to change: its address as the user gave it, the change, where it came from."""

    address: str
    change: Change
    line: int | None = None


@dataclass(frozen=True)
class Diff:
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old or '—'} → {self.new or '—'}"


@dataclass
class UpdateResult:
    line: int | None
    address: str
    status: Status
    ref: str | None = None
    number: str | None = None
    diffs: list[Diff] = field(default_factory=list)
    message: str = ""
    error: str | None = None  # the field a failure is about
    exc: OnecError | None = None

    @property
    def ok(self) -> bool:
        return self.status in (Status.CHANGED, Status.WOULD_CHANGE, Status.UNCHANGED, Status.SUPERSEDED)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "event": self.address, "status": self.status.value, "number": self.number,
                "ref": self.ref, "changes": "; ".join(str(d) for d in self.diffs),
                "diffs": [{"field": d.field, "old": d.old, "new": d.new} for d in self.diffs],
                "message": self.message}


@dataclass
class Plan:
    """What one event's change comes to, against the row it was read as."""

    target: Target
    ref: str
    number: str | None
    data_version: str | None
    body: dict[str, Any]
    diffs: list[Diff]
    posted: bool
    repost: bool = False
    unpost_first: bool = False
    due: datetime | None = None  # family C: a planned interaction's new due date (the register, not the document)


@dataclass
class _Lookups:
    refs: dict[str, str | RowError] = field(default_factory=dict)  # address → event ref
    users: dict[str, str | RowError] = field(default_factory=dict)  # spec → ref
    bases: dict[tuple[str, str], RowError | None] = field(default_factory=dict)


class Updater:
    """Changes events of one base (see the module doc)."""

    def __init__(self, history: History, ledger: ChangeLedger | None = None, *, jobs: int = 1,
                 server_tz: tzinfo | None = None, clock: Callable[[], datetime] = datetime.now,
                 profile: Profile | None = None, preparer: Preparer | None = None) -> None:
        """``profile``: one interaction document's view (family C builds one updater per document)."""
        self.history = history
        self.client = history.client
        self.profile = profile or history.profile
        self.ledger = ledger
        self.jobs = max(1, jobs)
        self.clock = clock
        self.preparer = preparer or Preparer(history, server_tz=server_tz, clock=clock)
        # Family C: the events are six documents; each target is changed by the updater of its own.
        self.views: dict[str, Updater] = {
            v.event_set: Updater(history, ledger, jobs=jobs, server_tz=server_tz, clock=clock, profile=v,
                                 preparer=self.preparer)
            for v in self.profile.views()} if self.profile.documents else {}
        self.doc = self.profile.doc
        self.shaper = self.preparer.shapers.get(self.profile.event_set, self.preparer.shaper)
        self.event_set = self.profile.event_set
        self.attrs = self.profile.event_attrs(_LOGICAL)
        self.register: SubjectRegister | None = None
        if self.doc is not None:
            self.attrs = self.profile.event_attrs((*_LOGICAL, "date"))
            if self.doc.kind == EventKind.PLANNED.value:
                self.register = SubjectRegister(self.client)  # its due date is there
            elif "start" not in self.attrs and "date" in self.attrs:
                self.attrs["start"] = replace(self.attrs["date"], logical="start")  # a call: its moment is its date
            self.attrs.pop("date", None)
        self.shape = EventShape(self.profile, state_lookup=history.state_lookup())
        self.state_names = {ref: name for ref, (name, _) in history.state_lookup().items()}
        self._resolved = _Lookups()
        self._persons: dict[str, list[tuple[str, str]]] = {}  # client → its contact persons (ref, folded name)

    @property
    def vocab(self) -> Vocabulary:
        return self.preparer.vocab

    # -- the run ------------------------------------------------------------------------------------
    def run(self, targets: Sequence[Target], *, dry_run: bool = False,
            progress: Callable[[UpdateResult], None] | None = None,
            refs: Mapping[str, str] | None = None) -> list[UpdateResult]:
        """One result per target, in the targets' order (``refs``: the addresses already resolved)."""
        if self.views:
            return self._run_views(targets, dry_run=dry_run, progress=progress)
        lookups = self._resolved = self._lookups(targets, refs)
        results: list[UpdateResult | None] = [None] * len(targets)
        plans: list[tuple[int, Plan]] = []
        first_of: dict[str, int] = {}
        wanted: dict[str, list[int]] = {}
        for i, t in enumerate(targets):
            ref = lookups.refs.get(t.address)
            problems = self.problems(t.change, lookups)
            if isinstance(ref, RowError):
                problems.insert(0, ref)
            if problems:
                results[i] = self._failed(t, problems, ref if isinstance(ref, str) else None)
                continue
            assert isinstance(ref, str)
            if ref in first_of:
                where = targets[first_of[ref]].line
                results[i] = self._failed(t, [RowError("event", "the same event as "
                                                       + (f"line {where}" if where else "another target")
                                                       + "; give each event's changes in one line")], ref)
                continue
            first_of[ref] = i
            wanted.setdefault(ref, []).append(i)
        rows = self._read(wanted)
        for ref, indexes in wanted.items():
            for i in indexes:
                t = targets[i]
                row = rows.get(ref)
                if row is None:
                    results[i] = self._failed(t, [RowError("event", f"{self.event_set}({ref}) does not exist")], ref)
                    continue
                try:
                    plans.append((i, self.plan(t, row, lookups)))
                except _Refused as exc:
                    failed = self._failed(t, exc.errors, ref)
                    if self.doc is not None:  # family C: the interaction is named by its number, as listed
                        failed.number = _number(row)
                    results[i] = failed
        for i, p in plans:
            settled = self._settled(p, dry_run)
            if settled is not None:
                results[i] = settled
        todo = [(i, p) for i, p in plans if results[i] is None]
        if dry_run:
            for i, p in todo:
                results[i] = self._result(p, Status.WOULD_CHANGE)
        else:
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                for i, result in zip([i for i, _ in todo], pool.map(self.apply, [p for _, p in todo]), strict=True):
                    results[i] = result
        done = [r for r in results if r is not None]
        assert len(done) == len(targets)
        if progress is not None:
            for r in done:
                progress(r)
        return done

    def _run_views(self, targets: Sequence[Target], *, dry_run: bool,
                   progress: Callable[[UpdateResult], None] | None) -> list[UpdateResult]:
        """Family C: each target's interaction found, then changed by the updater of its document."""
        docs = Documents(self.client)
        keys = {a: interaction_of(docs, a, list(self.views)) for a in dict.fromkeys(t.address for t in targets)}
        results: list[UpdateResult | None] = [None] * len(targets)
        groups: dict[str, list[int]] = {}
        for i, t in enumerate(targets):
            key = keys[t.address]
            if isinstance(key, RowError):
                results[i] = self._failed(t, [key], None)
            else:
                groups.setdefault(key.entity_set, []).append(i)
        for entity_set, indexes in groups.items():
            refs = {targets[i].address: k.ref for i in indexes
                    if not isinstance(k := keys[targets[i].address], RowError)}
            done = self.views[entity_set].run([targets[i] for i in indexes], dry_run=dry_run, refs=refs)
            for i, r in zip(indexes, done, strict=True):
                results[i] = r
        out = [r for r in results if r is not None]
        if progress is not None:
            for r in out:
                progress(r)
        return out

    # -- 1 · finding ----------------------------------------------------------------------------
    def _lookups(self, targets: Sequence[Target], refs: Mapping[str, str] | None = None) -> _Lookups:
        out = _Lookups()
        docs = Documents(self.client)
        for address in dict.fromkeys(t.address for t in targets):
            out.refs[address] = refs[address] if refs and address in refs else self._eventref_of(docs, address)
        specs = [t.change.responsible for t in targets if t.change.responsible]
        if specs and "responsible" in self.attrs:
            for spec, found in self.preparer.resolver.users(specs).items():
                out.users[spec] = found.ref if found.ref else RowError("responsible", found.error or "not found")
        bases = [t.change.basis for t in targets if t.change.basis is not None]
        if bases:
            for key, found in self.preparer.resolver.documents(bases).items():
                out.bases[key] = None if found.ref else RowError("basis", found.error or "not found")
        return out

    def _eventref_of(self, docs: Documents, address: str) -> str | RowError:
        try:
            key = docs.resolve(DocAddress.parse(address), default_set=self.event_set)
        except QueryError as exc:
            return RowError("event", exc.message)
        except OnecError as exc:
            return RowError("event", exc.message, ambiguous=type(exc).__name__.startswith("Ambiguous"),
                            missing=type(exc).__name__ == "NoMatchError")
        if key.entity_set != self.event_set:
            return RowError("event", f"{key.entity_set} is not an event ({self.event_set})")
        return key.ref

    def refs_for(self, flt: Any) -> list[str]:
        """The references of the events an :class:`~onec_history.history.EventFilter` selects (family C:
        ``Document_X(guid'…')``, the interaction's document with it)."""
        events = self.history.events(flt, newest_first=False, resolve_names=False)
        if self.views:
            return [f"{e.document_set}(guid'{e.ref}')" if e.document_set else e.ref for e in events]
        return [e.ref for e in events]

    # -- 2 · reading ------------------------------------------------------------------------------
    def _select(self) -> tuple[str, ...]:
        props = ["Ref_Key", "Number", "DataVersion", "DeletionMark", "Posted"]
        for a in self.attrs.values():
            props.extend(p for p in a.select if p not in props)
        if self.shape.section:
            props.append(self.shape.section)
        return tuple(props)

    def _read(self, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
        es = self.client.entity_set(self.event_set)
        select = tuple(p for p in self._select() if p in es.properties or p in es.tabular_sections
                       or p == "Ref_Key")
        out: dict[str, dict[str, Any]] = {}
        for page in self.client.iter_by(self.event_set, "Ref_Key", [uuid.UUID(r) for r in refs], select=select):
            for row in page:
                out[str(row["Ref_Key"])] = row
        if self.register is not None and out and self.register.problem() is None:
            for ref, due in self.register.due_many(self.event_set, list(out)).items():
                out[ref][_DUE] = due
        return out

    def reread(self, ref: str) -> dict[str, Any] | None:
        return self._read([ref]).get(ref)

    # -- 3 · planning -----------------------------------------------------------------------------
    def problems(self, change: Change, lookups: _Lookups | None = None) -> list[RowError]:
        """Fields of ``change`` this base cannot hold, or references that name nothing."""
        out: list[RowError] = []
        p = self.profile
        if self.doc is not None:
            return self._interaction_problems(change, lookups)
        for name in ("kind", "direction", "start", "end", "subject", "body", "comment", "importance",
                     "responsible", "basis"):
            if getattr(change, name) is not None and name not in self.attrs:
                out.append(RowError(name, f"this base's events have no attribute for {name!r}"))
        if (change.state is not None or change.state_name is not None) and "state" not in self.attrs:
            out.append(RowError("state", "this base's events have no state attribute"))
        if change.contact is not None and "contact" not in self.attrs and self.shape.section is None:
            out.append(RowError("contact", "this base's events have no contact attribute"))
        if change.kind is not None and "kind" in self.attrs and change.kind not in p.kinds:
            out.append(RowError("kind", f"{change.kind.value!r} does not exist in this base; it has "
                                        + ", ".join(p.kinds.values())))
        if change.state is not None and "state" in self.attrs:
            a = self.attrs["state"]
            if a.kind is AttrKind.REF and change.state not in self.shaper.state_refs:
                out.append(RowError("state", f"the base's state catalog has no {change.state.value!r} state"))
        if lookups is not None:
            if change.responsible and isinstance(err := lookups.users.get(change.responsible), RowError):
                out.append(err)
            if change.basis is not None:
                problem = lookups.bases.get((change.basis.entity_set, change.basis.ref))
                if problem is not None:
                    out.append(problem)
        if change.basis is not None and "basis" in self.attrs:
            a = self.attrs["basis"]
            if a.kind is AttrKind.REF and a.target_set and a.target_set != change.basis.entity_set:
                out.append(RowError("basis", f"the basis must be a {a.target_set} in this base"))
        return out

    def _interaction_problems(self, change: Change, lookups: _Lookups | None) -> list[RowError]:
        """Family C: what an interaction document cannot take (its state is checked per event)."""
        out: list[RowError] = []
        doc = self.event_set
        if change.kind is not None:
            out.append(kind_problem())
        planned = self.register is not None
        why = {"direction": " (only a call keeps one: Входящий)",
               "end": " (a planned interaction is due at its start)" if planned else " (a call keeps only its moment)"}
        for name in ("direction", "end", "subject", "body", "comment", "importance", "responsible", "basis"):
            if getattr(change, name) is not None and name not in self.attrs:
                out.append(RowError(name, f"{doc} has no attribute for {name!r}{why.get(name, '')}"))
        if change.start is not None and "start" not in self.attrs:
            problem = self.register.problem() if self.register is not None else f"{doc} has no date"
            if problem is not None:
                out.append(RowError("start", f"the due date cannot be changed: {problem}"))
        if change.contact is not None:
            out.append(RowError("contact", "an interaction's contact person is named when it is created "
                                           "('events create --contact'); changing it is not supported"))
        if change.basis is not None:
            sets = self.preparer.profile.event_sets()
            if change.basis.entity_set not in sets:
                out.append(RowError("basis", f"the basis of an interaction (ВзаимодействиеОснование) is another "
                                             f"interaction, not a {change.basis.entity_set}"))
        if lookups is not None:
            if change.responsible and isinstance(err := lookups.users.get(change.responsible), RowError):
                out.append(err)
            if change.basis is not None:
                problem_b = lookups.bases.get((change.basis.entity_set, change.basis.ref))
                if problem_b is not None:
                    out.append(problem_b)
        return out

    def plan(self, target: Target, row: Mapping[str, Any], lookups: _Lookups | None = None) -> Plan:
        """The body and the diffs of ``target``'s change against ``row``; :class:`_Refused` when the
        change cannot be written to this event."""
        c, p, a = target.change, self.profile, self.attrs
        body: dict[str, Any] = {}
        diffs: list[Diff] = []
        errors: list[RowError] = []

        def plain(logical: str, new: Any, old_text: str | None = None, new_text: str | None = None) -> None:
            prop = a[logical].prop
            old = row.get(prop)
            if _same(old, new):
                return
            body[prop] = new
            diffs.append(Diff(logical, old_text if old_text is not None else _show(old),
                              new_text if new_text is not None else _show(new)))

        due: datetime | None = None
        if self.doc is not None:  # family C: no kind, no state; Входящий is a Boolean
            problem = state_problem(self.doc, c.state, c.state_name, self.shape.state(row)[0])
            if problem is not None:
                errors.append(problem)
            if c.direction is not None:
                incoming = c.direction is Direction.INCOMING
                plain("direction", incoming, _way(bool(row.get(a["direction"].prop))), _way(incoming))
            if c.start is not None and self.register is not None:
                old_due = row.get(_DUE)
                if old_due != c.start:
                    due = c.start
                    diffs.append(Diff("start", f"{old_due:%d.%m.%Y %H:%M}" if old_due else "",
                                      f"{c.start:%d.%m.%Y %H:%M}"))
                c = replace(c, start=None, keep_duration=False)
        else:
            if c.kind is not None:
                plain("kind", p.kinds[c.kind])
            if c.direction is not None:
                plain("direction", p.directions[c.direction])
            if c.state is not None or c.state_name is not None:
                self._state(c, row, plain, errors)
        start_old, end_old = _date(row.get(a["start"].prop)) if "start" in a else None, \
            _date(row.get(a["end"].prop)) if "end" in a else None
        new_start = c.start or start_old
        new_end = c.end
        if c.start is not None:
            plain("start", c.start.strftime(_DATETIME))
            if new_end is None and c.keep_duration and start_old and end_old and end_old >= start_old:
                new_end = c.start + (end_old - start_old)
        if new_end is not None:
            plain("end", new_end.strftime(_DATETIME))
        final_end = new_end or end_old
        if new_start and final_end and final_end < new_start:
            errors.append(RowError("end", f"the end {final_end:%d.%m.%Y %H:%M} would be before the start "
                                          f"{new_start:%d.%m.%Y %H:%M}" + ("" if c.end else "; give the end too")))
        for logical in ("subject", "body", "comment"):
            text = getattr(c, logical)
            if text is not None:
                self._text(logical, text, row, body, diffs)
        if c.importance is not None:
            value = self._enum_value("importance", c.importance, row.get(a["importance"].prop), errors)
            if value is not None:
                plain("importance", value)
        if c.contact is not None:
            self._contact(c.contact, row, body, diffs)
        if c.responsible:
            ref = lookups.users.get(c.responsible) if lookups is not None else c.responsible
            if isinstance(ref, str):
                names, people = self.history.names, a["responsible"].target_set
                plain("responsible", ref, names.name(people, ref_of(row.get(a["responsible"].prop))),
                      names.name(people, ref))
        if c.basis is not None:
            self._basis(c, row, body, diffs)
        posted = bool(row.get("Posted"))
        unpost_first = False
        if c.deleted is not None and bool(row.get("DeletionMark")) != c.deleted:
            body["DeletionMark"] = c.deleted
            diffs.append(Diff("deleted", _yes(bool(row.get("DeletionMark"))), _yes(c.deleted)))
            unpost_first = c.deleted and posted
        if errors:
            raise _Refused(errors)
        if body:
            try:
                self.client.validate(self.event_set, body)
            except OnecError as exc:
                raise _Refused([RowError(self.shaper.column_of(exc) if hasattr(exc, "field") else "row",  # type: ignore[arg-type]
                                         exc.message)]) from None
        repost = bool(body) and posted and p.can_post_events and not (c.deleted or bool(row.get("DeletionMark")))
        return Plan(target, str(row["Ref_Key"]), _number(row), row.get("DataVersion"), body, diffs, posted,
                    repost=repost, unpost_first=unpost_first, due=due)

    def _state(self, c: Change, row: Mapping[str, Any], plain: Callable[..., None], errors: list[RowError]) -> None:
        a = self.attrs["state"]
        if a.kind is AttrKind.REF:
            ref = self.shaper.state_refs.get(c.state) if c.state is not None else \
                self.shaper.state_names.get(c.state_name or "")
            if ref is None:
                errors.append(RowError("state", f"the base's state catalog has no {c.state_name or c.state!r} state"))
                return
            old = ref_of(row.get(a.prop))
            plain("state", ref, self.state_names.get(old or "", old or ""), self.state_names.get(ref, ref))
            return
        plain("state", self.profile.states[c.state] if c.state is not None else c.state_name)

    def _text(self, logical: str, text: str, row: Mapping[str, Any], body: dict[str, Any], diffs: list[Diff]) -> None:
        a = self.attrs[logical]
        text = text.rstrip()  # 1C ignores trailing blanks: comparing with them would change it every run
        old_value = row.get(a.prop)
        if a.kind is AttrKind.COMPOSITE:
            old_type = row.get(a.type_prop or "")
            holds_text = old_type in (_TEXT_TYPE, None, "")
            old_text = str(old_value or "").rstrip() if holds_text else ""
            if holds_text and old_text == text:
                return
            body[a.prop] = text
            if a.type_prop:
                body[a.type_prop] = _TEXT_TYPE
            shown = old_text if holds_text else self.history.names.name(
                _set_of(old_type), ref_of(old_value)) or str(old_value)
            diffs.append(Diff(logical, shown, text))
            return
        old_text = str(old_value or "").rstrip()
        if old_text == text:
            return
        body[a.prop] = text
        diffs.append(Diff(logical, old_text, text))

    def _person(self, row: Mapping[str, Any], text: str) -> tuple[str, str] | None:
        """(ref, set) of the event's client's contact person named ``text`` (case and spaces aside),
        when exactly one has that name: the contact is then written as a reference, as 1C's form does."""
        person_set = PERSON_SETS.get(self.profile.family)
        md = self.client.metadata()
        if not text or person_set is None or person_set not in md or "Owner_Key" not in md.get(person_set).properties:
            return None
        client, target, _ = self.shape.client(row, [who for _, who in self.shape.participants(row)])
        if not client or target != self.profile.counterparty_set:
            return None
        if client not in self._persons:
            query = q.Query(filter=q.eq("Owner_Key", uuid.UUID(client)),
                            select=("Ref_Key", "Description", "DeletionMark"))
            self._persons[client] = [(str(r["Ref_Key"]), _folded(str(r.get("Description") or "")))
                                     for r in self.client.iterate(person_set, query) if not r.get("DeletionMark")]
        named = [ref for ref, name in self._persons[client] if name == _folded(text)]
        return (named[0], person_set) if len(named) == 1 else None

    def _contact(self, text: str, row: Mapping[str, Any], body: dict[str, Any], diffs: list[Diff]) -> None:
        person = self._person(row, text.strip())
        if "contact" in self.attrs:
            a = self.attrs["contact"]
            if person is not None and a.kind is AttrKind.COMPOSITE and a.type_prop:
                old_ref, old_set, old_text = self.shape.who(row, "contact")
                if (old_ref, old_set) == person:
                    return
                body[a.prop], body[a.type_prop] = person[0], f"StandardODATA.{person[1]}"
                shown = old_text or (self.history.names.name(old_set, old_ref) if old_ref else "") or old_ref or ""
                diffs.append(Diff("contact", shown, text.strip()))
                return
            self._text("contact", text, row, body, diffs)
            return
        # Family B: contact persons are participant rows beside the client; the client's rows stay.
        shape = self.shape
        assert shape.section is not None and shape.participant is not None
        slot = shape.participant
        kept: list[tuple[Mapping[str, Any], Any, Any, Any]] = []
        others: list[tuple[Mapping[str, Any], Any, Any, Any]] = []
        for prow in row.get(shape.section) or ():
            ref, target, ptext = slot.who(prow)
            (kept if ref and target == self.profile.counterparty_set else others).append((prow, ref, target, ptext))
        old = ", ".join(t or self.history.names.name(s, r) or r or "" for _, r, s, t in others)
        if (old == text and person is None) or (person is not None and [(r, s) for _, r, s, _ in others] == [person]):
            return
        # The rows kept as 1C sent them, less what a row may not be written with: the owner's key
        # (Ref_Key is read-only in a row) and annotations.
        rows = [{k: v for k, v in prow.items() if k != "Ref_Key" and "@" not in k} for prow, *_ in kept]
        if text:
            new_row: dict[str, Any] = {slot.prop: person[0] if person else text}  # other columns: 1C's defaults
            if slot.type_prop:
                new_row[slot.type_prop] = f"StandardODATA.{person[1]}" if person else _TEXT_TYPE
            rows.append(new_row)
        for number, r in enumerate(rows, start=1):
            r["LineNumber"] = str(number)
        body[shape.section] = rows
        diffs.append(Diff("contact", old, text))

    def _basis(self, c: Change, row: Mapping[str, Any], body: dict[str, Any], diffs: list[Diff]) -> None:
        assert c.basis is not None
        a = self.attrs["basis"]
        old_ref, old_set, _ = self.shape.who(row, "basis")
        if old_ref == c.basis.ref and (old_set in (None, c.basis.entity_set)):
            return
        body[a.prop] = c.basis.ref
        if a.kind is AttrKind.COMPOSITE and a.type_prop:
            body[a.type_prop] = f"StandardODATA.{c.basis.entity_set}"
        diffs.append(Diff("basis", f"{old_set}({old_ref})" if old_ref else "",
                          f"{c.basis.entity_set}({c.basis.ref})"))

    def _enum_value(self, logical: str, text: str, current: Any, errors: list[RowError]) -> str | None:
        """``text`` as a member of the attribute's enum, spelt as 1C does (``высокая`` → ``Высокая``).

        1C's ``$metadata`` types an enum attribute as ``Edm.String`` without naming its enum, so
        the enum is the one (or the ones) holding the event's current value; with no current
        value, the enums that have a member of that name.
        """
        if text == "":
            return ""
        enums = self.client.metadata().enums
        holding = [m for m in enums.values() if current and current in m]
        candidates = holding or [m for m in enums.values() if any(norm_word(x) == norm_word(text) for x in m)]
        for members in candidates:
            for m in members:
                if norm_word(m) == norm_word(text):
                    return m
        if holding:
            known = ", ".join(dict.fromkeys(m for members in holding for m in members))
            errors.append(RowError(logical, f"{text!r} is not one of {known}"))
            return None
        return text  # no enum to check it against: 1C's own answer will say

    # -- 4 · writing ------------------------------------------------------------------------------
    def _settled(self, p: Plan, dry_run: bool) -> UpdateResult | None:
        """The result of a plan that needs no write: unchanged, or superseded per the ledger."""
        entry = self.ledger.get(p.target.change.identity(p.ref)) if self.ledger is not None else None
        if not p.body and p.due is None:
            if entry is not None and entry.state == "pending" and not dry_run and self.ledger is not None:
                self.ledger.done(entry.identity, p.data_version)  # a write whose answer was lost
            return self._result(p, Status.UNCHANGED)
        if entry is not None and entry.state == "done":
            return self._result(p, Status.SUPERSEDED,
                                f"applied by an earlier run ({entry.updated}) and changed in 1C since: "
                                "not applied again")
        return None

    def apply(self, p: Plan, *, attempts: int = 4) -> UpdateResult:
        """Write one plan; never raises for what 1C answers.

        A failure without 1C's own refusal (a dropped connection, a 503 past the transport's
        retries) is followed by reading the event again: when the change holds, it landed; when
        the event is still at the version read, the write is sent again; otherwise somebody else
        changed it — a conflict.
        """
        identity = p.target.change.identity(p.ref)
        if self.ledger is not None:
            self.ledger.intend(identity, p.ref, p.data_version, line=p.target.line)
        if not p.body:  # family C: only a planned interaction's due date, in the register
            return self._done(p, identity, None)
        last: OnecError | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(2.0, 0.05 * 2 ** attempt))
                state, row = self._now(p)
                if state == "holds":
                    return self._done(p, identity, row)
                if state == "moved":
                    return self._conflict(p, identity, last)
                if state == "unknown":
                    continue
            try:
                version = p.data_version
                if p.unpost_first:  # marking a posted event: unposted first, as 1C's form does
                    version = self._unposted(p)
                written = self.client.patch(self.event_set, p.ref, p.body, data_version=version)
            except ConflictError as exc:
                last = exc
                continue  # ours that landed unseen, or somebody's: the next look tells
            except ODataError as exc:
                if exc.code is not None and not isinstance(exc, ServerUnavailable):
                    return self._failure(p, identity, exc)  # 1C's own refusal: asking again changes nothing
                last = exc
            except OnecError as exc:
                last = exc
            else:
                return self._done(p, identity, written)
        state, row = self._now(p)
        if state == "holds":
            return self._done(p, identity, row)
        if state == "moved" or isinstance(last, ConflictError):
            return self._conflict(p, identity, last)
        assert last is not None
        return self._failure(p, identity, last)

    def _done(self, p: Plan, identity: str, written: Mapping[str, Any] | None) -> UpdateResult:
        if p.due is not None and self.register is not None:
            try:  # read first, then written: safe to repeat after a lost answer
                self.register.ensure_due(self.event_set, p.ref, p.due)
            except OnecError as exc:
                what = "changed, but its" if p.body else "its"
                failed = self._failure(p, identity, exc)
                failed.message = f"{what} due date could not be written to {self.register.set_name}: {exc.message}"
                return failed
        result = self._result(p, Status.CHANGED)
        if p.repost:
            try:
                self.client.post_document(self.event_set, p.ref)
            except BusinessError as exc:
                result.status = Status.POST_FAILED
                result.message = f"changed, but 1C refused to re-post it: {exc.message}"
                result.exc = exc
            except OnecError as exc:
                result.status = Status.POST_FAILED
                result.message = f"changed, but re-posting failed: {exc.message}"
                result.exc = exc
        if self.ledger is not None:
            self.ledger.done(identity, str((written or {}).get("DataVersion") or ""))
        return result

    def _now(self, p: Plan) -> tuple[str, dict[str, Any] | None]:
        """How the event stands: the change ``holds``, it is ``as read`` (send again), it ``moved``
        (somebody changed it), or ``unknown`` (it could not be read)."""
        try:
            row = self.reread(p.ref)
        except OnecError:
            return "unknown", None
        if row is None:
            return "moved", None
        try:
            again = self.plan(p.target, row, self._resolved)
        except _Refused:
            return "moved", row
        if not again.body and again.due is None:
            return "holds", row
        if row.get("DataVersion") == p.data_version:
            return "as read", row
        if p.unpost_first and not row.get("Posted"):
            return "as read", row  # our unposting landed, the mark did not
        return "moved", row

    def _conflict(self, p: Plan, identity: str, exc: OnecError | None) -> UpdateResult:
        if self.ledger is not None:
            self.ledger.failed(identity, "conflict")
        result = self._result(p, Status.CONFLICT, "changed in 1C after it was read; 1C's values are kept "
                                                   "(run again to change it as it is now)")
        result.exc = exc
        return result

    def _unposted(self, p: Plan) -> str | None:
        """Unpost the event when it is still as it was read; its new ``DataVersion``."""
        now = self.client.get(self.event_set, p.ref, select=("Ref_Key", "DataVersion", "Posted"))
        current = now.get("DataVersion")
        if not now.get("Posted"):  # unposted already: by our earlier attempt whose mark did not land
            return str(current) if current is not None else None
        if current != p.data_version:
            raise ConflictError(f"{self.event_set}({p.ref}) was changed in 1C after it was read", status=412)
        self.client.unpost_document(self.event_set, p.ref)
        after = self.client.get(self.event_set, p.ref, select=("Ref_Key", "DataVersion")).get("DataVersion")
        return str(after) if after is not None else None

    def _failure(self, p: Plan, identity: str, exc: OnecError) -> UpdateResult:
        if self.ledger is not None:
            self.ledger.failed(identity, exc.message)
        result = self._result(p, Status.FAILED, exc.message)
        result.exc = exc
        return result

    # -- results --------------------------------------------------------------------------------------
    def _result(self, p: Plan, status: Status, message: str = "") -> UpdateResult:
        return UpdateResult(p.target.line, p.target.address, status, ref=p.ref, number=p.number,
                            diffs=list(p.diffs), message=message)

    def _failed(self, t: Target, errors: list[RowError], ref: str | None) -> UpdateResult:
        return UpdateResult(t.line, t.address, Status.FAILED, ref=ref, message="; ".join(map(str, errors)),
                            error=errors[0].field if errors else None)


class _Refused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.rstrip() == new.rstrip()
    return bool(old == new)


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) == 19 and value[10:11] == "T":
        if value == EMPTY_DATE:
            return ""
        d = _date(value)
        return d.strftime("%d.%m.%Y %H:%M") if d else value
    return "" if value is None else str(value).rstrip()


def _date(value: Any) -> datetime | None:
    """A date as 1C sent it; ``None`` for the empty date, or for anything that is not one."""
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None



def _set_of(type_name: Any) -> str | None:
    return set_of_type(type_name) if isinstance(type_name, str) else None


def _folded(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").split())


def _number(row: Mapping[str, Any]) -> str | None:
    value = row.get("Number")
    return str(value).strip() if value else None


def _yes(flag: bool) -> str:
    return "да" if flag else "нет"


def _way(incoming: bool) -> str:
    return "входящий" if incoming else "исходящий"

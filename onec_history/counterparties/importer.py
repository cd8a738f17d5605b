"""Importing counterparties: match each row to ``Catalog_Контрагенты``, then create or update it.

>>> job = CounterpartyImport(history, match="inn-kpp", group="Покупатели")   # doctest: +SKIP
>>> plan = job.plan(*read_records("clients.csv"))                             # doctest: +SKIP
>>> for result in job.apply(plan): print(result.line, result.status)          # doctest: +SKIP

``plan`` reads what it needs from 1C (the matched counterparties with their ``DataVersion``, the
folders, the managers) and checks every row; ``dry_run(plan)`` shows it; ``apply(plan)`` writes
exactly the plan: creations through the exactly-once ledger of ``events import``, updates as a
PATCH of the changed fields only, refused when 1C's ``DataVersion`` moved since the plan read it.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from .. import query as q
from ..create.spec import ref_key_for
from ..errors import (
    ConflictError,
    KeyExistsError,
    ODataError,
    OnecError,
    ResponseError,
    ServerUnavailable,
    TransportError,
    ValidationError,
)
from ..history import History
from ..local.inputs import InputRow
from ..local.ledger import Ledger, default_ledger_path
from ..local.lock import rows_lock
from ..models import is_guid
from ..profiles import AttrKind
from .legal_forms import LEGAL, PARTNER_FIELDS, PARTNER_KINDS, PERSON
from .lookup import FolderTree, Lookup, parse_match
from .plan import Action, Change, FolderPlan, ImportPlan, RowPlan, normalise, same_value
from .rows import CpSchema, FieldSpec, ParsedRow

__all__ = ["OK_STATUSES", "CounterpartyImport", "Outcome", "RowResult", "outcome_of"]

log = logging.getLogger("onec_history.counterparties")

# Failures after which nobody knows whether 1C applied a create: looked up, then sent again.
_UNKNOWN = (TransportError, ServerUnavailable, ResponseError)

OK_STATUSES = frozenset({"created", "already_present", "updated", "unchanged", "marked", "folder_created",
                         "would_create", "would_update", "would_mark", "would_create_folder"})


@dataclass
class RowResult:
    """What happened to one row (or one folder, or one counterparty absent from the file)."""

    line: int | None
    status: str  # created already_present updated unchanged marked conflict failed would_* folder_created
    ref: str | None = None
    name: str | None = None
    key: str | None = None
    changes: list[Change] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "status": self.status, "ref": self.ref, "name": self.name, "key": self.key,
                "changes": [c.as_dict() for c in self.changes], "message": self.message}


class Outcome(Enum):
    """What an import came to (the command maps it to its exit code)."""

    OK = "ok"  # every row succeeded
    PARTIAL = "partial"  # some rows failed, or --mark-missing was not planned
    NONE_SUCCEEDED = "none_succeeded"  # no row succeeded
    CONFLICT = "conflict"  # a counterparty changed in 1C since the plan read it


def outcome_of(results: list[RowResult], *, blocked: bool = False) -> Outcome:
    """A conflict first, then how many rows failed; ``blocked``: the marks of a full import were withheld."""
    if any(r.status == "conflict" for r in results):
        return Outcome.CONFLICT
    failed = [r for r in results if not r.ok]
    if failed:
        return Outcome.PARTIAL if len(failed) < len(results) else Outcome.NONE_SUCCEEDED
    return Outcome.PARTIAL if blocked else Outcome.OK


class CounterpartyImport:
    """One import of a counterparty file into one base."""

    def __init__(self, history: History, *, match: str = "inn-kpp", group: str | None = None,
                 create_folders: bool = False, mark_missing: bool = False, inn_checksum: bool = True,
                 ledger: Ledger | None = None, source: str | None = None, max_attempts: int = 6,
                 backoff: float = 0.25, max_backoff: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep, lock_dir: Path | None = None) -> None:
        """``max_attempts`` bounds how often one create is tried when 1C's answer is lost or busy
        (each retry after looking up whether the last attempt was applied)."""
        self.history = history
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.lock_dir = lock_dir
        self.client = history.client
        self.profile = history.profile
        self.entity_set = self.profile.counterparty_set
        self.es = self.profile.counterparty_es()
        self.schema = CpSchema(self.profile, self.es, inn_checksum=inn_checksum)
        self.match_text = match
        self.group = group
        self.create_folders = create_folders
        self.mark_missing = mark_missing
        self.ledger = ledger
        self.source = source
        self._match_props: tuple[str, ...] = ()

    # -- planning ---------------------------------------------------------------------------------
    def plan(self, header: list[str], records: Iterable[InputRow]) -> ImportPlan:
        """Read what is needed from 1C and decide every row; nothing is written."""
        start = self.client.transport.stats.requests
        columns = self.schema.header_map(header)
        match = parse_match(self.match_text, self.schema, columns)
        self._match_props = match.props
        rows = [ParsedRow(r.line, {}, errors=[r.error]) if r.error else self.schema.parse(r.line, r.values, columns)
                for r in records]
        lookup = Lookup(self.client, self.profile, self.schema, match, columns)
        keys = lookup.keys(rows)
        lookup.load(keys.values(), full=self.mark_missing)
        self._resolve_managers(rows)
        plan = ImportPlan(self.entity_set)
        folders = lookup.folder_tree(needed=self._needs_folders(rows) or bool(self.mark_missing and self.group))
        ledger_refs = self._ledger_matches(lookup, rows, keys)
        matched: set[str] = set()
        for row in rows:
            plan.rows.append(self._plan_row(row, keys.get(row.line), lookup, folders, plan, matched, ledger_refs))
        if self.mark_missing:
            self._plan_missing(plan, lookup, folders, matched)
        plan.requests = self.client.transport.stats.requests - start
        return plan

    def _needs_folders(self, rows: list[ParsedRow]) -> bool:
        return bool(self.group) or any("group" in r.values for r in rows)

    def _resolve_managers(self, rows: list[ParsedRow]) -> None:
        """Manager names → references, one lookup per distinct name."""
        spec = self.schema.by_logical.get("manager")
        if spec is None:
            return
        values = {v for r in rows if (v := r.values.get("manager")) is not None}
        found = self.history.base.users.resolve(v for v in values if not is_guid(v))
        for row in rows:
            value = row.values.get("manager")
            if value is None:
                continue
            if is_guid(value):
                row.values["manager"] = str(uuid.UUID(value))
            elif (hit := found.get(value.strip())) is not None and hit.ref is not None:
                row.values["manager"] = hit.ref
            else:
                row.errors.append(f"manager: {hit.error if hit else 'no name given'}")

    def _ledger_matches(self, lookup: Lookup, rows: list[ParsedRow],
                        keys: dict[int, tuple[str, ...]]) -> dict[int, dict[str, Any]]:
        """Rows the file matches to nothing, but which an earlier run already created (its key was edited)."""
        if self.ledger is None:
            return {}
        wanted: dict[int, str] = {}
        for row in rows:
            key = keys.get(row.line)
            if row.ok and key is not None and not lookup.candidates(key):
                wanted[row.line] = self._identity(row, key)
        entries = self.ledger.get_many(wanted.values())
        refs = {line: e.created_ref for line, ident in wanted.items()
                if (e := entries.get(ident)) is not None and e.state == "done" and e.created_ref}
        found = lookup.by_refs([r for r in refs.values() if r])
        return {line: found[ref] for line, ref in refs.items() if ref in found}

    def _identity(self, row: ParsedRow, key: tuple[str, ...]) -> str:
        ext = row.values.get("external_id")
        return f"counterparty:ext:{ext}" if ext else f"counterparty:{self.match_text}:{'|'.join(key)}"

    def _plan_row(self, row: ParsedRow, key: tuple[str, ...] | None, lookup: Lookup, folders: FolderTree,
                  plan: ImportPlan, matched: set[str], ledger_refs: dict[int, dict[str, Any]]) -> RowPlan:
        if not row.ok or key is None:
            return RowPlan(row.line, Action.FAILED, message="; ".join(row.errors) or "no match key")
        key_text = lookup.key_text(key)
        try:
            existing = ledger_refs.get(row.line) or lookup.one(key)
        except ValidationError as exc:
            return RowPlan(row.line, Action.FAILED, key=key_text, message=exc.message)
        if existing is not None:
            ref = str(existing["Ref_Key"])
            if ref in matched:
                return RowPlan(row.line, Action.FAILED, key=key_text, ref=ref,
                               message="an earlier row of the file matched the same counterparty")
            matched.add(ref)
            return self._plan_update(row, key_text, existing)
        return self._plan_create(row, key, key_text, folders, plan)

    def _desired(self, row: ParsedRow) -> list[tuple[FieldSpec, Any]]:
        out = []
        for name, value in row.values.items():
            spec = self.schema.by_logical.get(name) or self.schema.resolve(name)
            if spec is not None and spec.prop is not None:
                out.append((spec, value))
        return out

    def _plan_update(self, row: ParsedRow, key_text: str, existing: dict[str, Any]) -> RowPlan:
        ref = str(existing["Ref_Key"])
        name = str(existing.get(self.schema.name_prop) or "").strip() or None
        changes = [Change(spec.name, spec.prop or "", _display(spec, existing.get(spec.prop or "")), value,
                          spec.target_set)
                   for spec, value in self._desired(row)
                   if not same_value(spec.edm_type, existing.get(spec.prop or ""), value)]
        if not changes:
            return RowPlan(row.line, Action.UNCHANGED, key=key_text, ref=ref, name=name,
                           data_version=existing.get("DataVersion"))
        body = {c.prop: c.new for c in changes}
        try:
            body = self.client.validate(self.entity_set, body)
        except ValidationError as exc:
            return RowPlan(row.line, Action.FAILED, key=key_text, ref=ref, name=name, message=exc.message)
        return RowPlan(row.line, Action.UPDATE, key=key_text, ref=ref, name=name, changes=changes, body=body,
                       data_version=existing.get("DataVersion"))

    def _plan_create(self, row: ParsedRow, key: tuple[str, ...], key_text: str, folders: FolderTree,
                     plan: ImportPlan) -> RowPlan:
        desired = self._desired(row)
        name = row.values.get("name")
        if not name:
            return RowPlan(row.line, Action.FAILED, key=key_text,
                           message="no counterparty matches and the row has no name to create one with")
        legal = self.schema.by_logical.get("legal_form")
        inn = row.values.get("inn")
        if legal is not None and "legal_form" not in row.values and isinstance(inn, str):
            desired.append((legal, self.schema.legal_form("legal" if len(inn) == 10 else "person")))
        identity = self._identity(row, key)
        ref = str(ref_key_for(identity))
        body: dict[str, Any] = {spec.prop: value for spec, value in desired if spec.prop}
        if "IsFolder" in self.es.properties:
            body["IsFolder"] = False
        if self.ledger is None or self.ledger.honours_keys() is not False:
            body["Ref_Key"] = ref
        path = row.values.get("group") or self.group
        folder_label: str | None = None
        if path:
            try:
                parent = folders.resolve(str(path), create=self.create_folders, plan=plan)
            except ValidationError as exc:
                return RowPlan(row.line, Action.FAILED, key=key_text, name=name, message=exc.message)
            body["Parent_Key"] = parent
            folder_label = str(path)
        try:
            body = self.client.validate(self.entity_set, body)
        except ValidationError as exc:
            return RowPlan(row.line, Action.FAILED, key=key_text, name=name, message=exc.message)
        changes = [Change(spec.name, spec.prop or "", None, value, spec.target_set) for spec, value in desired]
        return RowPlan(row.line, Action.CREATE, key=key_text, identity=identity, ref=ref, name=name,
                       changes=changes, body=body, folder=folder_label)

    def _plan_missing(self, plan: ImportPlan, lookup: Lookup, folders: FolderTree, matched: set[str]) -> None:
        failed = plan.failed
        if failed:
            plan.missing_blocked = (f"{len(failed)} row(s) of the file failed; marking the counterparties absent "
                                    "from it would also mark theirs. Fix the rows and run again.")
            return
        scope = folders.subtree(self.group) if self.group else None
        for row in lookup.all_items():
            ref = str(row["Ref_Key"])
            if ref in matched or row.get("DeletionMark") or row.get("Predefined"):
                continue
            if scope is not None and str(row.get("Parent_Key")) not in scope:
                continue
            plan.missing.append(RowPlan(None, Action.MARK, ref=ref,
                                        name=str(row.get(self.schema.name_prop) or "").strip() or None,
                                        data_version=row.get("DataVersion"), body={"DeletionMark": True}))

    # -- showing and applying ---------------------------------------------------------------------
    def dry_run(self, plan: ImportPlan) -> Iterator[RowResult]:
        """The plan as results: ``would_create`` / ``would_update`` / ``would_mark``; nothing is sent."""
        for f in plan.folders:
            yield RowResult(None, "would_create_folder", ref=f.ref, name=f.label)
        for row in [*plan.rows, *plan.missing]:
            status = {Action.CREATE: "would_create", Action.UPDATE: "would_update",
                      Action.MARK: "would_mark"}.get(row.action, row.action.value)
            yield _result(row, status)

    def apply(self, plan: ImportPlan, *, fail_fast: bool = False) -> Iterator[RowResult]:
        """Write the plan. With ``fail_fast``, a bad row stops the run before anything is sent."""
        if fail_fast and plan.failed:
            yield _result(plan.failed[0], "failed")
            return
        creates = [r for r in plan.rows if r.action is Action.CREATE]
        with ExitStack() as held:
            if self.ledger is not None:
                held.enter_context(self.ledger.exclusive())
                if creates:
                    held.enter_context(rows_lock(self.ledger.base, self.ledger.url,
                                                 (r.identity or "" for r in creates),
                                                 self.lock_dir or default_ledger_path().parent / "locks"))
            # Planned before the lock: another run may have created some of them since.
            meanwhile = self._created_meanwhile(creates)
            broken: dict[str, str] = {}  # planned folder ref → why it does not exist
            remap: dict[str, str] = {}  # planned folder ref → the ref 1C gave (a base ignoring our keys)
            for f in plan.folders:
                result = self._create_folder(f, broken, remap)
                yield result
                if fail_fast and not result.ok:
                    return
            for row in [*plan.rows, *plan.missing]:
                there = meanwhile.get(id(row))
                result = (self._apply_row(row, broken, remap) if there is None else
                          _result(row, "already_present", "created by another run after this one was planned"))
                if there is not None:
                    result.ref = there
                yield result
                if fail_fast and not result.ok:
                    return

    def _created_meanwhile(self, creates: list[RowPlan]) -> dict[int, str]:
        """id(row) → the counterparty 1C now has with a planned create's match key (one bulk read)."""
        props = [p for p in self._match_props if p in self.es.properties
                 and self.es.properties[p].edm_type == "Edm.String"]
        if not creates or not props:
            return {}
        first = props[0]
        values = sorted({str(v) for r in creates if (v := r.body.get(first)) not in (None, "")})
        index: dict[tuple[str, ...], list[str]] = {}
        for page in self.client.iter_by(self.entity_set, first, values, select=("Ref_Key", "IsFolder", *props)
                                        if "IsFolder" in self.es.properties else ("Ref_Key", *props)):
            for row in page:
                if not row.get("IsFolder"):
                    key = tuple(str(row.get(p) or "").strip() for p in props)
                    index.setdefault(key, []).append(str(row["Ref_Key"]))
        out: dict[int, str] = {}
        for r in creates:
            found = index.get(tuple(str(r.body.get(p) or "").strip() for p in props), [])
            if len(found) == 1:
                out[id(r)] = found[0]
        return out

    def _create_folder(self, f: FolderPlan, broken: dict[str, str], remap: dict[str, str]) -> RowResult:
        if f.parent in broken:
            broken[f.ref] = broken[f.parent]
            return RowResult(None, "failed", ref=f.ref, name=f.label, message=broken[f.ref])
        body: dict[str, Any] = {self.schema.name_prop: f.name, "IsFolder": True}
        if f.parent:
            body["Parent_Key"] = remap.get(f.parent, f.parent)
        if self.ledger is None or self.ledger.honours_keys() is not False:
            body["Ref_Key"] = f.ref
        status, ref, message = self._create_once(f"counterparty-folder:{f.label.casefold()}", f.ref, body, None)
        if status == "failed":
            broken[f.ref] = f"the folder {f.label} could not be created: {message}"
        elif ref != f.ref:
            remap[f.ref] = ref
        return RowResult(None, "folder_created" if status == "created" else status, ref=ref, name=f.label,
                         message=message)

    def _apply_row(self, row: RowPlan, broken: dict[str, str], remap: dict[str, str]) -> RowResult:
        if row.action in (Action.FAILED, Action.UNCHANGED):
            return _result(row, row.action.value)
        if row.action is Action.CREATE:
            parent = row.body.get("Parent_Key")
            if parent in broken:
                return _result(row, "failed", broken[str(parent)])
            body = {**row.body, "Parent_Key": remap[parent]} if parent in remap else row.body
            if self.profile.documents:  # family C: the partner first — interactions are tied to it
                partner, problem = self._partner_for(row, body)
                if problem:
                    return _result(row, "failed", problem)
                if partner:
                    body = {**body, self._partner_prop or "": partner}
            status, ref, message = self._create_once(row.identity or "", row.ref or "", body, row.line)
            result = _result(row, status, message)
            result.ref = ref
            return result
        assert row.ref is not None
        try:
            self.client.patch(self.entity_set, row.ref, row.body, data_version=row.data_version)
        except ConflictError as exc:
            return _result(row, "conflict", f"{exc.message}; not overwritten — re-run the import to apply "
                                            "the file on top of the new version")
        except OnecError as exc:
            return _result(row, "failed", exc.explain())
        return _result(row, "updated" if row.action is Action.UPDATE else "marked")

    @property
    def _partner_prop(self) -> str | None:
        a = self.profile.counterparty_attr("partner")
        return a.prop if a is not None and a.kind is AttrKind.REF else None

    def _partner_for(self, row: RowPlan, body: dict[str, Any]) -> tuple[str | None, str | None]:
        """Family C: the partner of a new counterparty — the one the file names (its ``partner``
        column), else a new partner of the same name, created once: its key follows from the
        counterparty's, so a re-run finds it instead of making a second one."""
        prop, partners = self._partner_prop, self.profile.partner_set
        if prop is None or not partners or partners not in self.client.metadata():
            return None, None
        if body.get(prop):
            return str(body[prop]), None
        es = self.client.entity_set(partners)
        legal = self.schema.by_logical.get("legal_form")
        person = legal is not None and bool(legal.prop) and body.get(legal.prop or "") == self.schema.legal_form(PERSON)
        wanted = {PARTNER_FIELDS["name"]: body.get("Description") or row.name,
                  PARTNER_FIELDS["full_name"]: body.get(self._full_name_prop() or "") or row.name,
                  PARTNER_FIELDS["client"]: True,
                  PARTNER_FIELDS["kind"]: PARTNER_KINDS[PERSON if person else LEGAL]}
        partner_body = {k: v for k, v in wanted.items() if k in es.properties and v not in (None, "")}
        key = str(ref_key_for(f"{row.identity}:partner"))
        if self.ledger is None or self.ledger.honours_keys() is not False:
            partner_body["Ref_Key"] = key
        else:  # a base that ignores our keys: a partner of exactly this name made by an earlier run
            found = list(self.client.iterate(partners, q.Query(
                filter=q.eq("Description", str(partner_body.get("Description") or "")), select=("Ref_Key",), top=2)))
            if len(found) == 1:
                return str(found[0]["Ref_Key"]), None
        try:
            created = self.client.create(partners, self.client.validate(partners, partner_body))
        except KeyExistsError:
            return key, None
        except OnecError as exc:
            return None, f"the counterparty's partner could not be created: {exc.explain()}"
        return str(created.get("Ref_Key") or key), None

    def _full_name_prop(self) -> str | None:
        a = self.profile.counterparty_attr("full_name")
        return a.prop if a is not None else None

    def _create_once(self, identity: str, ref: str, body: dict[str, Any], line: int | None) -> tuple[str, str, str]:
        """POST ``body`` at most once for ``identity`` → (status, the 1C reference, message).

        As for events: a lost answer, a dropped connection or a busy 1C (503) is followed by a
        look-up, and the create is sent again only when 1C does not have it; the status says who
        created the object — this run, or an earlier one.
        """
        ledger = self.ledger
        if ledger is not None:
            entry = ledger.get(identity)
            if entry is not None and entry.state in ("pending", "done"):
                try:
                    there = self._there(entry.created_ref or entry.ref_key or ref, body)
                except OnecError as exc:
                    return "failed", ref, (f"{exc.explain()} An earlier run's outcome is unknown and could "
                                           "not be looked up; nothing was sent. Run again.")
                if there is not None:
                    ledger.done(identity, there, "present", ref_key=ref)
                    return "already_present", there, "created by an earlier run"
            ledger.intend(identity, ref, content=None, source=self.source, line=line, marker=False)
        keyed = "Ref_Key" in body
        sent = False
        check = False
        last: OnecError | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                self.sleep(random.uniform(0.5, 1.0) * min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            if check:
                try:
                    there = self._there(ref if keyed else None, body)
                except OnecError as exc:  # cannot look: ask again later, never send blind
                    last = exc
                    continue
                if there is not None:
                    if ledger is not None:
                        ledger.done(identity, there, "created", ref_key=ref)
                    return "created", there, f"confirmed by looking it up after: {last.message if last else ''}"
            earlier, sent = sent, True
            try:
                created = self.client.create(self.entity_set, body)
            except KeyExistsError:
                if ledger is not None:
                    ledger.done(identity, ref, "created" if earlier else "present", ref_key=ref)
                if earlier:  # our own earlier attempt of this run was applied after all
                    return "created", ref, "confirmed by its key after a lost answer"
                return "already_present", ref, "an object with this key exists (created by an earlier run)"
            except _UNKNOWN as exc:
                last, check = exc, True
                if ledger is not None:
                    ledger.note(identity, f"outcome unknown: {exc.message}")
                log.info("line %s: %s; will look it up before sending again", line, exc.message)
                continue
            except ODataError as exc:
                if exc.code is None:  # a proxy answered, not 1C: whether 1C got it is unknown
                    last, check = exc, True
                    continue
                if ledger is not None:
                    ledger.failed(identity, exc.message)
                return "failed", ref, exc.explain()
            actual = str(created.get("Ref_Key") or ref)
            if ledger is not None:
                if keyed:
                    ledger.set_honours_keys(actual == ref)
                ledger.done(identity, actual, "created", ref_key=ref)
            return "created", actual, ""
        why = last.explain() if last is not None else "no answer"
        if sent:
            return "failed", ref, (f"{why} No definite answer after {self.max_attempts} attempts; the outcome "
                                   "is unknown and a re-run resolves it without duplicates.")
        return "failed", ref, f"{why} Nothing was sent: 1C could not be asked whether it has the object. Run again."

    def _there(self, ref: str | None, body: dict[str, Any]) -> str | None:
        """The reference of the object ``body`` created, if 1C has it: by its key, else by the match
        key's values (a base that ignores client keys; the plan found no counterparty with them, so
        one there now is this import's)."""
        if ref:
            row = self.client.find(self.entity_set, ref, select=("Ref_Key",))
            if row is not None:
                return str(row["Ref_Key"])
        folder = bool(body.get("IsFolder"))
        props = (self.schema.name_prop, "Parent_Key") if folder else self._match_props
        terms: list[q.Filter | None] = []
        for p in props:
            value, prop = body.get(p), self.es.properties.get(p)
            if value in (None, "") or prop is None:
                continue
            if prop.edm_type == "Edm.Guid":
                terms.append(q.eq(p, uuid.UUID(str(value))))
            elif prop.edm_type == "Edm.String":
                terms.append(q.eq(p, value))
        if not terms:
            return None
        if "IsFolder" in body:
            terms.append(q.eq("IsFolder", folder))
        rows = list(self.client.iterate(self.entity_set, q.Query(filter=q.and_(*terms), select=("Ref_Key",))))
        return str(rows[0]["Ref_Key"]) if len(rows) == 1 else None


def _result(row: RowPlan, status: str, message: str | None = None) -> RowResult:
    return RowResult(row.line, status, ref=row.ref, name=row.name, key=row.key, changes=list(row.changes),
                     message=row.message if message is None else message)


def _display(spec: FieldSpec, value: Any) -> Any:
    """1C's value as the diff shows it: padding stripped, empty references and dates as None."""
    return normalise(spec.edm_type, value)


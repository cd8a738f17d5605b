"""Reading chain nodes: what to select per document set, rows → :class:`Node`, batched fetches.

Every read of a document selects the same small column list (system fields, counterparty,
amount, currency, the event's subject/kind/state, and the document's own header link columns),
so a document read once — by a reverse query or by key — never needs a second request to learn
its parents. Keys are fetched in ``Ref_Key eq … or …`` groups that respect the URL budget.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import family_c
from .. import query as q
from ..client import Client
from ..errors import BadQueryError, NotPublishedError, UnsupportedError
from ..events.shape import EventShape
from ..metadata import EntitySet, SetKind
from ..models import is_guid, parse_datetime, parse_ref, set_of_type, strip
from ..names import NameResolver
from ..profiles import Attr, AttrKind, Family, Profile, resolve_attr
from .links import Link, LinkKind, LinkTable
from .model import DocKey, Node

__all__ = ["NodeReader", "SetShape", "link_value", "run_parallel"]

log = logging.getLogger("onec_history.chains")

T = TypeVar("T")

# --------------------------------------------------------------------------- family data
# What 1C's form shows besides the system fields, by attribute name in both families' documents
# (configurations.md): the counterparty the document is made out to, its sum and currency.
_COUNTERPARTY = "Контрагент"
_AMOUNT = "СуммаДокумента"
_CURRENCY = "ВалютаДокумента"
# ------------------------------------------------------------------------- end family data

_SYSTEM = ("Ref_Key", "Number", "Date", "Posted", "DeletionMark")


def run_parallel(tasks: Sequence[Callable[[], T]], jobs: int) -> list[T]:
    """Run independent requests with at most ``jobs`` in flight; results in task order."""
    if jobs <= 1 or len(tasks) <= 1:
        return [t() for t in tasks]
    with ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="onec-chain") as pool:
        return list(pool.map(lambda t: t(), tasks))


def link_value(link: Link, row: Mapping[str, Any]) -> DocKey | None:
    """The document a link column of ``row`` points at, or None when it is empty or not a document."""
    if link.kind is LinkKind.COMPOSITE:
        target = set_of_type(row.get(link.type_prop or ""))
        ref = parse_ref(row.get(link.value_prop))
        if target is None or ref is None or not target.startswith("Document_"):
            return None
        return DocKey(target, ref)
    ref = parse_ref(row.get(link.value_prop))
    if ref is None or not link.targets:
        return None
    return DocKey(link.targets[0], ref)


@dataclass(frozen=True)
class SetShape:
    """The columns read for documents of one set, and how to turn them into a :class:`Node`."""

    entity_set: str
    select: tuple[str, ...]
    header_links: tuple[Link, ...]
    counterparty: Attr | None
    participants: tuple[str, Attr, str] | None  # (section, column, counterparty set): УНФ events
    amount: str | None
    currency: Attr | None
    title: Attr | None
    kind: str | None
    state: Attr | None
    postable: bool = True
    start: str | None = None
    kind_codes: Mapping[str, str] = field(default_factory=dict)  # 1C's value → logical kind
    event: EventShape | None = None  # family C: kind and state follow from the document type
    bridge: str | None = None  # family C: the deal's property (Сделка_Key)
    catalog: bool = False  # a catalog item in a chain (family C's deal): Code and Description

    def node(self, row: Mapping[str, Any]) -> Node:
        key = DocKey(self.entity_set, str(row["Ref_Key"]))
        node = Node(
            key=key,
            number=strip(row.get("Code" if self.catalog else "Number")) or None,
            date=parse_datetime(row.get(family_c.DEAL_START if self.catalog else "Date")),
            start=parse_datetime(row.get(self.start)) if self.start else None,
            posted=row.get("Posted") if self.postable else None,
            deleted=bool(row.get("DeletionMark")),
        )
        if self.catalog:
            node.title = strip(row.get("Description")) or None
        if self.bridge is not None:
            kind = row.get(f"{self.bridge}_Type")
            if kind is None or set_of_type(kind) == family_c.DEALS:
                node.bridge = parse_ref(row.get(self.bridge))
        if self.event is not None:
            kind = self.event.kind(row)[0]  # the document type is the kind: no second name for it
            node.kind_code = kind.value if kind is not None else None
            state = self.event.state(row)[0]
            node.state = family_c.STATE_WORDS.get(state.value) if state is not None else None
        cp_ref, cp_set = _ref_of(row, self.counterparty)
        if cp_ref is None and self.participants is not None:
            section, column, wanted = self.participants
            for prow in row.get(section) or ():
                cp_ref, cp_set = _ref_of(prow, column)
                if cp_ref is not None and cp_set == wanted:
                    break
            else:
                cp_ref, cp_set = None, None
        node.counterparty, node.counterparty_set = cp_ref, cp_set
        if self.amount is not None and isinstance(row.get(self.amount), int | float):
            node.amount = float(row[self.amount])
        node.currency = _ref_of(row, self.currency)[0]
        if self.title is not None:
            value = row.get(self.title.prop)
            if self.title.kind is not AttrKind.COMPOSITE or row.get(self.title.type_prop or "") == "Edm.String":
                node.title = strip(value) or None
        if self.kind is not None and self.event is None:
            node.kind = strip(row.get(self.kind)) or None
            if node.kind is not None:
                node.kind_code = self.kind_codes.get(node.kind, "other")
        if self.state is not None and self.event is None:
            node.state = _ref_of(row, self.state)[0] if self.state.kind is AttrKind.REF \
                else strip(row.get(self.state.prop)) or None
        for link in self.header_links:
            parent = link_value(link, row)
            if parent is not None:
                node.parents.append((link.name, parent))
        return node


def _ref_of(row: Mapping[str, Any], attr: Attr | None) -> tuple[str | None, str | None]:
    if attr is None:
        return None, None
    if attr.kind is AttrKind.COMPOSITE:
        target = set_of_type(row.get(attr.type_prop or ""))
        return (parse_ref(row.get(attr.prop)), target) if target else (None, None)
    if attr.kind is AttrKind.REF:
        ref = parse_ref(row.get(attr.prop))
        return (ref, attr.target_set) if ref else (None, None)
    return None, None


class NodeReader:
    """Reads documents of any linked set as :class:`Node` objects, in as few requests as it can."""

    def __init__(self, client: Client, links: LinkTable, profile: Profile | None = None, *,
                 jobs: int = 4) -> None:
        self.client = client
        self.links = links
        self.profile = profile
        self.jobs = jobs
        self._shapes: dict[str, SetShape] = {}
        self.warnings: list[str] = []

    # -- shapes ----------------------------------------------------------------------------------
    def shape(self, entity_set: str) -> SetShape:
        """Raises NotPublishedError for a set the base does not publish."""
        found = self._shapes.get(entity_set)
        if found is None:
            found = self._shapes[entity_set] = self._build_shape(self.client.entity_set(entity_set))
        return found

    def _build_shape(self, es: EntitySet) -> SetShape:
        if es.kind is SetKind.CATALOG:
            return self._catalog_shape(es)
        p = self.profile.view_of(es.name) if self.profile is not None else None
        is_event = p is not None
        if p is None:
            p = self.profile

        def attr(logical: str, name: str | None) -> Attr | None:
            return resolve_attr(es, logical, name) if name else None

        counterparty = attr("counterparty", p.event.get("counterparty") if is_event and p else _COUNTERPARTY)
        participants: tuple[str, Attr, str] | None = None
        if is_event and p is not None and p.participants_section and p.participant_column:
            ts = es.tabular_sections.get(p.participants_section)
            col = resolve_attr(ts, "participant", p.participant_column) if ts is not None else None
            if col is not None and counterparty is None:
                participants = (p.participants_section, col, p.counterparty_set)
        amount = _AMOUNT if _AMOUNT in es.properties else None
        currency = attr("currency", _CURRENCY)
        title = attr("subject", p.event.get("subject")) if is_event and p else None
        kind_attr = attr("kind", p.event.get("kind")) if is_event and p else None
        state = attr("state", p.event.get("state")) if is_event and p else None
        start = attr("start", p.event.get("start")) if is_event and p else None
        # УНФ's Событие cannot be posted (no Post action): its Posted is always false and means nothing.
        if self._actions_published():
            postable = "Post" in es.actions
        else:  # a base whose $metadata lists no actions: trust the profile for events, else assume yes
            postable = not (is_event and p is not None and not p.can_post_events)
        postable = postable and "Posted" in es.properties
        header = self.links.header_links(es.name)
        select: list[str] = [c for c in _SYSTEM if c in es.properties]
        event = EventShape(p) if is_event and p is not None and p.doc is not None else None
        bridge = None
        if p is not None and p.family is Family.C:
            deal = es.references.get(family_c.DEAL_ATTR)
            bridge = f"{family_c.DEAL_ATTR}_Key" if deal is not None and deal.target_set == family_c.DEALS else None
            topic = attr("topic", p.event.get("topic")) if is_event else None
            if bridge is None and topic is not None and topic.kind is AttrKind.COMPOSITE:
                bridge = topic.prop  # a customised base keeps the interaction's Предмет on the document
        for a in (counterparty, currency, title, kind_attr, state, start):
            if a is not None:
                select.extend(a.select)
        if bridge:
            select.append(bridge)
            if not bridge.endswith("_Key"):
                select.append(f"{bridge}_Type")
        if amount:
            select.append(amount)
        for link in header:
            select.extend(link.columns)
        if participants is not None:
            select.append(participants[0])
        return SetShape(
            entity_set=es.name,
            select=tuple(dict.fromkeys(select)),
            header_links=header,
            counterparty=counterparty if counterparty is not None and counterparty.kind is not AttrKind.PLAIN
            else None,
            participants=participants,
            amount=amount,
            currency=currency if currency is not None and currency.kind is AttrKind.REF else None,
            title=title,
            kind=kind_attr.prop if kind_attr is not None else None,
            state=state,
            postable=postable,
            start=start.prop if start is not None and start.kind is AttrKind.PLAIN else None,
            kind_codes={v: k.value for k, v in p.kinds.items()} if is_event and p else {},
            event=event,
            bridge=bridge,
        )

    def _catalog_shape(self, es: EntitySet) -> SetShape:
        """A catalog item a chain holds (family C's deal, the bridge between a client's
        interactions and its sales documents): its code, name and start."""
        select = [c for c in ("Ref_Key", "Code", "Description", "DeletionMark", family_c.DEAL_START)
                  if c in es.properties]
        return SetShape(entity_set=es.name, select=tuple(select), header_links=(), counterparty=None,
                        participants=None, amount=None, currency=None, title=None, kind=None, state=None,
                        postable=False, catalog=True)

    def _actions_published(self) -> bool:
        md = self.client.metadata()
        return any(md.get(s).actions for s in self.links.document_sets() if s in md)

    def resolve_names(self, nodes: Iterable[Node], names: NameResolver) -> None:
        """Counterparty, currency and (УНФ) state names for ``nodes``, a few requests per catalog."""
        nodes = list(nodes)
        state_set: str | None = None
        if self.profile is not None and self.profile.state_catalog:
            state_set = self.profile.state_catalog
        wanted: list[tuple[str | None, str | None]] = []
        for node in nodes:
            wanted.append((node.counterparty_set, node.counterparty))
            wanted.append((self._currency_set(node.key.entity_set), node.currency))
            if state_set and node.state and is_guid(node.state):
                wanted.append((state_set, node.state))
        names.prefetch(wanted)
        for node in nodes:
            node.counterparty_name = names.name(node.counterparty_set, node.counterparty)
            node.currency_name = names.name(self._currency_set(node.key.entity_set), node.currency)
            if state_set and node.state and is_guid(node.state):
                node.state = names.name(state_set, node.state) or node.state

    def _currency_set(self, entity_set: str) -> str | None:
        shape = self._shapes.get(entity_set)
        return shape.currency.target_set if shape is not None and shape.currency is not None else None

    # -- reading ---------------------------------------------------------------------------------
    def chunks(self, entity_set: str, terms: Sequence[q.Filter], select: Sequence[str]) -> int:
        """How many requests ``terms`` need with this ``$select`` (no I/O; Client.key_queries)."""
        return self.client.requests_for(entity_set, terms, q.Query(select=tuple(select)))

    def query_rows(self, entity_set: str, terms: Sequence[q.Filter],
                   select: Sequence[str]) -> list[Callable[[], list[dict[str, Any]]]]:
        """Tasks, one per or-group of ``terms`` that fits the URL budget, each returning the rows."""
        return [lambda query=query: list(self.client.iterate(entity_set, query))  # type: ignore[misc]
                for query in self.client.key_queries(entity_set, terms, q.Query(select=tuple(select)))]

    def fetch(self, keys: Iterable[DocKey]) -> dict[DocKey, Node]:
        """Nodes for ``keys``; unreadable ones come back with ``missing`` set, never raise."""
        by_set: dict[str, list[str]] = {}
        # in a stable order: the same requests from run to run (a set's order changes with the hash seed)
        for key in sorted(set(keys), key=lambda k: (k.entity_set, k.ref)):
            by_set.setdefault(key.entity_set, []).append(key.ref)
        out: dict[DocKey, Node] = {}
        tasks: list[Callable[[], list[dict[str, Any]]]] = []
        shapes: list[SetShape] = []
        for entity_set, refs in by_set.items():
            try:
                shape = self.shape(entity_set)
            except NotPublishedError:
                self.warn(f"{entity_set} is not published: {len(refs)} linked document(s) shown without details")
                out.update({DocKey(entity_set, r): Node(DocKey(entity_set, r), missing="not published")
                            for r in refs})
                continue
            terms = [q.eq("Ref_Key", uuid.UUID(r)) for r in sorted(set(refs))]
            for task in self.query_rows(entity_set, terms, shape.select):
                tasks.append(task)
                shapes.append(shape)
        for shape, rows in zip(shapes, run_parallel(tasks, self.jobs), strict=True):
            for row in rows:
                node = shape.node(row)
                out[node.key] = node
        for entity_set, refs in by_set.items():
            for r in refs:
                out.setdefault(DocKey(entity_set, r), Node(DocKey(entity_set, r), missing="not found"))
        return out

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            log.warning("%s", message)
            self.warnings.append(message)

    def safe(self, entity_set: str, task: Callable[[], list[dict[str, Any]]]) -> Callable[[], list[dict[str, Any]]]:
        """A task that turns 1C's refusal to read ``entity_set`` into a warning and no rows."""

        def run() -> list[dict[str, Any]]:
            try:
                return task()
            except (NotPublishedError, BadQueryError, UnsupportedError) as exc:
                self.warn(f"{entity_set}: {exc.message} — links through it are skipped")
                return []

        return run


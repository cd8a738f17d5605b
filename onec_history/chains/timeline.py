"""A client's history: its events and documents, with every chain they belong to, in time order.

The client's own documents are found per set in one paged query each (``Контрагент_Key eq …`` or
the event's composite/participants, as the profile says); the chains around them are completed
either by walking (level-batched reverse queries, cheap for a small client) or from the bulk
link graph of the period (one pass per set, cheap when the client has many documents).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import family_c
from .. import query as q
from ..errors import BadQueryError, BusinessError, NotPublishedError, UnsupportedError, check_period
from ..metadata import EntitySet
from ..profiles import Attr, AttrKind, Profile
from .deals import bridge_deals
from .graph import count_scan, scan_links
from .model import Chain, DocKey, Node
from .nodes import run_parallel
from .walk import DEFAULT_DEPTH, ChainWalker

__all__ = ["STRATEGIES", "Timeline", "build_timeline", "choose_strategy", "strategy_seconds"]

STRATEGIES = ("auto", "walk", "scan")
# auto: below this many estimated requests walking is always chosen (counting costs requests too).
_SMALL_WALK = 60
# Walking needs the first level's reverse queries, then parents and deeper levels: about this much more.
_WALK_FACTOR = 1.5
# What reading and linking one scanned row costs, server and client together, in seconds (the demo
# on 2 cores: 24k rows in 0.6 s; a real 1C server is no faster per row).
_ROW_SECONDS = 25e-6
# A request's time when none has been measured yet (a LAN 1C answers a small query in about this).
_DEFAULT_REQUEST_SECONDS = 0.03


@dataclass
class Timeline:
    """The client's documents (``own``) and everything linked to them, grouped into chains."""

    counterparty: str
    since: datetime | None
    until: datetime | None
    chain: Chain
    own: set[DocKey]
    strategy: str
    groups: list[list[DocKey]] = field(default_factory=list)
    outside: set[DocKey] = field(default_factory=set)  # members of a shown chain outside the period

    def group(self) -> None:
        """Connected documents form one group; groups in order of their first document."""
        adjacent: dict[DocKey, set[DocKey]] = {k: set() for k in self.chain.nodes}
        for p, c in self.chain.edges:
            adjacent.setdefault(p, set()).add(c)
            adjacent.setdefault(c, set()).add(p)
        seen: set[DocKey] = set()
        groups: list[list[DocKey]] = []
        for start in sorted(adjacent, key=self.chain.sort_key):
            if start in seen:
                continue
            members, stack = [], [start]
            seen.add(start)
            while stack:
                key = stack.pop()
                members.append(key)
                for other in adjacent[key]:
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
            groups.append(sorted(members, key=self.chain.sort_key))
        self.groups = sorted(groups, key=lambda g: self.chain.sort_key(g[0]))


def own_documents(walker: ChainWalker, profile: Profile, counterparty: str, *,
                  targets: Sequence[tuple[str, str]] | None = None, partner: str | None = None) -> dict[DocKey, Node]:
    """The client's events and the documents made out to it (all time), one paged query per set.

    ``targets`` are the (reference, catalog) pairs an event of the client names (family C: its
    partner and the partner's contact persons; by default the counterparty itself); ``partner``
    makes family C's sales documents of the partner the client's own (1C's «Документы по партнеру»).
    """
    reader = walker.reader
    md = walker.client.metadata()
    cp_set = profile.counterparty_set
    who = list(targets) if targets is not None else [(counterparty, cp_set)]
    views = [v for v in profile.views() if v.event_set in md]
    event_sets = {v.event_set for v in views}
    sets = [s for s in dict.fromkeys((*event_sets, *walker.links.document_sets())) if s in md]
    tasks: list[Callable[[], list[dict[str, Any]]]] = []
    shapes = []
    participant_rows: list[Callable[[], list[dict[str, Any]]]] = []
    participant_sets: list[str] = []
    for entity_set in sets:
        shape = reader.shape(entity_set)
        view = next((v for v in views if v.event_set == entity_set), None)
        if view is not None:
            own_terms = view.header_terms(who) if who else []
        else:
            own = _of_partner(md.get(entity_set), partner) if partner else None
            if own is None:
                own = _made_out_to(shape.counterparty, counterparty, cp_set)
            own_terms = [own] if own is not None else []
        if own_terms:  # several terms (a partner and its persons) go in as many requests as the URL budget needs
            tasks.append(reader.safe(entity_set, _any_reader(walker, entity_set, own_terms, shape.select)))
            shapes.append(shape)
        if view is not None and who and view.doc is not None and view.participants_section:
            # family C: the documents themselves by Section/any(…), one paged query whatever their number
            tasks.append(_any_participant_task(walker, view, who, shape.select))
            shapes.append(shape)
        elif view is not None and who:
            for task in _participant_tasks(walker, view, who):
                participant_rows.append(task)
                participant_sets.append(view.event_set)
    nodes: dict[DocKey, Node] = {}
    results = run_parallel([*tasks, *participant_rows], walker.jobs)
    for shape, rows in zip(shapes, results[: len(tasks)], strict=True):
        for row in rows:
            node = shape.node(row)
            nodes[node.key] = node
    extra = {DocKey(entity_set, str(r["Ref_Key"]))
             for entity_set, rows in zip(participant_sets, results[len(tasks):], strict=True) for r in rows}
    extra -= set(nodes)
    nodes.update(reader.fetch(extra))
    return nodes


def _reader(walker: ChainWalker, entity_set: str, query: q.Query) -> Callable[[], list[dict[str, Any]]]:
    return lambda: list(walker.client.iterate(entity_set, query))


def _any_reader(walker: ChainWalker, entity_set: str, terms: list[q.Filter],
                select: tuple[str, ...]) -> Callable[[], list[dict[str, Any]]]:
    return lambda: [r for page in walker.client.iter_any(entity_set, terms, q.Query(select=select)) for r in page]


def _made_out_to(cp: Attr | None, counterparty: str, cp_set: str) -> q.Filter | None:
    """A document's own counterparty attribute holds the client (a reference to another catalog
    cannot)."""
    if cp is None or not (cp.kind is AttrKind.COMPOSITE or cp.target_set in (None, cp_set)):
        return None
    return cp.points_to(counterparty, cp_set)


def _of_partner(es: EntitySet, partner: str) -> q.Filter | None:
    """Family C: a sales document of the partner (Партнер, or the offer's Клиент)."""
    for name in family_c.CLIENT_ATTRS:
        ref = es.references.get(name)
        if ref is not None and ref.target_set == family_c.PARTNERS:
            return q.eq(f"{name}_Key", uuid.UUID(partner))
    return None


def _participant_tasks(walker: ChainWalker, profile: Profile,
                       who: Sequence[tuple[str, str]]) -> list[Callable[[], list[dict[str, Any]]]]:
    """Events where the client is a row of the participants section (УНФ Участники, УТ СторонниеЛица)."""
    if profile.event_set not in walker.client.metadata():
        return []
    terms = profile.participants_terms(who)
    if not terms:
        return []
    ts_set = profile.participants_set()
    if ts_set is None:
        walker.reader.warn(f"{profile.event_set}_{profile.participants_section} is not published: events "
                           "where the client is only a participant are not shown")
        return []
    return [walker.reader.safe(ts_set, _any_reader(walker, ts_set, terms, ("Ref_Key", "LineNumber")))]


def _any_participant_task(walker: ChainWalker, view: Profile, who: Sequence[tuple[str, str]],
                          select: tuple[str, ...]) -> Callable[[], list[dict[str, Any]]]:
    """Documents whose participants name the client, asked of the document with a lambda; where
    the base refuses the lambda, the rows set and a fetch by key, as for families A and B."""
    section = view.participants_section or ""

    def run() -> list[dict[str, Any]]:
        if section not in view.event_es().tabular_sections:
            walker.reader.warn(f"{view.event_set} has no section {section} in this base's $metadata: its documents "
                               "where the client is a participant are not shown")
            return []
        terms = view.participant_any_terms(who)
        if not terms:
            return []
        try:
            return [r for page in walker.client.iter_any(view.event_set, terms, q.Query(select=select)) for r in page]
        except (BadQueryError, UnsupportedError, BusinessError):
            refs = {str(r["Ref_Key"]) for task in _participant_tasks(walker, view, who) for r in task()}
            shape = walker.reader.shape(view.event_set)
            terms = [q.eq("Ref_Key", uuid.UUID(r)) for r in sorted(refs)]
            return [r for task in walker.reader.query_rows(view.event_set, terms, shape.select) for r in task()]

    return walker.reader.safe(view.event_set, run)


def in_period(node: Node, since: datetime | None, until: datetime | None) -> bool:
    """Does the document fall in the period — by its start for an event, else by its date?"""
    when = node.when
    if when is None:
        return False
    return (since is None or when >= since) and (until is None or when <= until)


def build_timeline(walker: ChainWalker, profile: Profile, counterparty: str, *, since: datetime | None = None,
                   until: datetime | None = None, strategy: str = "auto", depth: int = DEFAULT_DEPTH,
                   targets: Sequence[tuple[str, str]] | None = None, partner: str | None = None,
                   deals: Sequence[str] = ()) -> Timeline:
    """The client's history: own documents, completed into chains by walking or by the bulk graph.

    The period rule: a chain is shown whole when one of its documents falls in the period (an
    event by its start, a document by its date); its other documents are listed in
    :attr:`Timeline.outside`. So the answer depends on the period only, never on the strategy —
    both complete the client's whole history and then pick its chains.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}")
    check_period(since, until)
    md = walker.client.metadata()
    if not any(v.event_set in md for v in profile.views()):
        raise NotPublishedError(profile.event_set)
    stats = walker.client.transport.stats
    requests0, seconds0 = stats.requests, stats.seconds
    own = own_documents(walker, profile, counterparty, targets=targets, partner=partner)
    seeds = [k for k, n in own.items() if not n.missing]
    if strategy == "auto":  # the client's own queries just measured what a request costs here
        asked = stats.requests - requests0
        strategy = choose_strategy(walker, seeds, (stats.seconds - seconds0) / asked if asked else None)
    chain = Chain(None, nodes=dict(own), direction="both", depth=depth)
    if strategy == "walk":
        # Ancestors and descendants of the client's documents — not the ancestors' other branches,
        # which belong to other clients' histories (the client's own documents are seeds anyway).
        walker.expand_up(chain, seeds, depth)
        walker.expand_down(chain, seeds, depth)
    else:
        _complete_from_graph(walker, chain, seeds)
    if profile.documents:  # family C: deals join the client's interactions and its sales documents
        bridge_deals(walker, chain, profile, depth=depth, deals=deals)
    chain.warnings = list(walker.reader.warnings)
    timeline = Timeline(counterparty, since, until, chain, set(own), strategy)
    timeline.group()
    if since is not None or until is not None:
        _keep_period(timeline, since, until)
    return timeline


def _keep_period(timeline: Timeline, since: datetime | None, until: datetime | None) -> None:
    """Keep the chains with a document in the period; mark their other documents as outside."""
    chain = timeline.chain
    kept = [g for g in timeline.groups if any(in_period(chain.nodes[k], since, until) for k in g)]
    members = {k for g in kept for k in g}
    chain.nodes = {k: n for k, n in chain.nodes.items() if k in members}
    chain.edges = {e: names for e, names in chain.edges.items() if e[0] in members and e[1] in members}
    timeline.groups = kept
    timeline.own &= members
    timeline.outside = {k for k in members if not in_period(chain.nodes[k], since, until)}


def choose_strategy(walker: ChainWalker, seeds: Sequence[DocKey], request_seconds: float | None = None) -> str:
    """``walk`` or ``scan`` of the client's whole history, whichever should take less time.

    The walk's requests are estimated from its first level; the scan's rows are counted
    (``$count``, one request per pass) — and only when the walk is not small anyway.
    ``request_seconds`` is what one request was measured to take (latency included).
    """
    walk = _WALK_FACTOR * walker.estimate_children(seeds)
    if walk <= _SMALL_WALK:
        return "walk"
    counts = count_scan(walker.client, walker.links, jobs=walker.jobs)
    walk_s, scan_s = strategy_seconds(walk, counts, page_size=walker.client.page_size, jobs=walker.jobs,
                                      request_seconds=request_seconds)
    return "scan" if scan_s < walk_s else "walk"


def strategy_seconds(walk_requests: float, scan_rows: dict[str, int], *, page_size: int, jobs: int,
                     request_seconds: float | None = None) -> tuple[float, float]:
    """Estimated seconds of (walk, scan). Both run ``jobs`` requests at a time; a walk pays only its
    requests (a few rows each), a scan pays its pages — one pass's pages one after another — and
    every row it reads, which on a big base outweighs the requests unless each request is slow."""
    r = request_seconds if request_seconds is not None and request_seconds > 0 else _DEFAULT_REQUEST_SECONDS
    jobs = max(jobs, 1)
    walk_s = walk_requests * r / jobs
    pages = [-(-n // page_size) + 1 for n in scan_rows.values()]  # and a last short page
    scan_s = max(sum(pages) / jobs, max(pages, default=0)) * r + sum(scan_rows.values()) * _ROW_SECONDS
    return walk_s, scan_s


def _complete_from_graph(walker: ChainWalker, chain: Chain, seeds: Sequence[DocKey]) -> None:
    graph = scan_links(walker.client, walker.links, jobs=walker.jobs)
    members = graph.related(seeds)
    unknown = [k for k in members if k not in chain.nodes]
    chain.nodes.update(walker.reader.fetch(unknown))
    for p, c, names in graph.edges_within(members):
        for name in names:
            chain.add_edge(p, c, name)

"""The link graph of many documents at once: one paged pass per linked set over a period.

Walking document by document costs requests per document; for a period's funnel or a big
client's history it is cheaper to read every link of the period once. Each set that holds links
is read with ``Date`` in the period and ``$select`` of only ``Ref_Key``, ``Date`` and its link
columns (all its header links in the same pass — one pass per set, not per attribute); each
published tabular-section set holding links is read once with ``Ref_Key`` and the link columns
(a section has no ``Date``: its rows are kept when the owner is in the period). Memory holds the
edges and dates only, never whole documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import query as q
from ..client import Client
from ..metadata import Metadata
from ..models import parse_datetime
from .links import Link, LinkKind, LinkTable
from .model import Chain, DocKey, Node
from .nodes import link_value, run_parallel

__all__ = ["LinkGraph", "period_filter", "scan_links"]


@dataclass(frozen=True)
class _Pass:
    query_set: str
    owner: str
    section_set: str | None
    links: list[Link]
    query: q.Query


@dataclass
class LinkGraph:
    """Documents of a period (with their dates) and the links among them and to their parents."""

    dates: dict[DocKey, datetime | None] = field(default_factory=dict)
    edges: dict[tuple[DocKey, DocKey], set[str]] = field(default_factory=dict)
    passes: list[str] = field(default_factory=list)  # the sets read, for reports
    warnings: list[str] = field(default_factory=list)

    def add(self, parent: DocKey, child: DocKey, name: str) -> None:
        self.edges.setdefault((parent, child), set()).add(name)

    def components(self) -> list[set[DocKey]]:
        """Connected groups of linked documents (links taken both ways), biggest first."""
        parent: dict[DocKey, DocKey] = {}

        def find(x: DocKey) -> DocKey:
            root = x
            while parent.setdefault(root, root) != root:
                root = parent[root]
            while parent[x] != root:  # path compression keeps big graphs flat
                parent[x], x = root, parent[x]
            return root

        for a, b in self.edges:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
        groups: dict[DocKey, set[DocKey]] = {}
        for key in parent:
            groups.setdefault(find(key), set()).add(key)
        return sorted(groups.values(), key=len, reverse=True)

    def reachable(self, seeds: Iterable[DocKey], *, down: bool = True, up: bool = True) -> set[DocKey]:
        """``seeds`` and every document reachable from them along links (children, parents or both)."""
        adjacent: dict[DocKey, list[DocKey]] = {}
        for a, b in self.edges:
            if down:
                adjacent.setdefault(a, []).append(b)
            if up:
                adjacent.setdefault(b, []).append(a)
        seen = set(seeds)
        stack = list(seen)
        while stack:
            for other in adjacent.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen

    def related(self, seeds: Iterable[DocKey]) -> set[DocKey]:
        """Ancestors and descendants of ``seeds`` (not the ancestors' other branches)."""
        seeds = list(seeds)
        return self.reachable(seeds, up=False) | self.reachable(seeds, down=False)

    def edges_within(self, keys: set[DocKey]) -> Iterator[tuple[DocKey, DocKey, set[str]]]:
        for (p, c), names in self.edges.items():
            if p in keys and c in keys:
                yield p, c, names

    def to_chain(self, nodes: dict[DocKey, Node], *, start: DocKey | None = None) -> Chain:
        """A :class:`Chain` of ``nodes`` with the graph's edges among them (for rendering)."""
        chain = Chain(start, nodes=dict(nodes), direction="both")
        for p, c, names in self.edges_within(set(nodes)):
            for name in names:
                chain.add_edge(p, c, name)
        return chain


def period_filter(since: datetime | None, until: datetime | None, date_field: str = "Date") -> q.Filter | None:
    return q.and_(q.ge(date_field, since) if since else None, q.le(date_field, until) if until else None) \
        if since or until else None


def _nonempty(link: Link) -> q.Filter | None:
    """Rows whose link is set; a composite cannot be tested without naming a type, so it is not."""
    if link.kind is LinkKind.REF:
        return q.ne(link.value_prop, uuid.UUID(int=0))
    return None


def _passes(links: LinkTable, md: Metadata, since: datetime | None,
            until: datetime | None) -> list[_Pass]:
    """Every pass :func:`scan_links` makes: one per set holding links, one per section set."""
    period = period_filter(since, until)
    out: list[_Pass] = []
    for source in dict.fromkeys(lk.source_set for lk in links):
        if source not in md:
            continue
        header = links.header_links(source)
        inline = [lk for lk in links.section_links(source) if lk.section_set is None]
        select = ("Ref_Key", "Date", *[c for lk in header for c in lk.columns],
                  *dict.fromkeys(lk.section or "" for lk in inline))
        out.append(_Pass(source, source, None, [*header, *inline], q.Query(filter=period, select=select)))
        by_section: dict[str, list[Link]] = {}
        for lk in links.section_links(source):
            if lk.section_set is not None:
                by_section.setdefault(lk.section_set, []).append(lk)
        for section_set, section_links in by_section.items():
            conds = [_nonempty(lk) for lk in section_links]
            flt = q.or_(*conds) if all(c is not None for c in conds) else None
            select = ("Ref_Key", "LineNumber", *[c for lk in section_links for c in lk.columns])
            out.append(_Pass(section_set, source, section_set, section_links, q.Query(filter=flt, select=select)))
    return out


def scan_links(client: Client, links: LinkTable, *, since: datetime | None = None, until: datetime | None = None,
               jobs: int = 4, page_size: int | None = None) -> LinkGraph:
    """Read every link of the period in one paged pass per set (headers) and per section set."""
    graph = LinkGraph()
    passes = _passes(links, client.metadata(), since, until)
    # Headers first: a section row counts only when its owner is in the period (graph.dates).
    run_parallel([_runner(client, graph, p, page_size) for p in passes if p.section_set is None], jobs)
    run_parallel([_runner(client, graph, p, page_size) for p in passes if p.section_set is not None], jobs)
    return graph


def count_scan(client: Client, links: LinkTable, *, since: datetime | None = None, until: datetime | None = None,
               jobs: int = 4) -> dict[str, int]:
    """Rows each pass of :func:`scan_links` would read (``$count``, one request per pass)."""
    passes = _passes(links, client.metadata(), since, until)
    tasks = [_counter(client, p) for p in passes]
    return dict(zip([p.query_set for p in passes], run_parallel(tasks, jobs), strict=True))


def _counter(client: Client, p: _Pass) -> Callable[[], int]:
    return lambda: client.count(p.query_set, p.query.filter)


def _runner(client: Client, graph: LinkGraph, p: _Pass, page_size: int | None) -> Callable[[], None]:
    def run() -> None:
        graph.passes.append(p.query_set)
        for page in client.pages(p.query_set, p.query, page_size=page_size):
            for row in page:
                child = DocKey(p.owner, str(row["Ref_Key"]))
                if p.section_set is not None:
                    if child not in graph.dates:
                        continue
                else:
                    graph.dates[child] = parse_datetime(row.get("Date"))
                for link in p.links:
                    if p.section_set is None and link.section is not None:  # read inline
                        for line in row.get(link.section) or ():
                            _edge(graph, link, line, child)
                    else:
                        _edge(graph, link, row, child)

    return run


def _edge(graph: LinkGraph, link: Link, row: dict[str, Any], child: DocKey) -> None:
    parent = link_value(link, row)
    if parent is not None:
        graph.add(parent, child, link.name)

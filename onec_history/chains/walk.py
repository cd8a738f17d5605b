"""Walking a chain from one document, level by level, the way «Структура подчиненности» does.

Parents come from the document's own link attributes (header columns arrive with the document;
tabular-section links are read from the section's set). Children come from reverse queries: for
every set that holds a link able to point at the current level's documents, one ``or``-filter of
``X eq cast(guid'…','Document_Y')`` (composite) and ``X_Key eq guid'…'`` (single-type) terms,
split to respect the URL budget. A whole level is asked at once — not one request per document
and link — and independent requests run in parallel (at most ``jobs`` at a time).

``both`` (the default) is 1C's behaviour: go up to the first documents of the chain, then show
everything entered on the basis of any of them. Visited documents are never expanded twice, so cycles end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import query as q
from ..client import Client
from ..documents import AmbiguousDocumentError
from ..errors import NoMatchError, NotPublishedError
from ..profiles import Profile
from .links import Link, LinkKind, LinkTable
from .model import Chain, DocKey
from .nodes import NodeReader, SetShape, link_value, run_parallel

__all__ = ["DEFAULT_DEPTH", "DIRECTIONS", "AmbiguousDocumentError", "ChainWalker", "link_term"]

DEFAULT_DEPTH = 20
DIRECTIONS = ("up", "down", "both")
_ROW = "d"  # lambda variable for Section/any(d: …)


def link_term(link: Link, target: DocKey, *, prefix: str = "") -> q.Filter:
    """The filter "``link`` points at ``target``" — cast for a composite (``X eq guid`` finds nothing)."""
    return q.points_to(prefix + link.value_prop, target.ref, target.entity_set,
                       composite=link.kind is LinkKind.COMPOSITE)


@dataclass
class _Plan:
    """One reverse query: the set asked, how its rows relate to documents, and its terms."""

    query_set: str
    mode: str  # header | section | inline (Section/any(...) on the owner: section set unpublished)
    owner: str
    section: str | None = None
    links: list[Link] = field(default_factory=list)
    terms: list[q.Filter] = field(default_factory=list)


class ChainWalker:
    """Walks chains of one base; ``links`` from :func:`discover_links`, ``profile`` for event details."""

    def __init__(self, client: Client, links: LinkTable, profile: Profile | None = None, *, jobs: int = 4) -> None:
        self.client = client
        self.links = links
        self.reader = NodeReader(client, links, profile, jobs=jobs)

    @property
    def jobs(self) -> int:
        return self.reader.jobs

    # -- public ----------------------------------------------------------------------------------
    def walk(self, start: DocKey, *, direction: str = "both", depth: int = DEFAULT_DEPTH) -> Chain:
        """The chain around ``start``: its ancestors (``up``), descendants (``down``) or the whole tree."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        self.client.metadata()  # once, before any thread needs it
        chain = Chain(start, direction=direction, depth=depth)
        node = self.reader.fetch([start])[start]
        if node.missing == "not published":
            raise NotPublishedError(start.entity_set)
        if node.missing:
            raise NoMatchError(f"No document {start.id} in the base",
                               hint="Check the reference and the document type.")
        chain.nodes[start] = node
        if direction == "down":
            self.expand_down(chain, [start], depth)
        else:
            self.expand_up(chain, [start], depth)
            if direction == "both":
                # Down from every ancestor at once (not only from the roots): the same tree in fewer
                # levels, and a chain that loops back on itself has no root to start from.
                self.expand_down(chain, list(chain.nodes), depth)
        chain.warnings = list(self.reader.warnings)
        return chain

    # -- up ----------------------------------------------------------------------------------------
    def expand_up(self, chain: Chain, frontier: Sequence[DocKey], depth: int) -> None:
        """Add the ancestors of ``frontier`` up to ``depth`` levels (unreadable ones end their branch)."""

        def step(keys: Sequence[DocKey]) -> list[tuple[DocKey, str, DocKey]]:
            found = self.parents_of(chain, keys)
            self._fetch_unknown(chain, (p for _, _, p in found))
            return [(parent, name, child) for child, name, parent in found]

        self._expand(chain, frontier, depth, step, upward=True)

    def _expand(self, chain: Chain, frontier: Sequence[DocKey], depth: int,
                step: Callable[[Sequence[DocKey]], list[tuple[DocKey, str, DocKey]]], *, upward: bool) -> None:
        """Breadth-first, a level per round of bulk queries: ``step`` gives the (parent, link, child)
        edges of a level; the far ends not seen yet are the next level."""
        expanded: set[DocKey] = set()
        current = [k for k in dict.fromkeys(frontier) if not chain.nodes[k].missing]
        level = 0
        while current and level < depth:
            expanded.update(current)
            nxt: dict[DocKey, None] = {}
            for parent, name, child in step(current):
                chain.add_edge(parent, child, name)
                far = parent if upward else child
                if far not in expanded and not chain.nodes[far].missing:
                    nxt[far] = None
            current = list(nxt)
            level += 1
        if current:
            chain.truncated = True

    def parents_of(self, chain: Chain, keys: Sequence[DocKey]) -> list[tuple[DocKey, str, DocKey]]:
        """(child, link name, parent) for ``keys``: header links as read, section links by query."""
        out = [(k, name, parent) for k in keys for name, parent in chain.nodes[k].parents]
        plans: dict[str, _Plan] = {}
        for key in keys:
            for link in self.links.section_links(key.entity_set):
                mode = "section" if link.section_set else "inline"
                qset = link.section_set or link.source_set
                plan = plans.setdefault(f"{mode}:{qset}:{link.section}",
                                        _Plan(qset, mode, link.source_set, link.section))
                if link not in plan.links:
                    plan.links.append(link)
                term = q.eq("Ref_Key", uuid.UUID(key.ref))
                if term not in plan.terms:
                    plan.terms.append(term)
        tasks: list[Callable[[], list[dict[str, Any]]]] = []
        owners: list[_Plan] = []
        for plan in plans.values():
            cols = [c for lk in plan.links for c in lk.columns]
            select = ["Ref_Key", "LineNumber", *cols] if plan.mode == "section" else ["Ref_Key", plan.section or ""]
            for task in self.reader.query_rows(plan.query_set, plan.terms, select):
                tasks.append(self.reader.safe(plan.query_set, task))
                owners.append(plan)
        for plan, rows in zip(owners, run_parallel(tasks, self.jobs), strict=True):
            for row in rows:
                child = DocKey(plan.owner, str(row["Ref_Key"]))
                lines = [row] if plan.mode == "section" else list(row.get(plan.section or "") or ())
                for line in lines:
                    for link in plan.links:
                        parent = link_value(link, line)
                        if parent is not None:
                            out.append((child, link.name, parent))
        return list(dict.fromkeys(out))

    # -- down --------------------------------------------------------------------------------------
    def expand_down(self, chain: Chain, frontier: Sequence[DocKey], depth: int) -> None:
        """Add the descendants of ``frontier`` up to ``depth`` levels."""
        self._expand(chain, frontier, depth, lambda keys: self.children_of(chain, keys), upward=False)

    def children_of(self, chain: Chain, keys: Sequence[DocKey]) -> list[tuple[DocKey, str, DocKey]]:
        """(parent, link name, child) for ``keys``, from grouped reverse queries; children are read too."""
        plans = self._reverse_plans(keys)
        wanted = set(keys)
        tasks: list[Callable[[], list[dict[str, Any]]]] = []
        which: list[tuple[_Plan, SetShape | None]] = []
        for plan in plans:
            shape = None if plan.mode == "section" else self.reader.shape(plan.owner)
            lean: tuple[str, ...] = ("Ref_Key", *[c for lk in plan.links for c in lk.columns])
            if shape is None:
                select = ("Ref_Key", "LineNumber", *lean[1:])
            elif plan.mode == "inline":
                select = (*shape.select, plan.section or "")
            else:
                select = shape.select
                # Cyrillic column names cost 6 bytes a letter in the URL: a long $select leaves room for
                # few terms. When the key-and-link select needs clearly fewer requests, read children by
                # it and fetch the (usually few) new ones by key afterwards.
                if self.reader.chunks(plan.query_set, plan.terms, lean) + 1 < \
                        self.reader.chunks(plan.query_set, plan.terms, select):
                    select, shape = lean, None
            for task in self.reader.query_rows(plan.query_set, plan.terms, select):
                tasks.append(self.reader.safe(plan.query_set, task))
                which.append((plan, shape))
        out: list[tuple[DocKey, str, DocKey]] = []
        for (plan, shape), rows in zip(which, run_parallel(tasks, self.jobs), strict=True):
            for row in rows:
                child = DocKey(plan.owner, str(row["Ref_Key"]))
                if shape is not None:
                    chain.nodes.setdefault(child, shape.node(row))
                lines = list(row.get(plan.section or "") or ()) if plan.mode == "inline" else [row]
                for line in lines:
                    for link in plan.links:
                        parent = link_value(link, line)
                        if parent is not None and (parent in wanted or parent in chain.nodes):
                            out.append((parent, link.name, child))
        self._fetch_unknown(chain, (c for _, _, c in out))
        return list(dict.fromkeys(out))

    def estimate_children(self, keys: Sequence[DocKey]) -> int:
        """Requests one level of reverse queries for ``keys`` needs (no I/O)."""
        total = 0
        for plan in self._reverse_plans(keys):
            lean = ("Ref_Key", *[c for lk in plan.links for c in lk.columns])
            total += self.reader.chunks(plan.query_set, plan.terms, lean)
        return total

    def _reverse_plans(self, keys: Sequence[DocKey]) -> list[_Plan]:
        plans: dict[str, _Plan] = {}
        targets_by_set: dict[str, list[DocKey]] = {}
        for key in keys:
            targets_by_set.setdefault(key.entity_set, []).append(key)
        for link in self.links:
            hits = [k for s, ks in targets_by_set.items() if link.admits(s) for k in ks]
            if not hits:
                continue
            if link.section is None:
                plan = plans.setdefault(f"header:{link.source_set}", _Plan(link.source_set, "header", link.source_set))
                terms = [link_term(link, k) for k in hits]
            elif link.section_set:
                plan = plans.setdefault(f"section:{link.section_set}",
                                        _Plan(link.section_set, "section", link.source_set, link.section))
                terms = [link_term(link, k) for k in hits]
            else:
                plan = plans.setdefault(f"inline:{link.source_set}:{link.section}",
                                        _Plan(link.source_set, "inline", link.source_set, link.section))
                terms = [q.any_(link.section, _ROW, link_term(link, k, prefix=f"{_ROW}/")) for k in hits]
            plan.links.append(link)
            plan.terms.extend(terms)
        return list(plans.values())

    def _fetch_unknown(self, chain: Chain, keys: Iterable[DocKey]) -> None:
        unknown = [k for k in dict.fromkeys(keys) if k not in chain.nodes]
        if unknown:
            chain.nodes.update(self.reader.fetch(unknown))


"""The chain as data: document keys, nodes with what 1C's form shows, edges with the linking attribute."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..models import DocKey

__all__ = ["Chain", "DocKey", "Edge", "Node"]


@dataclass
class Node:
    """One document of a chain with what «Структура подчиненности» shows for it.

    ``missing`` says why the document could not be read (its set is not published, or the
    reference dangles); the other fields are then empty. ``state`` is the event state for
    events (``Завершено``…), None for other documents (their state is ``posted``/``deleted``).
    """

    key: DocKey
    number: str | None = None
    date: datetime | None = None
    start: datetime | None = None  # an event's start (НачалоСобытия), when the family keeps one
    posted: bool | None = None
    deleted: bool = False
    counterparty: str | None = None
    counterparty_set: str | None = None
    counterparty_name: str | None = None
    amount: float | None = None
    currency: str | None = None
    currency_name: str | None = None
    title: str | None = None
    kind: str | None = None  # as 1C spells it (ТелефонныйЗвонок)
    kind_code: str | None = None  # the logical kind (call, meeting, …), for events
    state: str | None = None
    missing: str | None = None
    bridge: str | None = None  # family C: the deal (Сделка) a sales document belongs to
    # header link values as read (link label -> parent); filled by the reader, used by the walk
    parents: list[tuple[str, DocKey]] = field(default_factory=list, repr=False)

    @property
    def id(self) -> str:
        return self.key.id

    @property
    def when(self) -> datetime | None:
        """The moment the document is about: an event's start, else the document's date."""
        return self.start or self.date

    @property
    def status(self) -> str:
        """``deleted``, ``posted``, ``unposted`` or ``missing`` — 1C's icon as a word."""
        if self.missing:
            return "missing"
        if self.deleted:
            return "deleted"
        if self.posted:
            return "posted"
        return "unposted" if self.posted is False else "written"


@dataclass(frozen=True)
class Edge:
    """``child`` was entered on the basis of ``parent``; ``links`` are the attributes that say so."""

    parent: DocKey
    child: DocKey
    links: tuple[str, ...]  # link names as 1C's form shows them: "Сделка", "Товары.ЗаказПокупателя"

    @property
    def label(self) -> str:
        return ", ".join(self.links)


@dataclass
class Chain:
    """The result of a walk: nodes, edges, where it started, and what could not be followed."""

    start: DocKey | None
    nodes: dict[DocKey, Node] = field(default_factory=dict)
    edges: dict[tuple[DocKey, DocKey], set[str]] = field(default_factory=dict)
    direction: str = "both"
    depth: int = 0
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    _adjacency: tuple[int, dict[DocKey, list[DocKey]], dict[DocKey, list[DocKey]]] | None = field(
        default=None, repr=False, compare=False)

    def add_edge(self, parent: DocKey, child: DocKey, link_name: str) -> bool:
        """Record a link; True when the (parent, child) pair is new."""
        names = self.edges.get((parent, child))
        if names is None:
            self.edges[(parent, child)] = {link_name}
            return True
        names.add(link_name)
        return False

    def edge_list(self) -> list[Edge]:
        return [Edge(p, c, tuple(sorted(names))) for (p, c), names in sorted(self.edges.items())]

    def _index(self) -> tuple[dict[DocKey, list[DocKey]], dict[DocKey, list[DocKey]]]:
        if self._adjacency is None or self._adjacency[0] != len(self.edges):
            down: dict[DocKey, list[DocKey]] = {}
            up: dict[DocKey, list[DocKey]] = {}
            for p, c in self.edges:
                down.setdefault(p, []).append(c)
                up.setdefault(c, []).append(p)
            self._adjacency = (len(self.edges), down, up)
        return self._adjacency[1], self._adjacency[2]

    def children(self, key: DocKey) -> list[DocKey]:
        return self._sorted(self._index()[0].get(key, ()))

    def parents(self, key: DocKey) -> list[DocKey]:
        return self._sorted(self._index()[1].get(key, ()))

    def roots(self) -> list[DocKey]:
        """Nodes with no parent in the chain (for a cycle without a root: the earliest node)."""
        has_parent = {c for (_, c) in self.edges}
        roots = [k for k in self.nodes if k not in has_parent]
        if not roots and self.nodes:
            roots = self._sorted(self.nodes)[:1]
        return self._sorted(roots)

    def sort_key(self, key: DocKey) -> tuple[datetime, str, str]:
        node = self.nodes.get(key)
        when = node.date if node is not None and node.date is not None else datetime.max
        return (when, key.entity_set, key.ref)

    def _sorted(self, keys: Iterable[DocKey]) -> list[DocKey]:
        return sorted(set(keys), key=self.sort_key)

    def ordered(self) -> Iterator[Node]:
        """Nodes in time order (undated ones last), ties by set and reference."""
        for key in self._sorted(self.nodes):
            yield self.nodes[key]

    def _repr_svg_(self) -> str:
        """Jupyter draws a chain by itself: the picture of ``chain --format svg``
        (:func:`onec_history.pages.svg.chain_svg`), the start marked, with the page's styles inside
        the SVG so that it reads the same outside the page (a notebook shows it as an image)."""
        from ..pages.svg import chain_svg

        head, _, rest = chain_svg(self).partition("\n")
        return f"{head}\n<style>{_picture_css()}</style>\n{rest}"


def _picture_css() -> str:
    """The chain picture's rules of the HTML page's stylesheet (pages/html.py), taken from it so
    that the two never drift: the ``svg.chain`` rules, and the page's font for the picture."""
    from ..pages import html

    lines = html._CSS.splitlines()
    font = next((line.replace(":root", "svg.chain", 1) for line in lines if line.startswith(":root")), "")
    return "\n".join([font, *(line for line in lines if line.startswith("svg.chain"))])


"""A chain's documents placed in layers, parents above children, crossings kept few.

The layered (Sugiyama) layout is grandalf's: pure Python, so the picture never depends on Graphviz
or any other program being installed. Each connected part of the graph is laid out on its own and
the parts are set side by side; a cycle (a document entered on the basis of its own descendant, as
customised bases sometimes allow) is laid out with one of its links reversed, as Graphviz does.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex  # type: ignore[import-untyped]
from grandalf.layouts import SugiyamaLayout  # type: ignore[import-untyped]

__all__ = ["Box", "layout"]

GAP_X = 28  # between boxes of one layer, and between the graph's parts
GAP_Y = 46  # between layers (room for the arrow heads)


@dataclass
class Box:
    """Where one node's box lies: its top-left corner and its size, in SVG units."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y

    @property
    def bottom(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h


class _View:
    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy: tuple[float, float] = (0.0, 0.0)


def layout(nodes: Sequence[Hashable], edges: Iterable[tuple[Hashable, Hashable]], *, width: float,
           height: float) -> tuple[dict[Hashable, Box], float, float]:
    """Boxes of ``width`` × ``height`` for ``nodes`` (in their order within a layer where the
    layout leaves a choice) → (box per node, total width, total height)."""
    vertices = {n: Vertex(n) for n in nodes}
    for v in vertices.values():
        v.view = _View(width, height)
    links = [Edge(vertices[p], vertices[c]) for p, c in edges if p in vertices and c in vertices and p != c]
    graph = Graph(list(vertices.values()), links)
    boxes: dict[Hashable, Box] = {}
    offset = 0.0
    total_h = 0.0
    for part in graph.C:
        sug = SugiyamaLayout(part)
        sug.xspace, sug.yspace = GAP_X, GAP_Y
        roots = [v for v in part.sV if not v.e_in()]
        sug.init_all(roots=roots or None)
        sug.draw()
        xs = [v.view.xy[0] for v in part.sV]
        ys = [v.view.xy[1] for v in part.sV]
        left, top = min(xs) - width / 2, min(ys) - height / 2
        for v in part.sV:
            cx, cy = v.view.xy
            boxes[v.data] = Box(cx - width / 2 - left + offset, cy - height / 2 - top, width, height)
        offset += max(xs) - min(xs) + width + GAP_X
        total_h = max(total_h, max(ys) - min(ys) + height)
    return boxes, max(offset - GAP_X, 0.0), total_h

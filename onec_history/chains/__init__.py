"""Basis-document chains (1C's «Структура подчиненности») and a client's history.

``Chains(history)`` is the front door: ``links`` (the table in use), ``resolve`` (a document from
an id, a reference or a type and number), ``walk`` (a chain), ``timeline`` (a client's history),
``graph`` (every link of a period in bulk). Render with :mod:`onec_history.chains.render`.
"""

from __future__ import annotations

from .chains import Chains
from .graph import LinkGraph, scan_links
from .links import Link, LinkKind, LinkSpec, LinkTable, discover_links
from .model import Chain, DocKey, Edge, Node
from .render import chain_json, to_dot, to_mermaid, to_tree
from .timeline import Timeline, build_timeline
from .walk import AmbiguousDocumentError, ChainWalker

__all__ = [
    "AmbiguousDocumentError",
    "Chain",
    "ChainWalker",
    "Chains",
    "DocKey",
    "Edge",
    "Link",
    "LinkGraph",
    "LinkKind",
    "LinkSpec",
    "LinkTable",
    "Node",
    "Timeline",
    "build_timeline",
    "chain_json",
    "discover_links",
    "scan_links",
    "to_dot",
    "to_mermaid",
    "to_tree",
]

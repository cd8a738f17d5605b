"""Helpers of the chain tests: a Chains object for a demo URL, the story's first call, a DOT parser."""

from __future__ import annotations

import re

from onec_history import query as q
from onec_history.chains.chains import Chains
from onec_history.chains.model import DocKey
from onec_history.client import Client
from onec_history.history import History
from onec_history.transport import Transport

FIRST_CALL = "Интересуются покупкой 5 мониторов"


def chains_for(url: str, *, jobs: int = 4, links: object = None, budget: int = 1500) -> Chains:
    return Chains(History(Client(Transport(url), budget=budget)), link_overrides=links, jobs=jobs)


def first_call(chains: Chains) -> DocKey:
    """«ООО Ромашка»'s first call about 5 monitors, found by its subject."""
    p = chains.history.profile
    subject = p.event_attr("subject")
    assert subject is not None
    rows = list(chains.client.iterate(p.event_set, q.Query(filter=q.eq(subject.prop, FIRST_CALL),
                                                            select=("Ref_Key",))))
    assert len(rows) == 1
    return DocKey(p.event_set, str(rows[0]["Ref_Key"]))


# A small parser for the DOT subset we emit: checks syntax even where Graphviz is not installed.
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(->|[{}\[\];,=])|([A-Za-z_][A-Za-z_0-9.]*|-?\d+(?:\.\d+)?))')


def dot_tokens(text: str) -> list[str]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None and m.end() > pos, f"bad DOT at {text[pos:pos + 40]!r}"
        out.append(m.group(0).strip())
        pos = m.end()
    return out


def parse_dot(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Statements ``ID [a=b, …];`` and ``ID -> ID [..];`` inside ``digraph NAME { … }``."""
    t = dot_tokens(text)
    assert t[:3] == ["digraph", "chain", "{"] and t[-1] == "}"
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    i = 3
    while t[i] != "}":
        first = t[i]
        i += 1
        target = None
        if t[i] == "->":
            target, i = t[i + 1], i + 2
        if t[i] == "[":
            i += 1
            while t[i] != "]":
                assert t[i + 1] == "=", t[i:i + 3]
                i += 3
                if t[i] == ",":
                    i += 1
            i += 1
        assert t[i] == ";", t[i - 2:i + 2]
        i += 1
        if first in ("graph", "node", "edge"):
            continue
        if target is None:
            nodes.add(first)
        else:
            edges.append((first, target))
    return nodes, edges

"""Family C's bridge: a deal joins a client's interactions and its sales documents.

In УТ 11 / КА 2 / ERP interactions and sales documents are not linked by basis. They meet in a
**deal** (``Catalog_СделкиСКлиентами``): an interaction's subject (``Предмет`` in the register
``ПредметыПапкиВзаимодействий``) is the deal, and ``ЗаказКлиента``, ``РеализацияТоваровУслуг``
and ``КоммерческоеПредложениеКлиенту`` carry ``Сделка_Key``. :func:`bridge_deals` adds each deal
of a chain as a node, with an edge «Предмет» to every interaction about it and «Сделка» to every
sales document of it, reads the deal's other members, and walks their own basis links — so the
chain from the first call reaches the order and the sale, as 1C's user sees it in the deal.

Requests: one register read for the chain's interactions, one per sales set and one register
read for all new deals at once, then the walk of the new members; a few per round, rounds bounded
by the depth.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from .. import family_c
from .. import query as q
from ..errors import ODataError
from ..models import parse_ref, set_of_type
from ..profiles import Profile
from .model import Chain, DocKey
from .nodes import run_parallel
from .walk import ChainWalker

__all__ = ["DEAL_LINK", "SUBJECT_LINK", "bridge_deals"]

log = logging.getLogger("onec_history.chains")

SUBJECT_LINK = "Предмет"
DEAL_LINK = family_c.DEAL_ATTR


def bridge_deals(walker: ChainWalker, chain: Chain, profile: Profile, *, depth: int,
                 follow: bool = True, deals: Iterable[str] = ()) -> None:
    """Add the deals of ``chain``'s documents and, with ``follow``, the deals' other documents and
    their chains (see the module doc). A base without deals published is left as it is.

    ``deals`` are known in advance for a client's history (the partner's deals, one request):
    then an interaction's subject is not asked by its key (a composite key in a filter costs a
    request per handful of interactions) — the deals' members are read by the deal instead."""
    client = walker.client
    md = client.metadata()
    if profile.family.value != "C" or family_c.DEALS not in md:
        return
    interaction_sets = set(profile.event_sets())
    done: set[str] = set()
    asked: set[DocKey] = set()
    known = sorted(set(deals))
    by_key = not known
    for _ in range(max(depth, 1)):
        members = [k for k, n in chain.nodes.items()
                   if not n.missing and k.entity_set != family_c.DEALS and k not in asked]
        asked.update(members)
        deal_of: dict[DocKey, str] = {}
        for key in members:
            bridge = chain.nodes[key].bridge
            if bridge:
                deal_of[key] = bridge
        if by_key:
            interactions = [k for k in members if k.entity_set in interaction_sets and k not in deal_of]
            deal_of.update(subjects(walker, interactions))
        new_deals = sorted((set(deal_of.values()) | set(known)) - done)
        known = []
        for key, deal in deal_of.items():
            _link(chain, deal, key)
        if not new_deals:
            break
        done.update(new_deals)
        _fetch_deals(walker, chain, new_deals)
        if not follow:
            continue
        found = deal_members(walker, profile, new_deals)
        fresh = [k for k in found if k not in chain.nodes]
        if fresh:
            chain.nodes.update(walker.reader.fetch(fresh))
        for key, deal in found.items():
            _link(chain, deal, key)
        asked.update(found)
        if fresh:
            walker.expand_up(chain, fresh, depth)
            walker.expand_down(chain, fresh, depth)


def _link(chain: Chain, deal: str, key: DocKey) -> None:
    deal_key = DocKey(family_c.DEALS, deal)
    name = DEAL_LINK if key.entity_set not in _INTERACTIONS else SUBJECT_LINK
    chain.add_edge(deal_key, key, name)


_INTERACTIONS = set(family_c.INTERACTIONS)


def _fetch_deals(walker: ChainWalker, chain: Chain, deals: Iterable[str]) -> None:
    keys = [DocKey(family_c.DEALS, d) for d in deals]
    unknown = [k for k in keys if k not in chain.nodes]
    if unknown:
        chain.nodes.update(walker.reader.fetch(unknown))


def subjects(walker: ChainWalker, interactions: list[DocKey]) -> dict[DocKey, str]:
    """The deal each interaction is about, from the register (interactions about something
    else — a claim, another interaction — are left out)."""
    register = family_c.SUBJECTS_REGISTER
    client = walker.client
    if not interactions or register not in client.metadata():
        return {}
    dim, subject = family_c.REGISTER_DOCUMENT, family_c.REGISTER_SUBJECT
    terms = [q.cast_eq(dim, k.ref, k.entity_set) for k in interactions]
    select = (dim, f"{dim}_Type", subject, f"{subject}_Type")
    wanted = set(interactions)
    out: dict[DocKey, str] = {}
    for row in _rows(walker, register, terms, select):
        key = _key(row, dim)
        deal = parse_ref(row.get(subject))
        if key in wanted and deal and set_of_type(row.get(f"{subject}_Type")) == family_c.DEALS:
            out[key] = deal
    return out


def deal_members(walker: ChainWalker, profile: Profile, deals: list[str]) -> dict[DocKey, str]:
    """Every document of ``deals``: sales documents by their Сделка, interactions by the register."""
    client = walker.client
    md = client.metadata()
    tasks: list[Callable[[], dict[DocKey, str]]] = []
    for entity_set in walker.links.document_sets():
        if entity_set not in md or entity_set in _INTERACTIONS:
            continue
        ref = md.get(entity_set).references.get(family_c.DEAL_ATTR)
        if ref is None or ref.target_set != family_c.DEALS:
            continue
        tasks.append(_by_deal(walker, entity_set, deals))
    if family_c.SUBJECTS_REGISTER in md:
        tasks.append(lambda: _register_members(walker, deals))
    out: dict[DocKey, str] = {}
    for found in run_parallel(tasks, walker.jobs):
        out.update(found)
    return out


def _by_deal(walker: ChainWalker, entity_set: str, deals: list[str]) -> Callable[[], dict[DocKey, str]]:
    prop = f"{family_c.DEAL_ATTR}_Key"

    def run() -> dict[DocKey, str]:
        terms = [q.eq(prop, uuid.UUID(d)) for d in deals]
        return {DocKey(entity_set, str(row["Ref_Key"])): str(row[prop])
                for row in _rows(walker, entity_set, terms, ("Ref_Key", prop))}

    return run


def _register_members(walker: ChainWalker, deals: list[str]) -> dict[DocKey, str]:
    dim, subject = family_c.REGISTER_DOCUMENT, family_c.REGISTER_SUBJECT
    terms = [q.cast_eq(subject, d, family_c.DEALS) for d in deals]
    out: dict[DocKey, str] = {}
    for row in _rows(walker, family_c.SUBJECTS_REGISTER, terms, (dim, f"{dim}_Type", subject)):
        key = _key(row, dim)
        if key is not None:
            out[key] = str(row.get(subject))
    return out


def _key(row: dict[str, Any], dim: str) -> DocKey | None:
    target, ref = set_of_type(row.get(f"{dim}_Type")), parse_ref(row.get(dim))
    return DocKey(target, ref) if target and ref else None


def _rows(walker: ChainWalker, entity_set: str, terms: list[q.Filter], select: tuple[str, ...]) -> list[dict[str, Any]]:
    try:
        return [row for page in walker.client.iter_any(entity_set, terms, q.Query(select=select)) for row in page]
    except ODataError as exc:
        walker.reader.warn(f"{entity_set}: {exc.message} — deals are not followed through it")
        return []

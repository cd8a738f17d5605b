"""Helpers of the chain tests: a Chains object for a demo URL, the story's first call."""

from __future__ import annotations

from onec_history import query as q
from onec_history.api import History
from onec_history.chains.api import Chains
from onec_history.chains.model import DocKey
from onec_history.client import Client
from onec_history.transport import Transport

FIRST_CALL = "Интересуются покупкой 5 мониторов"


def chains_for(url: str, *, jobs: int = 4, links: object = None) -> Chains:
    return Chains(History(Client(Transport(url))), link_overrides=links, jobs=jobs)


def first_call(chains: Chains) -> DocKey:
    """«ООО Ромашка»'s first call about 5 monitors, found by its subject."""
    p = chains.history.profile
    subject = p.event_attr("subject")
    assert subject is not None
    rows = list(chains.client.iterate(p.event_set, q.Query(filter=q.eq(subject.prop, FIRST_CALL),
                                                            select=("Ref_Key",))))
    assert len(rows) == 1
    return DocKey(p.event_set, str(rows[0]["Ref_Key"]))

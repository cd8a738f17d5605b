"""Client.key_queries / iter_by: the one way to fetch rows by many keys under the URL budget."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from onec_history import query as q
from onec_history.client import KEYS_PER_REQUEST, Client
from onec_history.demo.server import DemoServer
from onec_history.transport import Transport

SET = "Catalog_Контрагенты"


class Recording(Transport):
    """A transport that keeps every query string it sends for JSON."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.sent: list[tuple[str, str]] = []

    def get_json(self, path: str, query: str = "") -> Any:
        self.sent.append((path, query))
        return super().get_json(path, query)


@pytest.fixture
def client(ut10: DemoServer) -> Iterator[Client]:
    with Recording(ut10.url) as transport:
        yield Client(transport, budget=1500, page_size=7)


def refs(client: Client) -> list[str]:
    return [row["Ref_Key"] for page in client.pages(SET, q.Query(select=("Ref_Key",))) for row in page]


def sent(client: Client) -> list[tuple[str, str]]:
    transport = client.transport
    assert isinstance(transport, Recording)
    return transport.sent


LONG_WHERE = q.and_(*(q.ne("Description", f"Исключённый контрагент {i}") for i in range(6)))


@pytest.mark.parametrize("where", [None, LONG_WHERE], ids=["keys-only", "long-where"])
def test_groups_fit_the_budget_at_the_worst_top_and_skip(client: Client, where: q.Filter | None) -> None:
    terms = [q.eq("Ref_Key", uuid.uuid4()) for _ in range(200)]
    queries = client.key_queries(SET, terms, q.Query(filter=where, select=("Ref_Key", "Description")))
    assert 1 < len(queries) < 200
    # the budget is spent on keys, not wasted: every group but the last is nearly full
    assert all(len(query.render()) > client.budget - 200 for query in queries[:-1])
    for query in queries:
        worst = q.Query(filter=query.filter, select=query.select, orderby=query.orderby,
                        top=10**9, skip=10**9, allowed_only=query.allowed_only)
        assert len(worst.render()) <= client.budget
    texts = " ".join(query.filter.text for query in queries if query.filter)
    assert all(texts.count(t.text) == 1 for t in terms)


def test_a_select_that_crowds_the_keys_out_is_widened_a_short_one_kept(client: Client) -> None:
    every = tuple(client.entity_set(SET).properties)
    terms = [q.eq("Ref_Key", uuid.uuid4()) for _ in range(KEYS_PER_REQUEST)]
    short = client.key_queries(SET, terms, q.Query(select=("Ref_Key", "Description")))
    assert short[0].select == ("Ref_Key", "Description")
    long = client.key_queries(SET, terms, q.Query(select=every))
    assert long[0].select in (("*",), ("**",))
    assert len(long) == 1  # widened, all the keys share one request again
    assert all(len(query.render()) <= client.budget for query in long)


def test_the_rest_of_the_filter_is_anded_with_every_group(client: Client) -> None:
    terms = [q.eq("Ref_Key", uuid.uuid4()) for _ in range(60)]
    where = q.eq("DeletionMark", False)
    for query in client.key_queries(SET, terms, q.Query(filter=where)):
        assert query.filter is not None
        assert query.filter.text.startswith(where.text + " and (")
        assert query.filter.text.count("Ref_Key eq") >= 1


def test_iter_by_returns_exactly_the_rows_asked_for_in_the_counted_requests(client: Client) -> None:
    every = refs(client)
    wanted = every[::2]
    sent(client).clear()
    got = [row["Ref_Key"] for page in client.iter_by(SET, "Ref_Key", [uuid.UUID(r) for r in wanted],
                                                     select=("Ref_Key", "Description"))
           for row in page]
    assert sorted(got) == sorted(wanted)
    assert len(got) == len(set(got))
    groups = client.key_queries(SET, [q.eq("Ref_Key", uuid.UUID(r)) for r in wanted],
                                q.Query(select=("Ref_Key", "Description")))
    assert client.requests_for(SET, [q.eq("Ref_Key", uuid.UUID(r)) for r in wanted],
                               q.Query(select=("Ref_Key", "Description"))) == len(groups)
    # one request per group, plus one per extra page (page_size=7) where a group holds more rows
    assert len(groups) <= len(sent(client)) <= len(groups) + len(wanted) // 7 + 1
    assert all(len(query) <= client.budget for _, query in sent(client))


def test_iter_by_with_no_values_asks_nothing(client: Client) -> None:
    sent(client).clear()
    assert list(client.iter_by(SET, "Ref_Key", [])) == []
    assert sent(client) == []


def test_keys_per_request_matches_the_group_sizes(client: Client) -> None:
    sample = q.eq("Ref_Key", uuid.uuid4())
    per = client.keys_per_request(SET, sample, q.Query(select=("Ref_Key",)))
    terms = [q.eq("Ref_Key", uuid.uuid4()) for _ in range(per * 3)]
    groups = client.key_queries(SET, terms, q.Query(select=("Ref_Key",)))
    sizes = [query.filter.text.count(" or ") + 1 for query in groups if query.filter]
    assert sizes[0] == per
    assert sum(sizes) == len(terms)

"""counterparties/specs: the one classifier of a counterparty spec, and find() following it."""

from __future__ import annotations

import pytest

from onec_history.client import Client
from onec_history.counterparties.search import CounterpartySearch
from onec_history.counterparties.specs import Spec
from onec_history.demo.server import DemoServer
from onec_history.errors import NoMatchError
from onec_history.history import History
from onec_history.transport import Transport

REF = "cd6880ea-576f-5240-84c4-8175c4989237"


@pytest.mark.parametrize(("raw", "text", "stages"), [
    (REF, REF, ("ref",)),
    (f" {REF.upper()} ", REF.upper(), ("ref",)),
    ("7701000001", "7701000001", ("inn", "code", "name")),
    ("770100000112", "770100000112", ("inn", "code", "name")),
    ("00-000015", "00-000015", ("code", "name", "prefix")),
    ("ЦБ000123", "ЦБ000123", ("code", "name", "prefix")),
    ("Ромашка", "Ромашка", ("name", "prefix")),  # no digit: not a code
    ("ООО Ромашка 2", "ООО Ромашка 2", ("name", "prefix")),
    ("inn: 7701000001", "7701000001", ("inn",)),
    ("CODE:Ромашка", "Ромашка", ("code",)),
    ("name:7701000001", "7701000001", ("name", "prefix")),
    ("Ромашка: филиал", "Ромашка: филиал", ("name", "prefix")),  # not a known prefix
])
def test_spec_shapes(raw: str, text: str, stages: tuple[str, ...]) -> None:
    spec = Spec.parse(raw)
    assert (spec.text, spec.stages) == (text, stages)
    assert spec.problem is None


def test_spec_problems() -> None:
    assert Spec.parse("ref:Ромашка").problem == "'Ромашка' is not a reference (GUID)"
    assert "names nothing" in (Spec.parse("inn:").problem or "")


@pytest.fixture
def search(ut10: DemoServer) -> CounterpartySearch:
    return CounterpartySearch(History(Client(Transport(ut10.url))).base)


def test_find_follows_the_spec(search: CounterpartySearch) -> None:
    romashka = search.find("ООО Ромашка")
    assert search.find("7701000001").ref == romashka.ref
    assert search.find("inn:7701000001").ref == romashka.ref
    assert search.find(romashka.ref).name == romashka.name
    assert romashka.code and search.find(f"code:{romashka.code}").ref == romashka.ref
    with pytest.raises(NoMatchError):
        search.find("code:7701000001")  # said to be a code: the ИНН is not tried
    with pytest.raises(NoMatchError, match="not a reference"):
        search.find("ref:Ромашка")


def test_with_names_fills_group_and_manager(search: CounterpartySearch) -> None:
    client = search.client
    before = client.transport.stats.requests
    [named] = search.with_names([search.find("ООО Ромашка")])
    assert (named.parent_name, named.manager_name) == ("Покупатели", "Петров Сергей Николаевич")
    assert client.transport.stats.requests - before <= 4  # the search, then one name lookup per catalogue


def test_a_code_typed_without_its_leading_zeros_is_found(search: CounterpartySearch) -> None:
    romashka = search.find("ООО Ромашка")
    assert romashka.code is not None and romashka.code.startswith("0")
    short = romashka.code.lstrip("0")
    assert [c.ref for c in search.search(code=short)] == [romashka.ref]
    assert search.find(f"code:{short}").ref == romashka.ref

"""doctor lists every set the features read, with what it is for (issue 12.16)."""

from __future__ import annotations

import pytest

from onec_history.client import Client
from onec_history.config import Settings
from onec_history.demo.server import DemoServer
from onec_history.doctor import Outcome, diagnose, set_uses, sets_used
from onec_history.profiles import detect_profile
from onec_history.transport import Transport


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_every_set_is_listed_with_its_purpose(family: str, request: pytest.FixtureRequest) -> None:
    srv: DemoServer = request.getfixturevalue(family)
    diagnosis = diagnose(Client(Transport(srv.url)), Settings(url=srv.url))
    check = diagnosis.check("sets used")
    assert check.outcome is Outcome.OK
    names = {u.name for u in check.sets}
    assert {"Document_Событие", "Catalog_Контрагенты", "Document_ЗаказПокупателя"} <= names
    assert all(u.purpose for u in check.sets)
    assert all(u.published for u in check.sets if u.required)
    lines = check.explain().splitlines()
    assert len(lines) == 1 + len(check.sets) and lines[1].startswith("✓ Document_Событие — events")


def test_an_unpublished_set_is_marked_with_what_it_is_for(ut10: DemoServer) -> None:
    md = Client(Transport(ut10.url)).metadata()
    gone = "Document_ЗаказПоставщику"  # a document the chains can follow, not published by the demo
    assert gone not in md
    uses = {u.name: u for u in set_uses(md, detect_profile(md))}
    assert not uses[gone].published and "chain" in uses[gone].purpose
    check = sets_used(md, detect_profile(md))
    assert check.outcome is Outcome.OK and "1 not published" in check.message
    assert f"✗ {gone} — documents entered on the basis of events" in check.explain()
    assert "✓ Document_ЗаказПокупателя" in check.explain()

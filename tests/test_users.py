"""users.py: the one rule that turns what a person types into a responsible person's reference."""

from __future__ import annotations

import pytest

from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.errors import AmbiguousError, NoMatchError
from onec_history.transport import Transport
from onec_history.users import Candidate, UserResolver, pick_user

USERS = "Catalog_Пользователи"
PETROV = "3fd71503-76e5-5665-abcc-2f5f2e8df00e"
SMIRNOVA = "c4ff135a-5d06-5f16-830b-1c6c752aa98c"


@pytest.fixture
def users(ut10: DemoServer) -> UserResolver:
    client = Client(Transport(ut10.url))
    client.metadata()
    return UserResolver(client, USERS)


def requests(users: UserResolver) -> int:
    return users.client.transport.stats.requests


def test_find_takes_an_exact_name_any_case_or_a_unique_prefix(users: UserResolver) -> None:
    assert users.find("Петров Сергей Николаевич") == PETROV
    assert users.find("  петров сергей николаевич ") == PETROV
    assert users.find("Петров") == PETROV


def test_find_takes_a_reference_as_it_is_without_a_request(users: UserResolver) -> None:
    before = requests(users)
    assert users.find(PETROV.upper()) == PETROV
    assert requests(users) == before


def test_find_says_what_to_give_when_several_or_none_match(users: UserResolver) -> None:
    with pytest.raises(AmbiguousError) as several:
        users.find("С")
    assert set(several.value.choices or []) >= {"Смирнова Анна Викторовна", "Соколов Дмитрий Андреевич"}
    assert "full name" in str(several.value.hint)
    with pytest.raises(NoMatchError, match="matches nobody in Catalog_Пользователи"):
        users.find("Иванов")


def test_resolve_many_in_bulk_and_checks_references(users: UserResolver) -> None:
    before = requests(users)
    missing = "00000000-0000-4000-8000-000000000001"
    found = users.resolve(["Петров Сергей Николаевич", "Смирнова Анна Викторовна", PETROV, missing, "Иван"])
    assert found["Петров Сергей Николаевич"].ref == PETROV
    assert found["Смирнова Анна Викторовна"].ref == SMIRNOVA
    assert found[PETROV].name == "Петров Сергей Николаевич"
    assert found[missing].ref is None and "has the reference" in (found[missing].error or "")
    assert found["Иван"].ref is None
    # references in one request, exact names in one, one prefix search for the name matching nothing
    assert requests(users) - before == 3


def test_pick_user_skips_groups_and_deleted_entries_and_prefers_an_exact_name() -> None:
    rows = [Candidate("1", "Отдел продаж", folder=True), Candidate("2", "Петров", deleted=True),
            Candidate("3", "Петрова Анна"), Candidate("4", "Петров Иван")]
    assert pick_user("Петрова анна", rows, USERS).ref == "3"
    assert pick_user("Петров", rows, USERS).error == "'Петров' is marked for deletion in Catalog_Пользователи"
    several = pick_user("Петр", rows, USERS)
    assert several.ambiguous and several.choices == ("Петрова Анна", "Петров Иван")
    assert pick_user("Отдел продаж", rows, USERS).error == "'Отдел продаж' matches nobody in Catalog_Пользователи"

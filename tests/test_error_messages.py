"""What a person reads when something fails: who answered, where, and the exit code it maps to."""

from __future__ import annotations

from onec_history import errors
from onec_history.chains.walk import AmbiguousDocumentError
from onec_history.exitcodes import ExitCode, exit_code_for
from onec_history.history import AmbiguousError
from onec_history.profiles import ProfileError

URL = ("http://h/ut/odata/standard.odata/Document_%D0%A1%D0%BE%D0%B1%D1%8B%D1%82%D0%B8%D0%B5"
       "?$filter=Number%20eq%20'1'")


def test_a_status_without_a_1c_code_is_the_servers_answer() -> None:
    from_web_server = errors.NotFoundError("404 - File or directory not found", status=404, url=URL)
    assert from_web_server.explain().startswith("The server answered HTTP 404: 404 - File")
    from_1c = errors.NotFoundError("Экземпляр сущности не найден", status=404, code="9", url=URL)
    assert from_1c.explain().startswith("1C answered HTTP 404, 1C error code 9: Экземпляр")


def test_urls_are_shown_readable() -> None:
    text = errors.NotFoundError("x", status=404, url=URL).explain()
    assert "Document_Событие?$filter=Number eq '1'" in text


def test_no_match_is_ours_and_maps_to_not_found() -> None:
    exc = errors.NoMatchError("No counterparty matches 'Икс'", hint="Search first.")
    assert exc.explain() == "No counterparty matches 'Икс'. Search first."
    assert isinstance(exc, errors.NotFoundError)
    assert exit_code_for(exc) == ExitCode.NOT_PUBLISHED


def test_every_ambiguity_maps_to_11_and_lists_choices() -> None:
    exc = AmbiguousError("'Ром' matches 2 counterparties", candidates=[1, 2], choices=["А (код 1)", "Б (код 2)"],
                         hint="Give the code.")
    assert exc.explain() == "'Ром' matches 2 counterparties: А (код 1); Б (код 2). Give the code."
    assert exit_code_for(exc) == ExitCode.AMBIGUOUS
    assert exit_code_for(AmbiguousDocumentError("270", [])) == ExitCode.AMBIGUOUS


def test_profile_problems_are_configuration_not_bugs() -> None:
    assert exit_code_for(ProfileError("This base is a 'Взаимодействия' configuration")) == ExitCode.CONFIG

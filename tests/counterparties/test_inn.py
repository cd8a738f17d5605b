"""ИНН and КПП checks: formats and both check-digit algorithms."""

from __future__ import annotations

import pytest

from onec_history.counterparties.inn import inn_problem, is_valid_inn, kpp_problem, looks_like_inn, normalize_inn

# Public registry numbers of well-known organisations and a person (their check digits are right).
VALID_10 = ["7707083893", "7830002293", "7701000001", "5408106348"]
VALID_12 = ["500100732259", "773370857141"]


@pytest.mark.parametrize("inn", VALID_10 + VALID_12)
def test_valid_numbers_pass(inn: str) -> None:
    assert inn_problem(inn) is None
    assert is_valid_inn(inn)


@pytest.mark.parametrize("inn", VALID_10 + VALID_12)
def test_every_single_digit_typo_is_caught_in_the_check_digits(inn: str) -> None:
    last = int(inn[-1])
    typo = inn[:-1] + str((last + 1) % 10)
    assert "check digit" in (inn_problem(typo) or "")


def test_twelve_digit_checks_both_control_digits() -> None:
    # The 11th digit is itself a check digit: a typo there is caught even though the 12th is right.
    assert inn_problem("500100732269") is not None
    assert inn_problem("500100732259") is None


@pytest.mark.parametrize("value, fragment", [
    ("12345", "has 5 digits"),
    ("77070838931", "has 11 digits"),
    ("77O7083893", "digits only"),
    ("0007083893", "cannot begin with 00"),
    ("７７０７０８３８９３", "digits only"),  # full-width digits are not ASCII
])
def test_bad_formats(value: str, fragment: str) -> None:
    assert fragment in (inn_problem(value) or "")


def test_spaces_are_ignored_and_checksum_can_be_skipped() -> None:
    assert normalize_inn(" 77 07 083893 ") == "7707083893"
    assert inn_problem("77 07 083893") is None
    assert inn_problem("7702000002") is not None
    assert inn_problem("7702000002", checksum=False) is None


@pytest.mark.parametrize("kpp, ok", [("770101001", True), ("7701AB001", True), ("7701ab001", True),
                                     ("77010100", False), ("7701010011", False), ("77A101001", False),
                                     ("7701-1001", False)])
def test_kpp(kpp: str, ok: bool) -> None:
    assert (kpp_problem(kpp) is None) is ok


@pytest.mark.parametrize(("text", "expected"), [("7701000001", True), (" 770100000112 ", True),
                                                ("77010000011", False), ("77 01 000001", False),
                                                ("７７０１０００００１", False), ("ООО Ромашка", False), ("", False)])
def test_looks_like_inn_is_the_shape_searches_try_first(text: str, expected: bool) -> None:
    assert looks_like_inn(text) is expected

"""Russian taxpayer numbers: ИНН (10 digits for an organisation, 12 for a person) and КПП.

The check digits follow the Federal Tax Service's algorithm (order ММВ-7-6/435@ and its
predecessors): each check digit is a weighted sum of the preceding digits modulo 11, then
modulo 10. A КПП is 9 characters: 4 digits of the tax office, 2 of the reason (digits or
capital Latin letters since 2013), 3 digits of the sequence number.
"""

from __future__ import annotations

import re

__all__ = ["inn_problem", "is_valid_inn", "kpp_problem", "looks_like_inn", "normalize_inn", "normalize_kpp"]

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_INN_SHAPE = re.compile(r"^\d{10}(\d{2})?$", re.ASCII)


def looks_like_inn(text: str) -> bool:
    """10 or 12 digits: what a search takes for an ИНН before codes and names (no checksum:
    a base may hold a mistyped ИНН, and it must still be found by it)."""
    return bool(_INN_SHAPE.match(text.strip()))


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def normalize_inn(value: str) -> str:
    """Spaces (as people type «77 01 000001») removed; nothing else is changed."""
    return "".join(value.split())


def normalize_kpp(value: str) -> str:
    return "".join(value.split()).upper()


def inn_problem(value: str, *, checksum: bool = True) -> str | None:
    """Why ``value`` is not a valid ИНН, or ``None`` when it is."""
    inn = normalize_inn(value)
    if not inn.isascii() or not inn.isdigit():
        return f"ИНН {value!r} must consist of digits only"
    if len(inn) not in (10, 12):
        return f"ИНН {value!r} has {len(inn)} digits; an organisation's has 10, a person's 12"
    if inn.startswith("00"):
        return f"ИНН {value!r} cannot begin with 00 (no such region code)"
    if not checksum:
        return None
    if len(inn) == 10:
        if _check_digit(inn[:9], _W10) != int(inn[9]):
            return f"ИНН {value!r}: the check digit is wrong (a typo?)"
        return None
    if _check_digit(inn[:10], _W11) != int(inn[10]) or _check_digit(inn[:11], _W12) != int(inn[11]):
        return f"ИНН {value!r}: the check digits are wrong (a typo?)"
    return None


def is_valid_inn(value: str) -> bool:
    return inn_problem(value) is None


def kpp_problem(value: str) -> str | None:
    """Why ``value`` is not a valid КПП, or ``None`` when it is."""
    kpp = normalize_kpp(value)
    if not _KPP.match(kpp):
        return f"КПП {value!r} must be 9 characters: 4 digits, 2 digits or Latin capitals, 3 digits"
    return None

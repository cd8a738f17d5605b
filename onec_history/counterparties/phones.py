"""Phone numbers and e-mail addresses as telephony and people write them, reduced to one form.

A PBX sends ``+74951234567``, ``84951234567`` or ``74951234567``; a person types
``+7 (495) 123-45-67``, ``8 495 123 45 67`` or ``495.123.45.67 доб. 12``; 1C shows whatever the
user typed in Представление. :func:`normalize_phone` turns all of them into ``+74951234567``:

- the extension is cut off: ``доб. 123``, ``доп 12``, ``ext 12``, ``x12``, ``#12``, ``,12``, ``;12``
  at the end of the text;
- spaces, dashes, parentheses, dots and slashes are dropped;
- a Russian number of 11 digits starting with ``8`` or ``7`` (with or without ``+``) is ``+7`` and
  its 10 digits; a local number of exactly 10 digits is ``+7`` and those 10 digits;
- ``810`` in front of a longer number is the old Russian international prefix: ``+`` and the rest;
  any other number keeps its digits (and its ``+`` when written with one: ``1234567`` and
  ``+1234567`` are different numbers); fewer than 5 digits is no number at all.

Numbers are compared whole: two texts are the same number only when their normalised forms are
equal, so an unknown number never matches by a shared suffix. :func:`phone_numbers` reads the
several numbers a stored Представление may hold (``+7 495 123-45-67, +7 916 200-00-01``).
"""

from __future__ import annotations

import re

__all__ = ["normalize_email", "normalize_phone", "phone_numbers", "search_fragments"]

_EXTENSION = re.compile(
    r"(?:\s*(?:доб|доп|вн|ext|extension|x)\.?\s*[:№]?\s*|\s*[#,;]\s*|\s+\(\s*(?:доб|ext)\.?\s*)\d{1,6}\)?\s*$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s\-().\u2010-\u2015\u00a0/]+")
_SEVERAL = re.compile(r";|\s*,\s+(?=[+(\d])|\s+или\s+", re.IGNORECASE)
_MIN_DIGITS = 5


def normalize_phone(text: str) -> str | None:
    """``+`` and the digits of the number in ``text`` (its extension cut off); ``None`` when the
    text holds no number: too few digits, or letters among them."""
    body = _EXTENSION.sub("", text.strip())
    body = _SEPARATORS.sub("", body)
    plus = body.startswith("+")
    digits = body[1:] if plus else body
    if not digits.isdigit() or len(digits) < _MIN_DIGITS:
        return None
    if not plus and digits.startswith("810") and len(digits) > 11:
        return "+" + digits[3:]
    if len(digits) == 11 and digits[0] in "78" and (not plus or digits[0] == "7"):
        return "+7" + digits[1:]
    if len(digits) == 10 and not plus:
        return "+7" + digits
    return ("+" if plus else "") + digits


def phone_numbers(presentation: str) -> list[str]:
    """Every number a stored presentation holds, normalised (a short part such as ``, 12`` after a
    number is its extension, not a number of its own)."""
    found: list[str] = []
    whole = normalize_phone(presentation)
    if whole is not None:
        return [whole]
    for part in _SEVERAL.split(presentation):
        number = normalize_phone(part)
        if number is not None and number not in found:
            found.append(number)
    return found


def search_fragments(number: str) -> list[str]:
    """Texts of which at least one is in any usual spelling of ``number`` (normalised): its last
    four digits as people group them — ``4567``, ``45-67``, ``45 67``, ``45.67``, and split
    after the first digit (``4-567``, ``4 567``, as in ``12 34 567``). A narrow ``substringof``
    filter on them finds candidates; each is then compared whole."""
    tail = number[-4:]
    return [tail, f"{tail[:2]}-{tail[2:]}", f"{tail[:2]} {tail[2:]}", f"{tail[:2]}.{tail[2:]}",
            f"{tail[:1]}-{tail[1:]}", f"{tail[:1]} {tail[1:]}"]


def normalize_email(text: str) -> str | None:
    """An e-mail address trimmed and case-folded (``Info@Romashka.RU`` → ``info@romashka.ru``);
    ``None`` when the text is not one (no ``@``, blanks inside, nothing on a side of it)."""
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().strip("<>").strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in value) or "." not in domain:
        return None
    return value.casefold()

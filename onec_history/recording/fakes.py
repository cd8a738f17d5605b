"""Keyed fakes of the same shape as the original: the first pass of :class:`~.Anonymizer`."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from ..counterparties.inn import is_valid_inn
from .rules import _COMPANY_PREFIX, _COMPANY_SUFFIX, _EMAIL, _PERSON_PREFIX, _PHONE

__all__ = ["Fakes"]

_RU_VOWELS, _RU_CONSONANTS = "аеиоуыэюя", "бвгджзклмнпрстфхцчш"
_LAT_VOWELS, _LAT_CONSONANTS = "aeiou", "bcdfghklmnprstvz"
_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _fake_char(ch: str, byte: int) -> str:
    if "0" <= ch <= "9":
        return str(byte % 10)
    low = ch.lower()
    if low in _RU_VOWELS or low == "ё":
        pool = _RU_VOWELS
    elif "а" <= low <= "я":
        pool = _RU_CONSONANTS
    elif low in _LAT_VOWELS or low == "y":
        pool = _LAT_VOWELS
    elif "a" <= low <= "z":
        pool = _LAT_CONSONANTS
    elif ch.isalpha():
        pool = _RU_CONSONANTS
    else:
        return ch
    fake = pool[byte % len(pool)]
    return fake.upper() if ch.isupper() else fake


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


class Fakes:
    """The fakes of one recording: the same original always gets the same fake (keyed by ``key``)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(16)
        self.replaced: dict[str, str] = {}
        self.kept: set[str] = set()
        self._pattern_key: tuple[int, str] | None = None
        self._pattern: re.Pattern[str] | None = None

    def _stream(self, value: str, n: int) -> bytes:
        out, block, data = b"", 0, value.encode("utf-8")
        while len(out) < n:
            out += hmac.new(self._key, block.to_bytes(4, "big") + data, hashlib.sha256).digest()
            block += 1
        return out

    def _scrambled(self, value: str, keep_prefix: int = 0, keep_suffix: int = 0) -> str:
        stream = self._stream(value, len(value))
        end = len(value) - keep_suffix
        return "".join(ch if i < keep_prefix or i >= end else _fake_char(ch, stream[i]) for i, ch in enumerate(value))

    def _keep(self, original: str, fake: str) -> str:
        self.replaced.setdefault(original, fake)
        return self.replaced[original]

    def digits(self, value: str) -> str:
        """A number of a person or an organisation (ИНН, КПП, phone): digits for digits, same length;
        a valid ИНН stays valid (its check digits are recomputed)."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        core = value.strip()
        fake = self._scrambled(value)
        if core.isdigit() and len(core) in (10, 12):
            body = self._scrambled(core)
            if body[0] == "0":
                body = str(1 + int(body[1]) % 9) + body[1:]
            if is_valid_inn(core):
                if len(core) == 10:
                    body = body[:9] + _check_digit(body[:9], _W10)
                else:
                    body = body[:10] + _check_digit(body[:10], _W11)
                    body = body + _check_digit(body, _W12)
            fake = value.replace(core, body)
        return self._keep(value, fake)

    def text(self, value: str) -> str:
        """Free text: every letter and digit replaced, spaces, punctuation and length kept."""
        if not value.strip():
            return value
        return self.replaced.get(value) or self._keep(value, self._scrambled(value))

    def person(self, value: str) -> str:
        """A person's name; «ИП» / «Индивидуальный предприниматель» in front is kept."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        m = _PERSON_PREFIX.match(value)
        return self._keep(value, self._scrambled(value, keep_prefix=m.end() if m else 0))

    def company(self, value: str) -> str:
        """A legal entity's name: the legal form in front («ООО», «АО», …) or behind («LLC») is kept."""
        if not value.strip():
            return value
        if value in self.replaced:
            return self.replaced[value]
        m = _COMPANY_PREFIX.match(value)
        s = _COMPANY_SUFFIX.search(value)
        prefix = m.end() if m else 0
        suffix = len(value) - s.start() if s and s.start() > prefix else 0
        return self._keep(value, self._scrambled(value, keep_prefix=prefix, keep_suffix=suffix))

    def free(self, value: str) -> str:
        """E-mails and phone numbers inside any other text."""
        value = _EMAIL.sub(lambda m: self.text(m.group(0)), value)
        return _PHONE.sub(lambda m: self.digits(m.group(0)), value)

    def _kept(self, value: str) -> str:
        if value in self.replaced:  # the same text was personal elsewhere: replaced everywhere
            return self.replaced[value]
        self.kept.add(value)
        return value

    def originals(self) -> re.Pattern[str] | None:
        """The replaced values worth looking for inside other texts (five characters or more, a letter)."""
        originals = sorted((o for o in self.replaced if len(o.strip()) >= 5 and any(c.isalpha() for c in o)),
                           key=len, reverse=True)
        if not originals:
            return None
        key = (len(originals), originals[0])
        if self._pattern_key != key or self._pattern is None:
            self._pattern_key = key
            self._pattern = re.compile("|".join(re.escape(o) for o in originals))
        return self._pattern

    def rewrite(self, text: str) -> str:
        """A value as the recording knows it: its fake when it was replaced, else itself."""
        return self.replaced.get(text, text)

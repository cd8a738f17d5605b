"""What a person means by a counterparty "spec": a reference, an ИНН, a code or a name.

The one classifier of that text, used by :meth:`CounterpartySearch.find
<onec_history.counterparties.search.CounterpartySearch.find>` (one client, the CLI) and by the
bulk resolver of the batch create (:mod:`onec_history.create.resolve`). A spec may say what it
is (``inn:7701000001``, ``code:00-000015``, ``name:Ромашка``, ``ref:…``); otherwise its shape
decides which lookups are tried, in order:

- a GUID: the reference;
- 10 or 12 digits: the ИНН, then the code, then the name;
- up to 11 characters without a space and with a digit (``00-000015``, ``ЦБ000123``): the code,
  then the name;
- anything else: the exact name, then names beginning with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..models import is_guid
from .inn import looks_like_inn

__all__ = ["PREFIXES", "Spec", "Stage", "looks_like_code"]

Stage = Literal["ref", "inn", "code", "name", "prefix"]
PREFIXES = ("ref", "inn", "code", "name")
_EXPLICIT: dict[str, tuple[Stage, ...]] = {"ref": ("ref",), "inn": ("inn",), "code": ("code",),
                                           "name": ("name", "prefix")}


def looks_like_code(text: str) -> bool:
    """A catalogue code as 1C numbers them: short, one word, with digits."""
    return len(text) <= 11 and " " not in text and any(ch.isdigit() for ch in text)


@dataclass(frozen=True)
class Spec:
    """A counterparty spec: its text (the prefix removed) and the lookups to try, in order."""

    raw: str
    text: str
    stages: tuple[Stage, ...]
    explicit: bool = False  # the spec said what it is (``inn:…``)

    @classmethod
    def parse(cls, raw: str) -> Spec:
        head, sep, rest = raw.partition(":")
        prefix = head.strip().lower()
        if sep and prefix in PREFIXES and not is_guid(raw):
            text = rest.strip()
            return cls(raw, text, _EXPLICIT[prefix], explicit=True)
        text = raw.strip()
        if is_guid(text):
            return cls(raw, text, ("ref",))
        if looks_like_inn(text):
            return cls(raw, text, ("inn", "code", "name"))
        return cls(raw, text, ("code", "name", "prefix") if looks_like_code(text) else ("name", "prefix"))

    @property
    def problem(self) -> str | None:
        """Why the spec cannot name anyone (an explicit ``ref:`` that is no GUID, an empty text)."""
        if not self.text:
            return f"{self.raw!r} names nothing"
        if self.stages == ("ref",) and not is_guid(self.text):
            return f"{self.text!r} is not a reference (GUID)"
        return None

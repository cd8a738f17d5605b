"""Request targets rewritten to the fakes: the string literals of a ``$filter``."""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..query import encode
from .fakes import Fakes
from .rules import _FIELD_AFTER, _FIELD_BEFORE, _GUID, _LITERAL, _TYPE_NAME, target_set

__all__ = ["FilterRewriter"]


class FilterRewriter(Fakes):
    """Rewrites the filters of requests so that they ask for the fakes the answers now hold."""

    safe_filter_fields: set[str]  # fields whose values are never personal (enums, keys)

    def literal(self, set_name: str, field: str | None, text: str) -> str:
        """A string literal of a filter on ``field`` of ``set_name``, as the recording must hold it."""
        core = text.rstrip("%")
        wildcard = text[len(core):]
        if not core.strip():
            return text
        if core in self.replaced:
            return self.replaced[core] + wildcard
        if _TYPE_NAME.match(core) or _GUID.fullmatch(core.strip()):
            return text
        name = field.split("/")[-1] if field else None
        if name is not None and (name in self.safe_filter_fields or name.endswith(("_Key", "_Type"))):
            return text
        if core in self.kept:
            return text
        span = self._span(core)
        if span is not None:
            return span + wildcard
        return self.text(core) + wildcard

    def _span(self, text: str) -> str | None:
        """The fake of ``text`` when it is a part of replaced values that all fake it alike."""
        folded = text.casefold()
        found: set[str] = set()
        for original, fake in self.replaced.items():
            if len(original) != len(fake):
                continue
            start = original.casefold().find(folded)
            while start >= 0:
                part = fake[start:start + len(text)]
                found.add("".join(f.upper() if t.isupper() else f.lower() for f, t in zip(part, text, strict=True)))
                start = original.casefold().find(folded, start + 1)
            if len(found) > 1:
                return None
        for kept in self.kept:
            if folded in kept.casefold():
                return None
        return found.pop() if len(found) == 1 else None

    def filter_text(self, set_name: str, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            prefix, raw = m.group(1), m.group(2)
            if prefix:  # guid'…', datetime'…', X'…'
                return m.group(0)
            before = _FIELD_BEFORE.search(text[:m.start()])
            after = _FIELD_AFTER.match(text[m.end():]) if text[:m.start()].rstrip().endswith("substringof(") else None
            field = (before.group(1) or before.group(2)) if before else after.group(1) if after else None
            fake = self.literal(set_name, field, raw.replace("''", "'"))
            return "'" + fake.replace("'", "''") + "'"

        return _LITERAL.sub(one, text)

    def target(self, target: str) -> str:
        """Rewrite personal values inside the query string, keeping 1C's encoding."""
        path, sep, query = target.partition("?")
        if not sep:
            return target
        set_name = target_set(target)
        parts = []
        for item in query.split("&"):
            key, eq, value = item.partition("=")
            if eq and unquote(key) == "$filter":
                text = unquote(value, encoding="utf-8")
                fake = self.filter_text(set_name, text)
                parts.append(f"{key}={encode(fake)}" if fake != text else item)
            else:
                parts.append(item)
        return f"{path}?{'&'.join(parts)}"


"""``onec-history record``: save a base's answers, with personal data replaced, for tests and replay.

A recording is a directory:

- ``metadata.xml`` — the base's ``$metadata`` as it came;
- ``exchanges.jsonl`` — one line per request: ``method``, ``target`` (path and query string
  relative to the service root, exactly as sent), ``status``, ``content_type``, ``body`` (text) and
  ``request_body``;
- ``manifest.json`` — what was recorded, when, from which family (never the host or the user).

ИНН, КПП, phone numbers, e-mail addresses, people's names (the Description of users, employees and
contact persons) and free-text fields (comments, event bodies, contact information) are replaced by
fakes. The same value always gets the same fake within a recording, so references and filters still
agree (a filter on a replaced ИНН is rewritten to the fake ИНН as well).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import __version__
from .errors import ConfigError, OnecError
from .query import encode
from .transport import Exchange

__all__ = ["Anonymizer", "Recorded", "Recorder", "load_recording", "save_recording"]

# Which properties hold personal data. Names are 1C's own, in every family: this is data about
# data (what to hide), not a mapping of logical fields.
DIGIT_FIELDS = frozenset({"ИНН", "КПП", "ОГРН", "КодПоОКПО", "НомерТелефона", "СтраховойНомерПФР"})
TEXT_FIELDS = frozenset({"Комментарий", "СодержаниеСобытия", "Содержание", "Представление", "ЗначенияПолей",
                         "АдресЭП", "Телефон", "Адрес", "НаименованиеПолное", "КонтактнаяИнформация"})
PEOPLE_SETS = ("Catalog_Пользователи", "Catalog_Сотрудники", "Catalog_КонтактныеЛица",
               "Catalog_КонтактныеЛицаКонтрагентов", "Catalog_ФизическиеЛица")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}")
_FIRST = ("Алексей", "Мария", "Иван", "Ольга", "Дмитрий", "Елена", "Павел", "Анна")
_LAST = ("Орлов", "Соколова", "Волков", "Лебедева", "Морозов", "Новикова", "Зайцев", "Павлова")


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    status: int
    content_type: str
    body: str
    request_body: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "target": self.target, "status": self.status,
                "content_type": self.content_type, "body": self.body, "request_body": self.request_body}


class Recorder:
    """Collects a transport's exchanges (attach with ``transport.observers.append(recorder)``)."""

    def __init__(self) -> None:
        self.items: list[Recorded] = []
        self.metadata: bytes | None = None

    def __call__(self, ex: Exchange) -> None:
        resp = ex.response
        if ex.target.split("?")[0] == "$metadata":
            self.metadata = resp.content
            return
        self.items.append(Recorded(
            ex.method, ex.target, resp.status, resp.headers.get("Content-Type", ""),
            resp.content.decode("utf-8", errors="replace"),
            ex.request_body.decode("utf-8", errors="replace") if ex.request_body else None,
        ))


class Anonymizer:
    """Replaces personal data by stable fakes (keyed by a secret that is not stored)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(16)
        self.replaced: dict[str, str] = {}

    def _digest(self, value: str) -> bytes:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).digest()

    def digits(self, value: str) -> str:
        if not value.strip() or not any(ch.isdigit() for ch in value):
            return value
        d = self._digest(value)
        fake = "".join(str(d[i % len(d)] % 10) if ch.isdigit() else ch for i, ch in enumerate(value))
        return self._keep(value, fake)

    def text(self, value: str) -> str:
        if not value.strip():
            return value
        return self._keep(value, f"Текст {self._digest(value).hex()[:8]}")

    def person(self, value: str) -> str:
        if not value.strip():
            return value
        d = self._digest(value)
        return self._keep(value, f"{_LAST[d[0] % len(_LAST)]} {_FIRST[d[1] % len(_FIRST)]} {d.hex()[:4]}")

    def _keep(self, original: str, fake: str) -> str:
        self.replaced.setdefault(original, fake)
        return self.replaced[original]

    def free(self, value: str) -> str:
        """E-mails and phone numbers inside any text."""
        value = _EMAIL.sub(lambda m: self._keep(m.group(0), f"user{self._digest(m.group(0)).hex()[:6]}@example.com"),
                           value)
        return _PHONE.sub(lambda m: self.digits(m.group(0)), value)

    def value(self, key: str, value: Any, *, people: bool) -> Any:
        if isinstance(value, list):
            return [self.row(v, people=people) if isinstance(v, dict) else v for v in value]
        if isinstance(value, dict):
            return self.row(value, people=people)
        if not isinstance(value, str):
            return value
        if key in DIGIT_FIELDS:
            return self.digits(value)
        if key in TEXT_FIELDS:
            return self.text(value)
        if people and key == "Description":
            return self.person(value)
        return self.free(value)

    def row(self, row: Mapping[str, Any], *, people: bool) -> dict[str, Any]:
        return {k: self.value(k, v, people=people) for k, v in row.items()}

    def body(self, target: str, body: str) -> str:
        if not body.lstrip().startswith("{"):
            return body
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        people = unquote(target.split("?")[0]).split("(")[0] in PEOPLE_SETS
        return json.dumps(self.row(doc, people=people), ensure_ascii=False)

    def target(self, target: str) -> str:
        """Rewrite replaced values inside the query string, keeping 1C's encoding."""
        path, sep, query = target.partition("?")
        if not sep:
            return target
        parts = []
        for item in query.split("&"):
            key, eq, value = item.partition("=")
            text = unquote(value, encoding="utf-8")
            for original in sorted(self.replaced, key=len, reverse=True):
                if original and f"'{original.replace(chr(39), chr(39) * 2)}'" in text:
                    fake = self.replaced[original].replace("'", "''")
                    text = text.replace(f"'{original.replace(chr(39), chr(39) * 2)}'", f"'{fake}'")
            parts.append(f"{key}{eq}{encode(text)}" if eq else key)
        return f"{path}?{'&'.join(parts)}"


def save_recording(recorder: Recorder, out: Path, *, family: str, anonymizer: Anonymizer | None = None) -> int:
    """Write ``recorder`` to ``out`` with personal data replaced; returns the number of exchanges."""
    if recorder.metadata is None:
        raise OnecError("Nothing was recorded: $metadata was never fetched")
    anon = anonymizer or Anonymizer()
    bodies = [anon.body(item.target, item.body) for item in recorder.items]
    out.mkdir(parents=True, exist_ok=True)
    (out / "metadata.xml").write_bytes(recorder.metadata)
    tmp = out / "exchanges.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        for item, body in zip(recorder.items, bodies, strict=True):
            request_body = anon.body(item.target, item.request_body) if item.request_body else None
            rec = Recorded(item.method, anon.target(item.target), item.status, item.content_type, body, request_body)
            fh.write(json.dumps(rec.as_dict(), ensure_ascii=False) + "\n")
    os.replace(tmp, out / "exchanges.jsonl")
    manifest = {"tool": f"onec-history {__version__}", "recorded_at": datetime.now().replace(microsecond=0).isoformat(),
                "family": family, "exchanges": len(recorder.items), "anonymized": sorted(DIGIT_FIELDS | TEXT_FIELDS)}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(recorder.items)


def load_recording(directory: Path) -> tuple[bytes, list[Recorded]]:
    """The ``$metadata`` bytes and the exchanges of a recording directory."""
    try:
        metadata = (directory / "metadata.xml").read_bytes()
        lines = (directory / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{directory} is not a recording ({exc.strerror}: {exc.filename})") from None
    return metadata, list(_parse(lines))


def _parse(lines: Iterable[str]) -> Iterator[Recorded]:
    for line in lines:
        if line.strip():
            d = json.loads(line)
            yield Recorded(d["method"], d["target"], int(d["status"]), d["content_type"], d["body"],
                           d.get("request_body"))


def record_scenario(history: Any, client_spec: str | None = None, *, events_limit: int = 100) -> list[str]:
    """Make the queries onec-history makes for its everyday commands; returns what was done.

    ``history`` is an :class:`onec_history.history.History` (typed loosely to keep this module free of
    the read side's imports).
    """
    from .history import EventFilter

    done: list[str] = []
    history.client.metadata(refresh=True)
    done.append(f"$metadata: {history.profile.describe()}")
    history.state_lookup()
    if client_spec:
        cp = history.find_counterparty(client_spec)
    else:
        first = next(iter(history.search_counterparties(buyers_only=True, limit=1)), None)
        if first is None:
            raise OnecError("The base has no buyers to record a client card of; name one with --client")
        cp = first
    done.append(f"client: {cp.name}")
    found = list(history.search_counterparties(cp.name.split()[-1][:3], limit=20))
    done.append(f"search '{cp.name.split()[-1][:3]}': {len(found)} counterparties")
    card = list(history.events(EventFilter(counterparty=cp.ref), limit=events_limit))
    done.append(f"client card: {len(card)} events")
    recent = list(history.events(limit=events_limit))
    done.append(f"recent events: {len(recent)}")
    if card:
        history.get_event(card[0].ref)
        done.append("one event in full")
    return done

"""The OData client: paging reads, counts, validated writes, posting.

``iterate`` is the primary API — a lazy generator; a list is ``list(client.iterate(...))``.
1C never sends ``odata.nextLink``, so the client pages itself with ``$top``/``$skip`` and a
stable ``$orderby`` that always ends with the key (odata-1c.md §1).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import errors, paging
from .bodies import validate_object
from .metadata import EntitySet, Metadata, parse_metadata
from .metadata_cache import MetadataCache
from .query import DEFAULT_BUDGET, Filter, Query, encode, eq, guid, or_, split_or
from .transport import Transport, base_key, not_odata_error, server_text

__all__ = ["Client", "entity_path"]

log = logging.getLogger("onec_history.client")

_SERVICE_ROOT = "odata/standard.odata/"  # under a 1C web publication's root

_SEEK_ROOM = 120  # bytes: "and Date ge datetime'…' and Date lt datetime'…'", percent-encoded

KEYS_PER_REQUEST = 20
"""A ``$select`` that leaves room for fewer keys than this is widened: see ``key_queries``."""



def entity_path(entity_set: str, key: uuid.UUID | str) -> str:
    return f"{entity_set}({guid(key)})"


class Client:
    """Reads and writes one 1C base through a :class:`Transport`."""

    def __init__(
        self,
        transport: Transport,
        *,
        page_size: int = 1000,
        metadata_cache: MetadataCache | None = None,
        metadata_ttl: float = 86400.0,
        lengths: Mapping[str, Mapping[str, int]] | None = None,
        cache_key: str | None = None,
        allowed_only: bool = False,
        budget: int = DEFAULT_BUDGET,
    ) -> None:
        self.transport = transport
        self.page_size = page_size
        # Under record-level security a query touching a forbidden row fails with code 20;
        # allowedOnly=true makes 1C return only the rows the user may see (odata-1c.md §2).
        self.allowed_only = allowed_only
        self.budget = budget
        self._cache = metadata_cache
        self._ttl = metadata_ttl
        self._metadata: Metadata | None = None
        # The base's identity (transport.base_key): the metadata cache and every other per-base store key on it.
        self.key = base_key(cache_key or transport.safe_base_url, None if cache_key else transport.user)
        self.lengths: dict[str, dict[str, int]] = {k: dict(v) for k, v in (lengths or {}).items()}

    @property
    def metadata_cache(self) -> MetadataCache | None:
        return self._cache

    def add_lengths(self, lengths: Mapping[str, Mapping[str, int]]) -> None:
        """Learn string lengths 1C does not publish; a length already known (from settings) wins."""
        for set_name, props in lengths.items():
            known = self.lengths.setdefault(set_name, {})
            known.update({k: v for k, v in props.items() if k not in known})

    # -- metadata -------------------------------------------------------------------------------
    def fetch_metadata_bytes(self) -> bytes:
        try:
            resp = self.transport.get_bytes("$metadata")
        except errors.NotFoundError as exc:
            root = self.service_root_under()
            if root is None:
                raise
            raise errors.NotFoundError(f"{self.transport.safe_base_url} is not the OData service root",
                                       status=exc.status, url=exc.url,
                                       hint=f"Did you mean {root}? Set --url/ONEC_URL to it.") from None
        if "xml" not in resp.content_type:
            raise not_odata_error(resp, "the $metadata XML document")
        return resp.content

    def service_root_under(self) -> str | None:
        """The standard OData root below this URL when the URL is a publication's root
        (``http://host/base``, the address admins know); ``None`` when there is none or it is one."""
        if self.transport.safe_base_url.rstrip("/").endswith("odata/standard.odata"):
            return None
        try:
            resp = self.transport.get_bytes(f"{_SERVICE_ROOT}$metadata")
        except errors.OnecError:
            return None
        if "xml" not in resp.content_type or b"EntityContainer" not in resp.content[:200_000]:
            return None
        return self.transport.safe_base_url.rstrip("/") + "/" + _SERVICE_ROOT

    def metadata(self, *, refresh: bool = False) -> Metadata:
        """The parsed ``$metadata``, cached on disk per base (it can be 15 MB and take 20 s)."""
        if self._metadata is not None and not refresh:
            return self._metadata
        if self._cache is None:
            self._metadata = parse_metadata(self.fetch_metadata_bytes())
        else:
            self._metadata = self._cache.load(
                self.key, self.fetch_metadata_bytes, ttl=self._ttl, refresh=refresh
            )
        return self._metadata

    def entity_set(self, name: str) -> EntitySet:
        return self.metadata().get(name)

    # -- reads ----------------------------------------------------------------------------------
    def stable_order(self, entity_set: str, orderby: tuple[str, ...]) -> tuple[str, ...]:
        """``orderby`` extended with the set's key so that pages never overlap or skip rows."""
        key = self.entity_set(entity_set).key or ("Ref_Key",)
        named = {item.split()[0] for item in orderby}
        return orderby + tuple(k for k in key if k not in named)

    def within_budget(self, entity_set: str, q: Query, *, room: int = 0) -> Query:
        """``q``, or ``q`` with a wider ``$select`` when the URL would pass the length budget.

        Cyrillic names cost 12 bytes a letter once encoded: a typical event ``$select`` is
        1.3 KB by itself, and IIS answers an HTML 404 past 2,048 bytes (odata-1c.md §2). Asking
        for all properties is heavier on the wire but always fits; a filter that still does not
        fit is a bug of the caller, reported before anything is sent. ``room`` keeps that many
        bytes free for conditions the caller will add (a chunk of keys from ``split_or``).
        """
        probe = replace(q, top=self.page_size, skip=10**9)
        if len(probe.render()) + room <= self.budget:  # IIS limits the query string (maxQueryString)
            return q
        if q.select and q.select not in (("*",), ("**",)):
            sections = self.entity_set(entity_set).tabular_sections
            wide = replace(q, select=("*",) if any(s in sections for s in q.select) else ("**",))
            log.info("$select of %s is too long for one URL; asking for all properties instead", entity_set)
            return self.within_budget(entity_set, wide, room=room)
        raise errors.QueryError(
            f"The query on {entity_set} is longer than {self.budget} bytes even without a $select",
            hint="Split the filter (query.split_or) into several requests.",
        )

    def key_queries(self, entity_set: str, terms: Sequence[Filter], query: Query | None = None) -> list[Query]:
        """Queries that together ask for the rows matching any of ``terms`` (and ``query``'s filter).

        1C has no ``in``: many keys become ``a or b or …`` groups, as many per URL as the budget
        takes, measured on the page query :meth:`pages` sends (worst-case ``$top``/``$skip``
        digits, the ``and`` with the rest of the filter). The one ``$select`` policy: a select
        that leaves room for fewer than :data:`KEYS_PER_REQUEST` keys is widened to all
        properties by :meth:`within_budget` — heavier rows, far fewer requests — whatever the
        number of keys asked, so one kind of question always has one URL shape. No I/O beyond
        ``$metadata``.
        """
        if not terms:
            return []
        base, overhead = self._shaped_for_keys(entity_set, terms, query)
        return [base.where(group) for group in split_or(terms, budget=self.budget, overhead=overhead)]

    def _shaped_for_keys(self, entity_set: str, terms: Sequence[Filter],
                         query: Query | None) -> tuple[Query, int]:
        """``query`` with its ``$select`` fitted for key groups, and the bytes it takes besides them."""
        base = query or Query()
        base = replace(base, orderby=self.stable_order(entity_set, base.orderby),
                       allowed_only=base.allowed_only or self.allowed_only)
        widest = max(len(encode(t._wrapped("or") + " or ")) for t in terms)
        # the date bounds pages() adds to each request of a group walked by date
        wrap = self._group_overhead(base, terms[0]) + (
            _SEEK_ROOM if paging.seek_of(self.entity_set(entity_set), base) is not None else 0)
        try:
            base = self.within_budget(entity_set, base, room=wrap + widest * KEYS_PER_REQUEST)
        except errors.QueryError:
            base = self.within_budget(entity_set, base, room=wrap + widest)
        return base, len(replace(base, top=10**9, skip=10**9).render()) + wrap

    def keys_per_request(self, entity_set: str, sample: Filter, query: Query | None = None) -> int:
        """How many terms like ``sample`` share one request of :meth:`key_queries` (no I/O)."""
        _, overhead = self._shaped_for_keys(entity_set, [sample] * KEYS_PER_REQUEST, query)
        return max(1, (self.budget - overhead + len(encode(" or "))) // len(encode(sample._wrapped("or") + " or ")))

    @staticmethod
    def _group_overhead(base: Query, sample: Filter) -> int:
        """Bytes a group of terms adds to ``base``'s query string (its own filter included) beyond
        the terms themselves: ``&$filter=`` or `` and (…)``."""
        group = or_(sample, sample)
        with_group = len(replace(base, top=None, skip=None).where(group).render())
        without = len(replace(base, top=None, skip=None).render())
        return with_group - without - len(encode(group.text))

    def requests_for(self, entity_set: str, terms: Sequence[Filter], query: Query | None = None) -> int:
        """How many requests :meth:`iter_any` needs for ``terms`` (at least one per group; no I/O)."""
        return len(self.key_queries(entity_set, terms, query))

    def iter_any(self, entity_set: str, terms: Sequence[Filter], query: Query | None = None, *,
                 page_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Pages of the rows matching any of ``terms`` (and ``query``), group after group."""
        for group in self.key_queries(entity_set, terms, query):
            yield from self.pages(entity_set, group, page_size=page_size)

    def iter_by(self, entity_set: str, prop: str, values: Iterable[Any], *, select: tuple[str, ...] = (),
                where: Filter | None = None, orderby: tuple[str, ...] = (),
                page_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Pages of the rows whose ``prop`` equals one of ``values`` (typed: ``uuid.UUID`` for a
        reference), under the URL budget; see :meth:`key_queries`."""
        terms = [eq(prop, v) for v in values]
        yield from self.iter_any(entity_set, terms, Query(filter=where, select=select, orderby=orderby),
                                 page_size=page_size)

    def pages(
        self, entity_set: str, query: Query | None = None, *, page_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of rows; stops on a short page, never relies on ``nextLink``.

        A pass ordered by a date first (a document set without an order of the caller's is ordered
        by its ``Date``) walks by that date instead of ``$skip`` (:mod:`onec_history.paging`):
        every page costs 1C the same at any depth, and no row is read twice or lost when rows
        are inserted or deleted meanwhile. Other orders page with ``$top``/``$skip``.
        """
        q = query or Query()
        size = page_size or self.page_size
        es = self.entity_set(entity_set)
        orderby = q.orderby or (() if q.skip else paging.date_order(es) or ())
        q = replace(q, orderby=self.stable_order(entity_set, orderby),
                    allowed_only=q.allowed_only or self.allowed_only)
        seek = paging.seek_of(es, q)
        if seek is not None:
            try:  # the date conditions a walk by date adds to each request (two datetime literals)
                q = self.within_budget(entity_set, q, room=_SEEK_ROOM)
            except errors.QueryError:  # a filter that fills the URL (a caller's own group of keys): by $skip
                seek = None
        if seek is None:
            q = self.within_budget(entity_set, q)
        else:
            url = self.transport.url_for(entity_set)

            def fetch(page_q: Query) -> list[dict[str, Any]]:
                return _rows(self.transport.get_json(entity_set, page_q.render()), url)

            yield from paging.pages_by_date(fetch, q, seek, size)
            return
        limit = q.top
        offset = q.skip or 0
        taken = 0
        while limit is None or taken < limit:
            want = size if limit is None else min(size, limit - taken)
            page_q = replace(q, top=want, skip=offset)
            doc = self.transport.get_json(entity_set, page_q.render())
            rows = _rows(doc, self.transport.url_for(entity_set))
            if rows:
                yield rows
            taken += len(rows)
            offset += len(rows)
            if len(rows) < want:
                return

    def iterate(
        self, entity_set: str, query: Query | None = None, *, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        for page in self.pages(entity_set, query, page_size=page_size):
            yield from page

    def count(self, entity_set: str, where: Filter | None = None) -> int:
        """``Set/$count`` — never ``$inlinecount``, which makes 1C ignore ``$top``/``$skip``."""
        query = Query(filter=where, allowed_only=self.allowed_only).render(json=False)
        resp = self.transport.get_bytes(f"{entity_set}/$count", query)
        text = resp.text().strip()
        if not text.isdigit():
            raise not_odata_error(resp, "a plain-text count")
        return int(text)

    def get(self, entity_set: str, key: uuid.UUID | str, *, select: tuple[str, ...] = ()) -> dict[str, Any]:
        path = entity_path(entity_set, key)
        doc = self.transport.get_json(path, Query(select=select).render())
        if not isinstance(doc, dict):
            raise _wrong_shape(f"Expected one object from 1C, got {_describe_json(doc)}",
                               self.transport.url_for(path))
        return doc

    def find(self, entity_set: str, key: uuid.UUID | str, *, select: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """Like :meth:`get`, but ``None`` when the object does not exist."""
        try:
            return self.get(entity_set, key, select=select)
        except errors.NotFoundError as exc:
            if exc.code in ("9", None):
                return None
            raise

    # -- writes ---------------------------------------------------------------------------------
    def validate(self, entity_set: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Check a write against ``$metadata`` and known lengths; return the JSON-ready body.

        1C silently drops unknown properties and truncates long strings (odata-1c.md §4), so
        both are errors here, naming the property.
        """
        es = self.entity_set(entity_set)
        return validate_object(es, body, self.lengths.get(entity_set, {}), self.lengths, entity_set)

    def create(self, entity_set: str, body: Mapping[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        """POST a new object. ``idempotent`` only when the body carries a ``Ref_Key`` 1C honours."""
        payload = self.validate(entity_set, body)
        resp = self.transport.request(
            "POST",
            entity_set,
            query=Query().render(),
            body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            idempotent=idempotent,
        )
        result = resp.json()
        if not isinstance(result, dict):
            raise _wrong_shape(f"Expected the created object from 1C, got {_describe_json(result)}", resp.url)
        return result

    def patch(
        self,
        entity_set: str,
        key: uuid.UUID | str,
        changes: Mapping[str, Any],
        *,
        data_version: str | None = None,
    ) -> dict[str, Any]:
        """PATCH only ``changes``. With ``data_version``, refuse when the object changed since.

        1C documents ``If-Match`` but live bases were seen ignoring it, so the version is also
        compared here before writing (odata-1c.md §4).
        """
        payload = self.validate(entity_set, changes)
        headers: dict[str, str] = {}
        if data_version is not None:
            current = self.get(entity_set, key, select=("Ref_Key", "DataVersion")).get("DataVersion")
            if current != data_version:
                raise errors.ConflictError(
                    f"{entity_set}({key}) was changed in 1C after it was read "
                    f"(DataVersion {data_version} → {current})",
                    status=412,
                    url=self.transport.url_for(entity_path(entity_set, key)),
                )
            headers["If-Match"] = data_version
        resp = self.transport.request(
            "PATCH",
            entity_path(entity_set, key),
            query=Query().render(),
            body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers=headers,
            idempotent=True,
        )
        if resp.status == 204 or not resp.content:
            return self.get(entity_set, key)
        result = resp.json()
        return result if isinstance(result, dict) else self.get(entity_set, key)

    def post_document(self, entity_set: str, key: uuid.UUID | str, *, operational: bool = False) -> None:
        """Post a document; 1C's own message comes back as :class:`BusinessError`."""
        query = f"PostingModeOperational={'true' if operational else 'false'}&{Query().render()}"
        self.transport.request("POST", f"{entity_path(entity_set, key)}/Post", query=query, idempotent=True)

    def unpost_document(self, entity_set: str, key: uuid.UUID | str) -> None:
        self.transport.request(
            "POST", f"{entity_path(entity_set, key)}/Unpost", query=Query().render(), idempotent=True
        )

    def mark_deleted(self, entity_set: str, key: uuid.UUID | str, *, mark: bool = True) -> dict[str, Any]:
        """Set the deletion mark — never a physical DELETE."""
        return self.patch(entity_set, key, {"DeletionMark": mark})


def _rows(doc: Any, url: str) -> list[dict[str, Any]]:
    """The rows of a collection answer, every one an object; else what was found instead, named."""
    if not isinstance(doc, dict):
        raise _wrong_shape(f"Expected a collection ({{'value': [...]}}) from 1C, got {_describe_json(doc)}", url)
    if "value" not in doc:
        keys = ", ".join(server_text(str(k), 40) for k in list(doc)[:8]) + (", …" if len(doc) > 8 else "")
        raise _wrong_shape("Expected a collection ({'value': [...]}) from 1C, got an object without 'value'"
                           f" (keys: {keys or 'none'})", url)
    rows = doc["value"]
    if not isinstance(rows, list):
        raise _wrong_shape("Expected a collection ({'value': [...]}) from 1C, got an object whose 'value' is "
                           f"{_describe_json(rows)}", url)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise _wrong_shape(f"Expected rows that are objects from 1C, but row {number} of the page is "
                               f"{_describe_json(row)}", url)
    return rows


def _describe_json(value: Any) -> str:
    """A JSON value in a few words, for a message: its kind and a short, printable sample."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"a number ({server_text(repr(value), 40)})"
    if isinstance(value, str):
        return f"a string ({server_text(value, 60)!r})"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - JSON has no other kinds


def _wrong_shape(message: str, url: str) -> errors.ResponseError:
    return errors.ResponseError(
        message, url=url,
        hint="The answer is JSON but not the shape 1C's standard OData interface sends; a proxy or an HTTP "
             "service in front of the publication may be answering. Check the URL (it ends in "
             "/odata/standard.odata/); run with -vv to see the request.",
    )

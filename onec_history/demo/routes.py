"""URL routing of the demo server: which resource a path names, and which answer it gets.

Routing knows the server only through the two small protocols below (server.py's DemoServer and
its request handler fit them), so imports go one way: server → routes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any, Protocol
from urllib.parse import quote

from onec_history.demo import render
from onec_history.demo.fault import ODataFault
from onec_history.demo.schema import Table
from onec_history.demo.service import Query, Service, parse_key
from onec_history.demo.store import Row, Store

_RESOURCE = re.compile(r"([^/(]+)(?:\(([^)]*)\))?(?:/(.*))?")


class DemoApp(Protocol):
    """What routing needs of the demo server: its service root, its base and the cached ``$metadata``."""

    @property
    def url(self) -> str: ...

    @property
    def store(self) -> Store: ...

    @property
    def service(self) -> Service: ...

    def edmx(self) -> bytes: ...

    def ignores_client_key(self) -> bool:
        """Whether this create drops the client-chosen ``Ref_Key`` (the ``keys`` fault)."""
        ...


class Handler(Protocol):
    """One HTTP request being served: its headers, and the way to answer it."""

    @property
    def headers(self) -> Message: ...

    def send(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> None: ...


@dataclass
class Request:
    app: DemoApp
    handler: Handler
    method: str
    rest: str  # the path after the service root, percent-decoded
    params: dict[str, str]
    body: bytes
    as_json: bool
    metadata: bool

    def send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None) -> None:
        self.handler.send(status, body, content_type, headers)


def parse_json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8-sig")) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ODataFault(400, "2", "Неверный формат запроса: тело не является документом JSON") from None
    if not isinstance(data, dict):
        raise ODataFault(400, "2", "Неверный формат запроса: ожидается объект JSON")
    return data


def make_query(params: dict[str, str]) -> Query:
    def number(name: str) -> int | None:
        raw = params.get(name)
        if raw is None:
            return None
        raw = raw.strip()
        if not raw.isdigit():
            raise ODataFault(400, "14", f"Ошибка разбора опций запроса: {name}={raw}")
        return int(raw)

    inline = params.get("$inlinecount", "")
    if inline not in ("", "allpages", "none"):
        raise ODataFault(400, "14", f"Ошибка разбора опций запроса: $inlinecount={inline}")
    return Query(
        filter=params.get("$filter"),
        select=params.get("$select"),
        orderby=params.get("$orderby"),
        top=number("$top"),
        skip=number("$skip") or 0,
        inlinecount=inline == "allpages",
    )


def _not_allowed() -> ODataFault:
    return ODataFault(405, "19", "Использованный HTTP-метод запрещен в данном контексте")


def route(r: Request) -> None:
    if r.rest in ("", "$metadata"):
        if r.method != "GET":
            raise _not_allowed()
        if r.rest == "$metadata":  # XML only, whatever $format says (odata-1c.md §1)
            r.send(200, r.app.edmx(), render.XML_TYPE)
        elif r.as_json:
            r.send(200, render.service_json(r.app.url, r.app.store.schema), render.JSON_TYPE)
        else:
            r.send(200, render.service_atom(r.app.url, r.app.store.schema), "application/atomsvc+xml;charset=utf-8")
        return
    match = _RESOURCE.fullmatch(r.rest)
    if match is None:
        raise ODataFault(400, "6", f"Неверный URL: «{r.rest}»")
    set_name, key, tail = match.groups()
    table = r.app.service.table(set_name)
    if key is None:
        _collection_resource(r, table, tail)
    else:
        _entity_resource(r, table, key, tail)


def _collection_resource(r: Request, table: Table, tail: str | None) -> None:
    service = r.app.service
    if tail == "$count":
        if r.method != "GET":
            raise _not_allowed()
        total = service.count(table, make_query(r.params))
        r.send(200, str(total).encode(), "text/plain;charset=utf-8")
    elif tail:
        raise ODataFault(400, "6", f"Неверный URL: «{r.rest}»")
    elif r.method == "GET":
        query = make_query(r.params)
        rows, count = service.collection(table, query)
        _send_rows(r, table, rows, query.select, count)
    elif r.method == "POST":
        body = parse_json_body(r.body)
        if r.app.ignores_client_key():
            body.pop("Ref_Key", None)  # a base that assigns its own keys whatever the client sends
        row = service.create(table, body, datetime.now().replace(microsecond=0))
        # Header values must be Latin-1 on the wire: the Cyrillic set name is percent-encoded (UTF-8).
        location = quote(r.app.url + render.entity_path(table, row), safe=":/?&=$(),'")
        _send_entity(r, table, row, None, 201, {"Location": location})
    else:
        raise _not_allowed()


def _entity_resource(r: Request, table: Table, key: str, tail: str | None) -> None:
    service = r.app.service
    if_match = r.handler.headers.get("If-Match")
    if tail is None or tail == "":
        if r.method == "GET":
            _send_entity(r, table, service.entity(table, key), r.params.get("$select"), 200)
        elif r.method in ("PATCH", "PUT"):
            row = service.update(table, key, parse_json_body(r.body), if_match)
            _send_entity(r, table, row, None, 200)
        elif r.method == "DELETE":
            service.delete(table, key, if_match)
            r.send(204, b"", None)
        else:
            raise _not_allowed()
    elif tail in ("Post", "Unpost"):
        if r.method != "POST":
            raise _not_allowed()
        service.action(table, key, tail)
        r.send(200, b"", None)
    elif tail in table.navigations and r.method == "GET":
        nav = table.navigations[tail]
        row = service.entity(table, key)
        target = service.table(nav.target_set)
        ref = str(row[nav.key_column])
        found = service.store.get(target, ref)
        if found is None:
            raise ODataFault(404, "9", f'Экземпляр сущности "{target.set_name}" не найден по переданному ключу.')
        _send_entity(r, target, found, r.params.get("$select"), 200)
    else:
        parse_key(key, table)
        raise ODataFault(404, "10", f"Запрошенное свойство не найдено: «{tail}»")


def _send_rows(r: Request, table: Table, rows: list[Row], select: str | None, count: int | None) -> None:
    service = r.app.service
    names = service.select_names(table, select)
    sections = service.tabular(table, rows, names)
    schema = service.schema
    if r.as_json:
        body = render.collection_json(r.app.url, schema, table, rows, names, sections, count=count, metadata=r.metadata)
        r.send(200, body, render.JSON_TYPE)
    else:
        r.send(200, render.feed_atom(r.app.url, schema, table, rows, names, sections, count=count), render.FEED_TYPE)


def _send_entity(
    r: Request, table: Table, row: Row, select: str | None, status: int, headers: dict[str, str] | None = None
) -> None:
    service = r.app.service
    names = service.select_names(table, select)
    sections = service.tabular(table, [row], names)
    schema = service.schema
    if r.as_json:
        body = render.single_json(r.app.url, schema, table, row, names, sections, metadata=r.metadata)
        r.send(status, body, render.JSON_TYPE, headers)
    else:
        r.send(status, render.single_atom(r.app.url, schema, table, row, names, sections), render.ENTRY_TYPE, headers)

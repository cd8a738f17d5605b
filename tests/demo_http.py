"""A bare HTTP helper for the demo-server tests: http.client only, never onec-history's own client."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from onec_history.demo.server import DemoServer


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def encode(path: str) -> str:
    """Percent-encode a path with query as a careful client does: UTF-8, spaces as %20, never '+'."""
    return quote(path, safe="/?&=$(),'*:;@")


def call(
    server: DemoServer,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bool = False,
    timeout: float = 10,
) -> Reply:
    """One request on a fresh connection; ``raw`` sends ``path`` as is (already encoded)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        data = json.dumps(body, ensure_ascii=False).encode() if isinstance(body, (dict, list)) else body
        target = parts.path + (path if raw else encode(path))
        conn.putrequest(method, target, skip_accept_encoding=True)
        sent = dict(headers or {})
        if data is not None and "Content-Length" not in sent:
            sent["Content-Length"] = str(len(data))
        for key, value in sent.items():
            conn.putheader(key, value)
        conn.endheaders(data)
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()

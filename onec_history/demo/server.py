"""The demo base over real HTTP: a stdlib server that answers the way a 1C OData publication does.

``http://127.0.0.1:PORT/<base>/odata/standard.odata/`` serves the service document, ``$metadata``,
collections, single entities, tabular-section sets, ``/$count``, writes and Post/Unpost, with 1C's
quirks (odata-1c.md): Atom unless ``$format=json``; ``odata.count`` as a string and ``$top``/``$skip``
ignored with ``$inlinecount``; no ``nextLink``; a query string over 2048 bytes gets the HTML 404 of
IIS; POST/PATCH without Content-Length get IIS's 411. ``Faults`` injects what a web server in
front of 1C does to clients: 503s, dropped connections (also after a write was applied), latency,
a slow first request.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import unquote

from onec_history.demo import render
from onec_history.demo.datasets import dataset_names as _dataset_names
from onec_history.demo.datasets import open_dataset
from onec_history.demo.edmx import write_edmx
from onec_history.demo.fault import ODataFault
from onec_history.demo.routes import Request, route
from onec_history.demo.service import Service
from onec_history.demo.store import Store

__all__ = ["DemoServer", "Faults", "dataset_names", "start_demo"]

_MAX_QUERY = 2048  # IIS maxQueryString default (odata-1c.md §2)
_ROOT_SUFFIX = "/odata/standard.odata/"


def dataset_names() -> tuple[str, ...]:
    return _dataset_names()


@dataclass
class Faults:
    """Misbehaviour of the web server in front of 1C, for reliability tests.

    ``error_rate``: share of requests answered 503; ``drop_rate``: share of connections closed
    without an answer; ``drop_after``: of the dropped writes, the share dropped *after* the write
    was applied (the client then cannot know it succeeded); ``latency``: seconds added to every
    request; ``cold_start``: seconds added to the first one; ``ignore_keys``: share of creates
    whose client-chosen ``Ref_Key`` is dropped (1 imitates a customised base or a release that
    assigns its own keys, odata-1c.md §4; the fault key is ``keys``).
    """

    error_rate: float = 0.0
    drop_rate: float = 0.0
    latency: float = 0.0
    cold_start: float = 0.0
    seed: int | None = None
    drop_after: float = 0.5
    ignore_keys: float = 0.0

    _KEYS: ClassVar[dict[str, str]] = {
        "503": "error_rate",
        "error": "error_rate",
        "drop": "drop_rate",
        "drop_after": "drop_after",
        "latency": "latency",
        "cold": "cold_start",
        "seed": "seed",
        "keys": "ignore_keys",
    }

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """``"503=0.1,drop=0.05,latency=0.2,cold=3,seed=7"`` → Faults; ValueError on anything else."""
        faults = cls()
        for item in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = item.partition("=")
            field = cls._KEYS.get(key.strip())
            if not sep or field is None:
                raise ValueError(f"bad fault {item!r}: expected one of {', '.join(cls._KEYS)} as key=value")
            try:
                number: float = int(value) if field == "seed" else float(value)
            except ValueError:
                raise ValueError(f"bad fault {item!r}: {value!r} is not a number") from None
            if number < 0 or (field in ("error_rate", "drop_rate", "drop_after", "ignore_keys") and number > 1):
                raise ValueError(f"bad fault {item!r}: out of range")
            setattr(faults, field, number)
        return faults


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: DemoServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each answer waits ~40 ms
    # for the client's delayed ACK, which would make the demo 50 times slower than 1C.
    disable_nagle_algorithm = True
    server: _Http
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        return  # the library never prints

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    suppress = False  # a "drop after the write": do everything, answer nothing

    def _serve(self, method: str) -> None:
        app = self.server.app
        fault = app.fault_for(method)
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "503":
            # The web server in front answers by itself, sometimes with a page, sometimes with nothing.
            # It answers without reading a request body, so the connection cannot be reused.
            self.close_connection = True
            page = app.roll() < 0.5
            body = render.iis_page(503, "Service Unavailable", "The service is unavailable.") if page else b""
            self.send(503, body, "text/html" if page else None)
            return
        self.suppress = fault == "drop-after"
        app.handle(self, method)

    def send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None) -> None:
        for value in (headers or {}).values():
            value.encode("latin-1")  # fail before anything is buffered, so the 500 that follows is clean
        if self.suppress:
            self.close_connection = True
            return
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("DataServiceVersion", "3.0")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.server.app.count_response(len(body))  # counted first: the client may look as soon as it reads
        self.end_headers()
        self.wfile.write(body)


class DemoServer:
    """A started (or startable) demo base. ``url`` is the service root, ending in ``/odata/standard.odata/``."""

    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        user: str | None = None,
        password: str | None = None,
        base: str = "demo",
        temp_path: Path | None = None,
    ) -> None:
        self.store = store
        self.service = Service(store)
        self.faults = faults or Faults()
        self.user = user
        self.password = password or ""
        self.base = base
        self._temp_path = temp_path
        self._http = _Http((host, port), _Handler)
        self._http.app = self
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._first = True
        self._seed = self.faults.seed
        self.requests_served = 0
        self.bytes_sent = 0
        self._edmx: bytes | None = None
        bound_host, bound_port = self._http.server_address[:2]
        shown = bound_host.decode() if isinstance(bound_host, bytes) else bound_host
        self.url = f"http://{shown}:{bound_port}/{base}{_ROOT_SUFFIX}"

    # lifecycle
    def start(self) -> DemoServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._http.serve_forever, args=(0.05,), name="onec-demo", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever(0.05)

    def stop(self) -> None:
        self._http.shutdown() if self._thread is not None else None
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()
        if self._temp_path is not None:
            self._temp_path.unlink(missing_ok=True)
            self._temp_path = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # counters and faults
    def count_response(self, size: int) -> None:
        with self._lock:
            self.requests_served += 1
            self.bytes_sent += size

    def roll(self) -> float:
        with self._lock:
            return self._rng.random()

    def ignores_client_key(self) -> bool:
        share = self.faults.ignore_keys
        return bool(share) and self.roll() < share

    def fault_for(self, method: str) -> str | None:
        """Sleep as configured, then pick this request's fault: "drop", "drop-after", "503" or None."""
        faults = self.faults
        with self._lock:
            first, self._first = self._first, False
            if faults.seed != self._seed:
                self._seed = faults.seed
                self._rng = random.Random(faults.seed)
        delay = faults.latency + (faults.cold_start if first else 0.0)
        if delay > 0:
            time.sleep(delay)
        if faults.drop_rate and self.roll() < faults.drop_rate:
            if method != "GET" and self.roll() < faults.drop_after:
                return "drop-after"
            return "drop"
        if faults.error_rate and self.roll() < faults.error_rate:
            return "503"
        return None

    def handle(self, h: _Handler, method: str) -> None:
        try:
            self._dispatch(h, method)
        except Exception:  # a bug must still look like 1C's 500, not kill the connection silently
            h.send(500, render.error_json("-1", "Произошла внутренняя ошибка OData сервиса."), render.JSON_TYPE)

    def _dispatch(self, h: _Handler, method: str) -> None:
        raw_path, _, raw_query = h.path.partition("?")
        if len(raw_query.encode("ascii", "replace")) > _MAX_QUERY:
            # IIS refuses long query strings before 1C sees them, with its own HTML page (404.15).
            h.send(
                404,
                render.iis_page(
                    404,
                    "File or directory not found.",
                    "The request filtering module is configured to deny a request where the query string is too long.",
                ),
                "text/html",
            )
            return
        if (
            method in ("POST", "PATCH", "PUT")
            and h.headers.get("Content-Length") is None
            and "chunked" not in h.headers.get("Transfer-Encoding", "").lower()
        ):
            h.send(
                411,
                render.iis_page(411, "Length Required", "The request must be chunked or have a content length."),
                "text/html",
            )
            return
        body = self._read_body(h)
        path = unquote(raw_path, encoding="utf-8", errors="replace")
        params = _parse_query(raw_query)
        prefix = f"/{self.base}/odata/standard.odata"
        if path != prefix and not path.startswith(prefix + "/"):
            h.send(
                404,
                render.iis_page(
                    404, "File or directory not found.", "The resource you are looking for might have been removed."
                ),
                "text/html",
            )
            return
        if not self._authorised(h):
            h.send(401, b"", None, {"WWW-Authenticate": 'Basic realm="1C:Enterprise"'})
            return
        fmt = params.get("$format", "")
        as_json = fmt == "json" or fmt.startswith("application/json")
        metadata = "nometadata" not in fmt
        try:
            self._route(h, method, path[len(prefix) :].lstrip("/"), params, body, as_json, metadata)
        except ODataFault as fault:
            if as_json:
                h.send(fault.status, render.error_json(fault.code, fault.message), render.JSON_TYPE)
            else:
                h.send(fault.status, render.error_atom(fault.code, fault.message), render.XML_TYPE)

    @staticmethod
    def _read_body(h: _Handler) -> bytes:
        length = h.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > 0:
            return h.rfile.read(int(length))
        return b""

    def _authorised(self, h: _Handler) -> bool:
        if self.user is None:
            return True
        header = h.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            # 1C expects the login UTF-8 encoded before base64 (odata-1c.md §6): Cyrillic logins work.
            login, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return login == self.user and password == self.password

    def _route(
        self, h: _Handler, method: str, rest: str, params: dict[str, str], body: bytes, as_json: bool, metadata: bool
    ) -> None:
        route(Request(self, h, method, rest, params, body, as_json, metadata))

    def edmx(self) -> bytes:
        if self._edmx is None:
            self._edmx = write_edmx(self.store.schema)
        return self._edmx


def _parse_query(raw: str) -> dict[str, str]:
    """Split a query string the way 1C does: '+' stays a literal plus (odata-1c.md §2)."""
    params: dict[str, str] = {}
    for part in filter(None, raw.split("&")):
        key, _, value = part.partition("=")
        params[unquote(key, encoding="utf-8", errors="replace")] = unquote(value, encoding="utf-8", errors="replace")
    return params


def start_demo(
    dataset: str | Path = "ut10",
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    faults: Faults | None = None,
    persist: bool = False,
    user: str | None = None,
    password: str | None = None,
    base: str = "demo",
) -> DemoServer:
    """Open ``dataset`` (a built-in name or a SQLite file from the generator) and serve it in a daemon thread."""
    store, temp = open_dataset(dataset, persist=persist)
    server = DemoServer(
        store, host=host, port=port, faults=faults, user=user, password=password, base=base, temp_path=temp
    )
    return server.start()

"""Serve a recording (``onec-history record --out DIR``) over HTTP: the answers a 1C base gave.

A request is answered, in this order:

1. by the recorded answer to exactly that request (answers to a repeated request in the order they
   were recorded; the last one repeats), or to the same request with the equalities of its
   ``or`` filter in another order;
2. by a slice of a recorded page of the same query: any ``$top`` not larger than what was recorded
   and any ``$skip`` within the recorded rows (a page shorter than its ``$top`` held every row, so
   any ``$top`` past it is answered too; consecutive recorded pages join);
3. for a lookup by keys (``Ref_Key eq guid'…' or …``, or ``Set(guid'…')``) by the rows the recording
   holds with every property asked for — a key the recording saw missing is answered as missing;
   for a lookup by any reference (``Партнер_Key eq guid'…' or …``, ``Контакт eq cast(guid'…',
   'Catalog_Партнеры') or …``, a register's ``Взаимодействие eq cast(…)``) by the rows complete
   recorded answers of the same query held for each of its equalities, however the recorded
   requests grouped them (family C's chain walk may group its lookups differently in another
   process);
4. for a name search (``… and startswith(Description,'…')``, ``substringof``, ``like``) by the
   recorded rows of the same query without it, when they are all the rows it has — so a search for
   the beginning of any recorded name works;
5. for a name search with a function the platform rejected (``startswith``, ``like``,
   ``substringof``), by that recorded rejection;
6. anything else the way 1C answers an unknown object: 404 with a short ``odata.error`` body
   (code 9) naming the method and the entity set.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..recording import ROOT_PLACEHOLDER, load_manifest, load_recording
from .replay_answers import _JSON, Answers
from .replay_answers import Request as Request

__all__ = ["ReplayServer", "is_recording"]

_ROOT = "/odata/standard.odata/"


def is_recording(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "exchanges.jsonl").is_file() and (p / "metadata.xml").is_file()


class _Handler(BaseHTTPRequestHandler):
    server: _Http

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        app = self.server.app
        prefix = f"/{app.base}{_ROOT}"
        if not self.path.startswith(prefix):
            self._send(404, b"<html><title>404 - Not Found</title></html>", "text/html")
            return
        target = self.path[len(prefix):]
        if target.split("?")[0] == "$metadata":
            self._send(200, app.metadata, "application/xml;charset=utf-8")
            return
        answer = app.take(self.command, target)
        if answer is None:
            self._send(404, app.missing(self.command, target), _JSON)
            return
        status, body, ctype = answer
        self._send(status, body.replace(ROOT_PLACEHOLDER.encode(), app.url.encode()), ctype)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    app: ReplayServer


class ReplayServer:
    """Answers the requests of a recording (see the module's docstring for which ones)."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 0, base: str = "demo") -> None:
        self.metadata, items = load_recording(directory)
        self.manifest = load_manifest(directory)
        self.base = base
        self._answers = Answers(items)
        self._lock = threading.Lock()
        self._http = _Http((host, port), _Handler)
        self._http.app = self
        self._thread: threading.Thread | None = None
        self.url = f"http://{host}:{self._http.server_address[1]}/{base}{_ROOT}"
        self.requests_served = 0
        self.unanswered: list[str] = []  # requests answered 404 because the recording does not hold them

    def take(self, method: str, target: str) -> tuple[int, bytes, str] | None:
        """The answer (status, body, content type) to a request, or None when the recording has none."""
        with self._lock:
            self.requests_served += 1
            answer = self._answers.take(method, target)
            if answer is None:
                self.unanswered.append(f"{method} {unquote(target, encoding='utf-8')}")
            return answer

    def missing(self, method: str, target: str) -> bytes:
        return self._answers.missing(method, target)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Serve a recording (``onec-history record --out DIR``) over HTTP: the same answers for the same requests.

A request that is not in the recording is answered the way 1C answers an unknown object (404 with
an ``odata.error`` body), naming the request, so a test sees at once what it asked differently.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..recording import Recorded, load_recording

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
        rec = app.take(self.command, target)
        if rec is None:
            body = {"odata.error": {"code": "9", "message": {
                "lang": "ru", "value": f"Запрос отсутствует в записи: {self.command} {target}"}}}
            self._send(404, json.dumps(body, ensure_ascii=False).encode(), "application/json;charset=utf-8")
            return
        self._send(rec.status, rec.body.encode("utf-8"), rec.content_type or "application/json;charset=utf-8")

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
    """Answers recorded requests in order; the last answer to a request repeats when asked again."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 0, base: str = "demo") -> None:
        self.metadata, items = load_recording(directory)
        self.base = base
        self._answers: dict[tuple[str, str], deque[Recorded]] = defaultdict(deque)
        for item in items:
            self._answers[(item.method, item.target)].append(item)
        self._lock = threading.Lock()
        self._http = _Http((host, port), _Handler)
        self._http.app = self
        self._thread: threading.Thread | None = None
        self.url = f"http://{host}:{self._http.server_address[1]}/{base}{_ROOT}"
        self.requests_served = 0

    def take(self, method: str, target: str) -> Recorded | None:
        with self._lock:
            self.requests_served += 1
            queue = self._answers.get((method, target))
            if not queue:
                return None
            return queue.popleft() if len(queue) > 1 else queue[0]

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

"""A loopback server that misbehaves on purpose: drips, floods, bombs, or hangs up mid-answer.

Raw sockets, not http.server, so that every byte and its timing is the test's choice. Each
behaviour is a function of the connection; ``HostileServer.behave`` picks one for the next
requests (a list plays one behaviour per connection, the last one repeating).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Behaviour = Callable[[socket.socket], None]

METADATA_OK = (b'{"odata.metadata":"x","value":[{"Ref_Key":"00000000-0000-0000-0000-000000000001",'
               b'"Description":"\xd0\xa0\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x88\xd0\xba\xd0\xb0"}]}')


def head(length: int | None, *, extra: str = "", ctype: str = "application/json;charset=utf-8") -> bytes:
    lines = ["HTTP/1.1 200 OK", f"Content-Type: {ctype}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def ok(body: bytes = METADATA_OK) -> Behaviour:
    def run(conn: socket.socket) -> None:
        conn.sendall(head(len(body)) + body)
    return run


def drip(*, every: float, headers_too: bool = False, size: int = 10_000) -> Behaviour:
    """One byte every ``every`` seconds: the body only, or from the status line on."""
    def run(conn: socket.socket) -> None:
        body = b"[" + b" " * (size - 2) + b"]"
        start = head(len(body))
        if not headers_too:
            conn.sendall(start)
            start = b""
        for byte in start + body:
            conn.sendall(bytes([byte]))
            time.sleep(every)
    return run


def flood(total: int, *, chunk: int = 1 << 16) -> Behaviour:
    """A ``total``-byte answer (a JSON string that never ends), sent as fast as it is taken."""
    def run(conn: socket.socket) -> None:
        conn.sendall(head(total) + b'{"value":"')
        block = b"a" * chunk
        sent = 0
        while sent < total:
            conn.sendall(block)
            sent += chunk
    return run


def bomb(inflated: int) -> Behaviour:
    """A gzip answer that inflates to ``inflated`` bytes of spaces (about 1,000 to 1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = b" " * (1 << 20)
    parts = [packer.compress(block) for _ in range(inflated // len(block))]
    body = b"".join(parts) + packer.flush()

    def run(conn: socket.socket) -> None:
        conn.sendall(head(len(body), extra="Content-Encoding: gzip") + body)
    return run


def busy(*, after: float) -> Behaviour:
    """A 503 from the web server in front of 1C, ``after`` seconds of thinking."""
    def run(conn: socket.socket) -> None:
        time.sleep(after)
        body = b"busy"
        conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                     b"Content-Length: 4\r\n\r\n" + body)
    return run


def hang_up(after: int = 100, *, length: int = 1000) -> Behaviour:
    """Promise ``length`` bytes, send ``after`` of them, close."""
    def run(conn: socket.socket) -> None:
        conn.sendall(head(length) + b"[" + b" " * (after - 1))
    return run


class HostileServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}/base/odata/standard.odata/"
        self.connections = 0
        self.requests: list[bytes] = []
        self._plan: list[Behaviour] = [ok()]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def behave(self, *plan: Behaviour) -> None:
        self._plan = list(plan)

    def _next(self) -> Behaviour:
        return self._plan.pop(0) if len(self._plan) > 1 else self._plan[0]

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn, self._next()), daemon=True).start()

    def _one(self, conn: socket.socket, behaviour: Behaviour) -> None:
        if self._tls:
            try:
                conn = self._tls.wrap_socket(conn, server_side=True)
            except OSError:  # the client refused the certificate
                conn.close()
                return
        with conn, suppress(OSError):
            request = b""
            while b"\r\n\r\n" not in request:
                piece = conn.recv(65536)
                if not piece:
                    return
                request += piece
            self.requests.append(request.split(b"\r\n", 1)[0])
            behaviour(conn)  # one answer per connection: the client's next request connects again

    def close(self) -> None:
        self._stop = True
        self._sock.close()


@contextmanager
def hostile(*plan: Behaviour, tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    server = HostileServer(tls)
    if plan:
        server.behave(*plan)
    try:
        yield server
    finally:
        server.close()

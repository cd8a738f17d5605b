"""One exchange bounded in wall-clock time and in size, whatever the server sends.

``requests`` timeouts bound each socket read, not the exchange: a server that sends a byte a
second never trips a 5 s read timeout and can hold a client for hours, and an answer is read
whole into memory however large it is (a gzip bomb inflates 1,000-fold). Here:

- a **watchdog** shuts the exchange's socket down when its deadline passes, so a dripping status
  line, headers or body all end on time; the connection classes tell the watchdog which socket
  their thread is using (:class:`BoundedAdapter` installs them on a session);
- the body is read in pieces as it is decoded (:func:`read_body`), so its decoded size is checked
  before more is read: a bomb stops at the cap, after at most one piece more.

The transport turns what happens here into onec-history's errors; this module knows only
``requests`` and ``urllib3``.
"""

from __future__ import annotations

import heapq
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

__all__ = ["BoundedAdapter", "SystemTrustAdapter", "TooLarge", "Watch", "read_body", "watched"]

_PIECE = 64 * 1024  # decoded bytes per read: a compressed piece cannot inflate past this
_current = threading.local()


class TooLarge(Exception):
    """The decoded answer passed the size cap; ``size`` is how much had been read."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class Watch:
    """The deadline of one exchange; ``fired`` tells afterwards that it was cut short."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.done = False
        self.due = time.monotonic() + max(seconds, 0.0)
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def use(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:  # the deadline passed while connecting
                _shut(sock)

    def finish(self) -> None:
        with self._lock:
            self.done = True
            self._sock = None

    def fire(self) -> None:
        with self._lock:
            if not self.done:
                self.fired = True
                _shut(self._sock)


class _Watchdog:
    """One thread for all exchanges of the process: it sleeps until the nearest deadline.

    (A timer thread per request would cost about 150 µs each; this costs a heap push.)
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Watch]] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._count = 0

    def add(self, watch: Watch) -> None:
        with self._wake:
            while self._due and self._due[0][2].done:  # keep the heap to the exchanges in flight
                heapq.heappop(self._due)
            self._count += 1
            heapq.heappush(self._due, (watch.due, self._count, watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="onec-watchdog", daemon=True)
                self._thread.start()
            if self._due[0][2] is watch:
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)  # finished in time: forgotten here
                if not self._due:
                    self._wake.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._due)[2].fire()


_WATCHDOG = _Watchdog()


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with suppress(OSError):  # already closed
        # shutdown, not close: it wakes a read blocked in another thread at once.
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def watched(seconds: float) -> Iterator[Watch]:
    """Run one exchange (request and body) under a deadline of ``seconds``."""
    watch = Watch(seconds)
    _current.watch = watch
    _WATCHDOG.add(watch)
    try:
        yield watch
    finally:
        watch.finish()
        _current.watch = None


class _Watched:
    """Connection mixin: before sending, tell this thread's watch which socket carries the exchange."""

    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _report(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _report(self.sock)  # a kept-alive connection does not connect again
        super().request(*args, **kwargs)  # type: ignore[misc]


def _report(sock: socket.socket | None) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.use(sock)


class _WatchedHTTP(_Watched, HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class BoundedAdapter(HTTPAdapter):
    """An adapter whose connections report their socket to the watch of their thread."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are urllib3's own: not watched
            manager.pool_classes_by_scheme = _POOLS
        return manager


class SystemTrustAdapter(BoundedAdapter):
    """A :class:`BoundedAdapter` that checks certificates against the operating system's trust store.

    ``ssl_context`` (a ``truststore.SSLContext``) goes to this adapter's pools only — the session it
    is mounted on; nothing process-wide changes (no ``truststore.inject_into_ssl()``). The system
    store is the whole trust: neither certifi's bundle nor the environment's ``REQUESTS_CA_BUNDLE``
    is added to it. The connections still report their socket to the deadline's watchdog.
    """

    def __init__(self, ssl_context: ssl.SSLContext, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        proxy_kwargs["ssl_context"] = self._ssl_context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        # requests turns verify=True into REQUESTS_CA_BUNDLE's path: the system store is asked instead.
        return super().send(request, stream=stream, timeout=timeout, verify=True, cert=cert, proxies=proxies)

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        conn.ca_certs = None  # requests would load certifi's bundle into the context, beside the system's
        conn.ca_cert_dir = None


def read_body(raw: requests.Response, limit: int) -> bytes:
    """The decoded body, read piece by piece; :class:`TooLarge` once it passes ``limit`` bytes."""
    stream = raw.raw
    read1 = getattr(stream, "read1", None)
    pieces: list[bytes] = []
    size = 0
    while True:
        # read1 returns what has arrived (up to a piece) instead of waiting for a whole piece.
        piece = read1(_PIECE, decode_content=True) if read1 is not None else stream.read(_PIECE, decode_content=True)
        if not piece:
            break
        size += len(piece)
        if size > limit:
            raw.close()
            raise TooLarge(size)
        pieces.append(piece)
    return b"".join(pieces)

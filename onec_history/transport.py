"""The one request path to a 1C base: session, auth, timeouts, retries, error parsing.

This and :mod:`onec_history.bounded` (the deadline and size cap of one exchange) are the only
modules that import ``requests``. Callers hand over a path relative to the
service root and a query string already encoded by :mod:`onec_history.query`; nothing here
re-encodes it, so ``%20`` stays ``%20`` (1C reads ``+`` as a plus, odata-1c.md §2).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, unquote

import orjson
import requests
import tenacity
import urllib3
from defusedxml import ElementTree
from pydantic import ConfigDict, Field, with_config

from . import bounded, errors, trust

__all__ = ["Exchange", "Response", "RetryPolicy", "Stats", "Transport", "base_key", "not_odata_error", "parse_error",
           "redact_url", "service_root", "split_credentials"]

log = logging.getLogger("onec_history.transport")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES = frozenset({502, 503, 504})
_M_NS = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
MAX_ANSWER_MB = 100.0  # the default cap on one decoded answer (a full ERP $metadata is well below it)


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True)
class RetryPolicy:
    """How safe requests are retried; also the ``[retry]`` table of the config file.

    Building one in code checks nothing (as any dataclass); the bounds below apply when pydantic
    validates it, as :class:`onec_history.config.Settings` does for the config file and options.
    """

    attempts: Annotated[int, Field(ge=1, le=50)] = 5
    backoff: Annotated[float, Field(ge=0)] = 0.5  # exponential backoff with jitter, seconds
    max_backoff: Annotated[float, Field(ge=0)] = 15.0
    deadline: Annotated[float, Field(gt=0)] = 300.0  # total seconds one request may take with its retries


@dataclass
class Stats:
    """What a run cost the server: requests, bytes and time."""

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    bytes_sent: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # Told of every request answered (a progress line of the work whose size only 1C knows).
    listener: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def add(self, *, received: int, sent: int, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_received += received
            self.bytes_sent += sent
            self.seconds += seconds
        if self.listener is not None:
            self.listener()

    def as_dict(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "bytes_received": self.bytes_received,
            "bytes_sent": self.bytes_sent,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, for observers such as ``onec-history record``."""

    method: str
    target: str  # path and query string relative to the service root, exactly as sent
    request_body: bytes | None
    response: Response


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").lower()

    def json(self) -> Any:
        """The body as JSON, refusing anything that is not (an HTML login page, Atom XML)."""
        if "json" not in self.content_type:
            raise not_odata_error(self, "JSON")
        try:
            # Bytes, not text: IIS may claim windows-1251 while 1C sends UTF-8 (odata-1c.md §5).
            # orjson parses a page of 1C rows about twice as fast as json (benchmarks/README.md).
            return orjson.loads(self.content.removeprefix(b"\xef\xbb\xbf"))
        except ValueError as exc:
            raise errors.ResponseError(
                f"The base answered invalid JSON ({exc})", status=self.status, url=self.url
            ) from None

    def text(self) -> str:
        return self.content.decode("utf-8-sig", errors="replace")


def service_root(url: str) -> str:
    """The service root as requests are built on it: always ending in ``/``."""
    return url if url.endswith("/") else url + "/"


def base_key(url: str, user: str | None = None) -> str:
    """A base's identity: its service root without credentials (scheme and host case-folded), then the user.

    The user is part of it because what a user may see (record-level security) and the metadata
    1C publishes to them can differ between users of one base.
    """
    text, _, keyed_user = url.strip().partition("#")  # a key given again stays the same key
    text = text.rstrip("/")
    user = keyed_user if user is None else user
    scheme, sep, rest = text.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}#{user or ''}"


def _netloc_bounds(url: str) -> tuple[int, int] | None:
    """Where the ``user:password@host:port`` part of ``url`` starts and ends (``None``: no ``//``)."""
    sep = url.find("://")
    if sep < 0:
        return None
    start = sep + 3
    ends = [i for i in (url.find(c, start) for c in "/?#") if i >= 0]
    return start, min(ends, default=len(url))


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@`` part, and the user and the password it held.

    Both are percent-decoded as UTF-8 (``%D0%98…`` as a browser copies a Cyrillic login), or taken
    as they are typed (``Иванов``); an empty one is ``None``. requests would send them latin-1
    encoded (failing on Cyrillic) and every message showing the URL would show them: they go
    into the ``Authorization`` header instead, and the URL goes on without them.
    """
    bounds = _netloc_bounds(url)
    if bounds is None:
        return url, None, None
    start, end = bounds
    userinfo, at, host = url[start:end].rpartition("@")
    if not at:
        return url, None, None
    user, colon, password = userinfo.partition(":")
    try:
        user_text = unquote(user, errors="strict")
        password_text = unquote(password, errors="strict") if colon else None
    except UnicodeDecodeError:
        raise errors.ConfigError(
            "The user or password in the URL is percent-encoded, but not as UTF-8",
            hint="Give the login with --user / ONEC_USER and the password in ONEC_PASSWORD instead of in the URL.",
        ) from None
    return url[:start] + host + url[end:], user_text or None, password_text or None


def redact_url(url: str) -> str:
    """The URL without any ``user:password@`` part (also when the rest of it cannot be parsed)."""
    bounds = _netloc_bounds(url)
    if bounds is None:
        return url
    start, end = bounds
    _, at, host = url[start:end].rpartition("@")
    return url[:start] + host + url[end:] if at else url


# Terminal escapes a hostile or broken server could send: CSI (colours, cursor), OSC (window title,
# hyperlinks) and the other C0/C1 controls — shown as they are, they act on the user's terminal.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
                      r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST
                      r"|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SERVER_TEXT_LIMIT = 500


def server_text(text: str, limit: int = SERVER_TEXT_LIMIT) -> str:
    """Text from the server made safe to print: escape sequences and control characters removed,
    whitespace collapsed, cut to ``limit`` characters with the rest counted."""
    clean = " ".join(_ESCAPES.sub("", text).split())
    if len(clean) <= limit:
        return clean
    return f"{clean[:limit].rstrip()}… ({len(clean) - limit} more characters)"


def _title(html: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    text = found.group(1) if found else re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.split())[:200]


def not_odata_error(resp: Response, wanted: str) -> errors.ResponseError:
    kind = resp.content_type.split(";")[0] or "no content type"
    if "html" in kind:
        detail = f"an HTML page ({server_text(_title(resp.text()))!r})"
        hint = (
            "A proxy, a login page or a web server error page answered instead of 1C. Check the URL "
            "(it must end in /odata/standard.odata/) and that the OData interface is published."
        )
    else:
        detail = f"{kind}"
        hint = "Check that the URL points at the standard OData interface of a 1C base."
    return errors.ResponseError(
        f"Expected {wanted} from 1C, got {detail} with HTTP {resp.status}",
        status=resp.status,
        url=resp.url,
        hint=hint,
    )


def parse_error(resp: Response) -> errors.ODataError:
    """Turn an error response (JSON, Atom, HTML, text or empty) into an :class:`ODataError`."""
    code: str | None = None
    message = ""
    body = resp.content.strip()
    if body and "json" in resp.content_type:
        try:
            doc = json.loads(body.decode("utf-8-sig"))
            err = doc.get("odata.error") or doc.get("error") or {}
            code = None if err.get("code") is None else str(err.get("code"))
            msg = err.get("message")
            message = msg.get("value", "") if isinstance(msg, dict) else str(msg or "")
        except (ValueError, AttributeError, UnicodeDecodeError):
            message = resp.text()[:300]
    elif body.startswith(b"<?xml") or b"<m:error" in body[:500] or b"<error" in body[:200]:
        try:
            root = ElementTree.fromstring(body)
            code_el = root.find(f"{_M_NS}code")
            msg_el = root.find(f"{_M_NS}message")
            code = code_el.text if code_el is not None else None
            message = (msg_el.text or "") if msg_el is not None else ""
        except Exception:  # defusedxml raises several unrelated types for hostile XML
            message = _title(resp.text())
    elif body:
        message = _title(resp.text()) if "html" in resp.content_type else resp.text()[:300]
    message = server_text(message)
    if not message:
        message = f"HTTP {resp.status} with no explanation"
    cls = errors.error_for_status(resp.status, code)
    hint: str | None = None
    if resp.status == 404 and "html" in resp.content_type and len(resp.url) > 2048:
        hint = "The URL is longer than IIS accepts (2048 bytes); this is a bug in onec-history."
    return cls(message.strip(), status=resp.status, code=code, url=resp.url, hint=hint)


class Transport:
    """HTTP to one base: ``request()`` is the single place a request is made."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        max_answer_mb: float = MAX_ANSWER_MB,
        session: requests.Session | None = None,
    ) -> None:
        # Credentials inside the URL become the user and password: never sent or shown in the URL.
        bare, url_user, url_password = split_credentials(service_root(base_url))
        user = _one_of("user", user, url_user)
        password = _one_of("password", password, url_password)
        self.base_url = bare  # with or without the slash: the same base
        self.safe_base_url = redact_url(self.base_url)
        self.user = user
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.stats = Stats()
        self.max_answer_mb = max_answer_mb
        trust.check(verify)
        if session is None:
            session = requests.Session()
            # The watchdog that ends an exchange at its deadline needs to know the socket in use.
            session.mount("http://", bounded.BoundedAdapter())
            session.mount("https://", trust.https_adapter(verify))
        self._session = session
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify; a
        # verify_tls the user set (a bundle, false, or the system store) must win, so it goes with
        # every request ("system" is the adapter's own SSL context: requests is told True).
        self.trust = verify
        self.verify = True if verify == trust.SYSTEM else verify
        self._session.verify = self.verify
        self._auth = self._basic(user, password) if user else None
        self._no_password = bool(user) and not password
        self.observers: list[Callable[[Exchange], None]] = []

    @staticmethod
    def _basic(user: str, password: str | None) -> str:
        # requests encodes Basic credentials as latin-1; 1C wants UTF-8 for Cyrillic logins.
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        return f"Basic {token}"

    def url_for(self, path: str, query: str = "") -> str:
        url = self.base_url + quote(path, safe="/'(),=$@!:*")
        return f"{url}?{query}" if query else url

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        """Send one request, retrying what is safe to repeat; raise on error statuses."""
        url = self.url_for(path, query)
        safe = method in _SAFE_METHODS if idempotent is None else idempotent
        hdrs = {"Accept": "application/json", "Accept-Charset": "utf-8"}
        if self._auth:
            hdrs["Authorization"] = self._auth
        if body is not None:
            hdrs["Content-Type"] = "application/json;charset=utf-8"
        elif method == "POST":
            # IIS answers 411 to a bodiless POST without Content-Length (odata-1c.md §4).
            hdrs["Content-Length"] = "0"
        hdrs.update(headers or {})
        if not safe:
            return self._send_once(method, url, body, hdrs)
        policy = self.retry
        started = time.monotonic()
        tries: list[errors.OnecError] = []  # the failures so far: the retry line and the last message quote them

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self.stats.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, errors.OnecError):
                tries.append(exc)
            # A timeout or a lost connection makes the command wait: said at the default verbosity
            # (cron logs keep it). A busy 1C's 503 is routine: shown with -v.
            level = logging.WARNING if isinstance(exc, errors.RequestTimeout | errors.ConnectError) else logging.INFO
            log.log(level, "retrying %s %s (attempt %d of %d) after: %s", method, unquote(redact_url(url)),
                    state.attempt_number + 1, policy.attempts, exc)

        def attempt() -> Response:
            return self._send_once(method, url, body, hdrs, started + policy.deadline, attempt=len(tries) + 1,
                                   last=tries[-1] if tries else None)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(
                (errors.ConnectError, errors.RequestTimeout, errors.ServerUnavailable)
            ),
            # stop_before_delay: no pause that would end past the deadline (the wait is not slept and
            # the last real failure is raised), so --deadline 4 is over in 4 s, not 4 s plus a backoff.
            stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_before_delay(policy.deadline),
            wait=tenacity.wait_random_exponential(multiplier=policy.backoff, max=policy.max_backoff),
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(attempt)

    def _send_once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        deadline: float | None = None,
        *,
        attempt: int = 1,
        last: errors.OnecError | None = None,
    ) -> Response:
        safe_url = redact_url(url)
        timeout: tuple[float, float] = self.timeout
        now = time.monotonic()
        # The deadline bounds the whole exchange, the body included: a server that drips a byte a
        # second never trips the read timeout, which bounds one socket read (issue 13.1).
        if deadline is None:
            deadline = now + self.retry.deadline
        left = deadline - now
        if left <= 0:
            why = f"; the last failure: {_said(last)}" if last is not None else ""
            raise errors.RequestTimeout(f"No answer within the {self.retry.deadline:g} s deadline{why}",
                                        url=safe_url, hint="Raise --deadline or --timeout, or try later.")
        timeout = (min(timeout[0], left), min(timeout[1], left))
        started = time.monotonic()
        raw: requests.Response | None = None
        with bounded.watched(left) as watch:
            try:
                raw = self._session.request(method, url, data=body, headers=dict(headers), timeout=timeout,
                                            verify=self.verify, stream=True)
                content = bounded.read_body(raw, int(self.max_answer_mb * 2**20))
            except Exception as exc:
                if watch.fired:
                    raise self._deadline_passed(safe_url, answering=raw is not None, last=last) from None
                raise self._failure(exc, timeout, safe_url) from None
        if watch.fired:  # cut short where the end of a body is the end of the connection
            raise self._deadline_passed(safe_url, answering=True, last=last)
        self.stats.add(received=len(content), sent=len(body or b""), seconds=time.monotonic() - started)
        resp = Response(raw.status_code, raw.headers, content, safe_url)
        for observe in self.observers:
            observe(Exchange(method, url[len(self.base_url):], body, resp))
        # One readable line per request with -v: decoded Cyrillic, the status, the time, the attempt.
        log.info("%s %s → %s, %d bytes, %.2f s%s", method, unquote(safe_url), raw.status_code, len(content),
                 time.monotonic() - started, f" (attempt {attempt})" if attempt > 1 else "")
        if raw.status_code >= 400:
            error = parse_error(resp)
            if isinstance(error, errors.AuthError):
                error.hint = self._auth_hint(error.hint)
            raise error
        return resp

    def _deadline_passed(self, safe_url: str, *, answering: bool,
                         last: errors.OnecError | None = None) -> errors.RequestTimeout:
        """The watchdog cut the exchange: in the body (``answering``) or before the headers were complete;
        ``last`` is the failure of the attempt before (a 503 the retries were waiting out), named too."""
        if answering:
            what = "The answer did not arrive in full within"
            hint = "The server is sending very slowly; raise --deadline (or [retry] deadline) if it is just busy."
        else:
            what = "The base did not answer within"
            hint = "1C can take over 30 s to start after idle; raise --deadline or --timeout if it keeps happening."
        why = f"; the attempt before failed with: {_said(last)}" if last is not None else ""
        return errors.RequestTimeout(f"{what} the {self.retry.deadline:g} s deadline{why}", url=safe_url, hint=hint)

    def _failure(self, exc: Exception, timeout: tuple[float, float], safe_url: str) -> errors.OnecError:
        """What went wrong while sending or reading, as onec-history's error."""
        if isinstance(exc, bounded.TooLarge):
            return errors.ResponseError(
                f"The answer is larger than {self.max_answer_mb:g} MB (the max_answer_mb setting); "
                f"reading stopped at {exc.size / 2**20:.1f} MB",
                url=safe_url,
                hint="If the base really sends that much (the $metadata of a very large configuration), raise "
                     "max_answer_mb in the config file; for lists, a smaller --page-size keeps pages below it.",
            )
        if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError):
            return errors.RequestTimeout(
                f"The base did not answer within {timeout[1]:.0f} s ({type(exc).__name__})",
                url=safe_url,
                hint="1C can take over 30 s to start after idle; raise --timeout if it keeps happening.",
            )
        if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
            return errors.ConnectError(
                f"TLS failed: {_short_tls(exc)}; the certificate was checked against {trust.described(self.trust)}",
                url=safe_url,
                hint='If the server\'s certificate comes from a corporate or private CA, set verify_tls in the '
                     'config file to that CA\'s bundle (a PEM file), or to "system" to use the operating '
                     "system's trust store (pip install 'onec-history[system-tls]').",
            )
        if isinstance(exc, urllib3.exceptions.DecodeError | requests.exceptions.ContentDecodingError):
            return errors.ResponseError(
                f"The answer could not be decompressed: {_short(exc)}",
                url=safe_url,
                hint="A proxy between onec-history and 1C may be damaging compressed answers.",
            )
        if isinstance(exc, urllib3.exceptions.ProtocolError | requests.exceptions.ChunkedEncodingError):
            # Closed before the body ended: a transport failure, retried where the request is safe.
            return errors.ConnectError(
                f"The connection was closed before the answer ended: {_short(exc)}",
                url=safe_url,
                hint="A proxy or 1C's web server dropped the connection; if it keeps happening, check their logs.",
            )
        if isinstance(exc, requests.ConnectionError):
            return errors.ConnectError(
                f"Cannot connect to the base: {_short(exc)}",
                url=safe_url,
                hint="Check that the server is running and the URL (ONEC_URL or --url) is right.",
            )
        if isinstance(exc, requests.RequestException | urllib3.exceptions.HTTPError | OSError):
            return errors.ConnectError(f"The exchange with the base failed: {_short(exc)}", url=safe_url,
                                       hint="Try again; if it keeps happening, check the network to the base.")
        raise exc

    def _auth_hint(self, hint: str) -> str:
        """A 401 is often no credentials at all, not wrong ones: say which, before the general advice."""
        if self._auth is None:
            return ("The base asks for a login and none was given: set ONEC_USER and ONEC_PASSWORD "
                    "(or --user with --ask-password).")
        if self._no_password:
            return (f"No password was given for the user '{self.user}': set ONEC_PASSWORD or use "
                    "--ask-password. " + hint)
        return hint

    def get_json(self, path: str, query: str = "") -> Any:
        return self.request("GET", path, query=query).json()

    def get_bytes(self, path: str, query: str = "") -> Response:
        return self.request("GET", path, query=query)


def _one_of(what: str, given: str | None, in_url: str | None) -> str | None:
    """The ``what`` given as an argument or inside the URL; both, and different, is refused."""
    if given is not None and in_url is not None and given != in_url:
        raise errors.ConfigError(f"The URL holds a {what} and another {what} was given too",
                                 hint=f"Keep one: the {what} in the URL, or the separate one.")
    return given if given is not None else in_url


def _short_tls(exc: BaseException) -> str:
    """The reason of the TLS failure inside requests' and urllib3's wrappers.

    E.g. 'certificate verify failed: unable to get local issuer certificate', taken from the
    :class:`ssl.SSLError` found by following the wrappers' ``reason``, ``args`` and causes.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError) and item.verify_message:
            return f"certificate verify failed: {item.verify_message}"
        if isinstance(item, ssl.SSLError) and item.reason:
            return str(item.reason).lower().replace("_", " ")
        pending.extend([getattr(item, "reason", None), *item.args, item.__cause__, item.__context__])
    return str(exc)[:200]


def _short(exc: Exception) -> str:
    text = str(exc)
    found = re.search(r"\[Errno [^\]]+\] ([^')\"]+)", text)
    if found:
        return found.group(1).strip()
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the connection was closed without an answer"
    return text[:200]


def _said(error: errors.OnecError) -> str:
    """A failure in a few words for a deadline message: an error status with its code (``HTTP 503: busy``)."""
    message = error.message.rstrip(".")
    if isinstance(error, errors.ODataError) and not message.startswith(f"HTTP {error.status}"):
        return f"HTTP {error.status}: {message}"
    return message

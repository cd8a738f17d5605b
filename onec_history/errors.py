"""Every failure onec-history raises, split by *where* it happened.

::

    OnecError                       base of everything below; ``.hint`` says what to do
    ├── ConfigError                 bad or missing settings, unsafe config file
    ├── QueryError                  rejected by us before anything was sent
    │   └── ValidationError         a write that 1C would silently drop or truncate
    ├── NotPublishedError           the base does not publish an entity set we need
    ├── AmbiguousError              a name, code or number matched several objects
    ├── LockedError                 another run holds the lock (export state, import ledger)
    ├── IncompleteMirrorError       a mirror table a report reads was not completely synced
    ├── TransportError              no HTTP response at all
    │   ├── ConnectError            refused, DNS, TLS, dropped connection
    │   └── RequestTimeout          connect or read timeout, or the total deadline
    ├── ODataError                  1C (or the web server in front) answered an error status
    │   ├── AuthError               401/403: wrong login/password or no rights
    │   ├── NotFoundError           404: no such object, OData not published, URL too long
    │   │   └── NoMatchError        no object has the name, code or number asked for (our lookup)
    │   ├── BadQueryError           400: 1C could not parse or apply the query
    │   ├── KeyExistsError          code 15: an object with this key already exists
    │   ├── ConflictError           412, or DataVersion changed since it was read
    │   ├── BusinessError           code -1: 1C application code refused (posting, checks)
    │   ├── UnsupportedError        501 / code 0: the platform does not support this
    │   └── ServerUnavailable       502/503/504 from the web server or 1C
    └── ResponseError               an answer we cannot read (HTML, bad JSON, wrong type)

Each error that concerns a request carries the URL with credentials removed. ODataError
keeps the HTTP status, 1C's error code (a string, as 1C sends it) and 1C's message verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import unquote

__all__ = [
    "AmbiguousError",
    "AuthError",
    "BadQueryError",
    "BusinessError",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "IncompleteMirrorError",
    "KeyExistsError",
    "LockedError",
    "NoMatchError",
    "NotFoundError",
    "NotPublishedError",
    "ODataError",
    "OnecError",
    "PeriodError",
    "QueryError",
    "RequestTimeout",
    "ResponseError",
    "ServerUnavailable",
    "TransportError",
    "UnsupportedError",
    "ValidationError",
    "check_period",
    "error_for_status",
]


class OnecError(Exception):
    """Base of all onec-history errors.

    ``message`` says what happened, ``hint`` what the user can do about it.
    """

    def __init__(self, message: str, *, hint: str = "", url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.url = url

    def explain(self) -> str:
        """One paragraph for a person: what happened, where, and what to do."""
        parts = [self.message.rstrip(".") + "."]
        if self.url:
            parts.append(f"URL: {_readable_url(self.url)}.")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)


def _readable_url(url: str) -> str:
    """A URL as a person reads it: percent-encoded Cyrillic names and spaces decoded."""
    return unquote(url)


class ConfigError(OnecError):
    """Settings are missing, malformed or unsafe."""


class QueryError(OnecError):
    """A query or value was rejected before anything was sent."""


class PeriodError(QueryError):
    """A period that cannot hold anything: its start is after its end."""


def check_period(since: datetime | None, until: datetime | None) -> None:
    """Refuse ``since`` after ``until``: such a question silently answers "nothing"."""
    if since is not None and until is not None and since > until:
        raise PeriodError(f"The period starts ({since:%d.%m.%Y %H:%M:%S}) after it ends ({until:%d.%m.%Y %H:%M:%S}), "
                          "so nothing could match", hint="Swap --since and --until.")


class ValidationError(QueryError):
    """A write would be silently damaged by 1C (unknown field, wrong type, too long)."""

    def __init__(self, message: str, *, field: str | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.field = field


class NotPublishedError(OnecError):
    """An entity set is absent from the base's ``$metadata``."""

    def __init__(self, entity_set: str, *, url: str | None = None, message: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(
            message or f"The base does not publish {entity_set} over OData",
            hint=hint or (
                f"Ask the 1C administrator to add {entity_set} to the standard OData interface "
                "(see README, 'For the 1C administrator'), then run 'onec-history metadata --refresh'."
            ),
            url=url,
        )
        self.entity_set = entity_set


class AmbiguousError(OnecError):
    """A name, code or number matched several objects.

    ``candidates`` holds them (models, keys — whatever the lookup found) for code that lists them
    its own way; ``choices`` describes each in a few words for the one-paragraph explanation.
    """

    def __init__(self, message: str, *, candidates: Sequence[Any] = (), choices: Sequence[str] = (),
                 hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.candidates = list(candidates)
        self.choices = list(choices)

    def explain(self) -> str:
        shown = "; ".join(self.choices[:10]) + ("; …" if len(self.choices) > 10 else "")
        head = self.message.rstrip(".") + (f": {shown}." if shown else ".")
        return f"{head} {self.hint}".rstrip()


class LockedError(OnecError):
    """Another run holds a lock (an overlapping cron export, a second import into the same ledger)."""


class IncompleteMirrorError(OnecError):
    """A mirror database's last run did not complete for a table a report reads (killed, failed,
    never reached), or its completeness is unknown (made by an earlier version). ``tables`` names
    those tables."""

    def __init__(self, message: str, *, tables: Sequence[str] = (), hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.tables = list(tables)


class TransportError(OnecError):
    """No HTTP response was received."""


class ConnectError(TransportError):
    """The connection could not be made or was dropped."""


class RequestTimeout(TransportError):
    """The server did not answer in time, or the total deadline passed."""


class ResponseError(OnecError):
    """A response arrived but cannot be read as OData."""

    def __init__(
        self, message: str, *, status: int | None = None, url: str | None = None, hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint, url=url)
        self.status = status


class ODataError(OnecError):
    """An error status from 1C or the web server in front of it."""

    default_hint = ""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=self.default_hint if hint is None else hint, url=url)
        self.status = status
        self.code = code

    def explain(self) -> str:
        # Without a 1C error code the answer may come from the web server in front of 1C (IIS, Apache).
        who = "1C" if self.code is not None else "The server"
        where = f"HTTP {self.status}" + (f", 1C error code {self.code}" if self.code is not None else "")
        message = self.message.rstrip(".")
        if message.startswith(f"HTTP {self.status} "):  # "HTTP 401 with no explanation": say it once
            parts = [f"{who} answered {message}."]
        else:
            parts = [f"{who} answered {where}: {message}."]
        if self.url:
            parts.append(f"URL: {_readable_url(self.url)}.")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)


class AuthError(ODataError):
    default_hint = (
        "Check ONEC_USER and ONEC_PASSWORD (or the config file). 1C answers 401 both for a wrong "
        "password and for a user without rights to the object: give the OData user read rights "
        "(and write/posting rights for creating events)."
    )


class NotFoundError(ODataError):
    default_hint = (
        "Check the base URL (it ends in /odata/standard.odata/), that the standard OData "
        "interface is published for this infobase, and that the object exists."
    )


class NoMatchError(NotFoundError):
    """Nothing in the base has the name, code or number asked for — found by our lookup, not a 1C error."""

    default_hint = ""

    def __init__(self, message: str, *, hint: str = "", url: str | None = None) -> None:
        super().__init__(message, status=404, url=url, hint=hint)

    def explain(self) -> str:
        return OnecError.explain(self)


class BadQueryError(ODataError):
    default_hint = "1C rejected the query; if the message names a function, the platform may not support it."


class KeyExistsError(ODataError):
    default_hint = "An object with this key already exists in the base."


class ConflictError(ODataError):
    default_hint = "Someone changed the object in 1C after it was read; read it again and repeat the change."


class BusinessError(ODataError):
    default_hint = "The message above is 1C's own; fix the data it names and try again."


class UnsupportedError(ODataError):
    default_hint = "This 1C platform version does not support the operation or attribute type."


class ServerUnavailable(ODataError):
    default_hint = (
        "The web server in front of 1C could not reach it; it may be starting or overloaded. "
        "Try again later or raise --retries / --deadline."
    )


_BY_CODE: dict[str, type[ODataError]] = {
    "-1": BusinessError,
    "0": UnsupportedError,
    "15": KeyExistsError,
    "20": AuthError,
}

_BY_STATUS: dict[int, type[ODataError]] = {
    400: BadQueryError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    405: UnsupportedError,
    411: BadQueryError,
    412: ConflictError,
    501: UnsupportedError,
    502: ServerUnavailable,
    503: ServerUnavailable,
    504: ServerUnavailable,
}


# Statuses that say exactly what happened: 1C's catch-all code -1 ("the application refused") does not
# override them — a 412 with -1 in its body is a conflict (the object changed), not a business rule.
_SPECIFIC_STATUS = frozenset({401, 403, 404, 412, 502, 503, 504})


def error_for_status(status: int, code: str | None) -> type[ODataError]:
    """The error class for an HTTP status and a 1C error code: the more specific cause wins — a
    known code over a generic status (400, 500), a specific status over the catch-all code -1."""
    if code == "-1" and status in _SPECIFIC_STATUS:
        return _BY_STATUS[status]
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    return _BY_STATUS.get(status, ODataError)

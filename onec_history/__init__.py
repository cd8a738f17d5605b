"""onec-history: the history of relationships with clients in 1C:Enterprise bases over OData.

A script in two lines — the same config file, ``ONEC_URL``/``ONEC_USER``/``ONEC_PASSWORD`` and
defaults as the command line (:mod:`onec_history.api`; README, "Python API")::

    import onec_history

    with onec_history.connect(demo="ut10") as h:        # connect(): the base the command line uses
        romashka = h.find_counterparty("7701000001")
        rows = onec_history.to_records(h.events(counterparty=romashka, since="2026-03-01", kind="call"))
        print(len(rows), rows[0]["kind"], rows[0]["subject"])

The library's public names, importable from the package itself::

    from onec_history import Client, EventFilter, History, Transport

    with Transport("https://erp.local/ut/odata/standard.odata/", user="odata", password="…") as transport:
        history = History(Client(transport))
        client = history.find_counterparty("7701000001")          # name prefix, code, ИНН or reference
        for event in history.events(EventFilter(counterparty=client.ref), limit=10):
            print(event.date, event.kind_raw, event.subject)

Chains of documents are in :mod:`onec_history.chains` (``Chains(history)``), creating events in
:mod:`onec_history.create`, the query language in :mod:`onec_history.query`, the error tree in
:mod:`onec_history.errors`.
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below are loaded when first used (PEP 562): `onec-history --help` needs none
    from . import errors, query
    from .api import Connection, connect
    from .client import Client
    from .errors import (
        AmbiguousError,
        AuthError,
        ConfigError,
        NoMatchError,
        NotFoundError,
        NotPublishedError,
        ODataError,
        OnecError,
        TransportError,
        ValidationError,
    )
    from .history import EventFilter, History
    from .metadata import Metadata
    from .models import Counterparty, Direction, DocumentRef, Event, EventKind, EventState, Participant
    from .profiles import Profile, detect_profile
    from .records import to_dataframe, to_records
    from .transport import RetryPolicy, Transport

# Where each public name lives; a module's name maps to None.
_WHERE: dict[str, str | None] = {
    "errors": None, "query": None,
    "Connection": "api", "connect": "api", "Client": "client",
    **dict.fromkeys(("AmbiguousError", "AuthError", "ConfigError", "NoMatchError", "NotFoundError",
                     "NotPublishedError", "ODataError", "OnecError", "TransportError", "ValidationError"), "errors"),
    "EventFilter": "history", "History": "history", "Metadata": "metadata",
    **dict.fromkeys(("Counterparty", "Direction", "DocumentRef", "Event", "EventKind", "EventState",
                     "Participant"), "models"),
    "Profile": "profiles", "detect_profile": "profiles", "to_dataframe": "records", "to_records": "records",
    "RetryPolicy": "transport", "Transport": "transport",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name, "")
    if where == "":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = importlib.import_module(f".{name if where is None else where}", __name__)
    if where is not None:
        value = getattr(value, name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "AmbiguousError",
    "AuthError",
    "Client",
    "ConfigError",
    "Connection",
    "Counterparty",
    "Direction",
    "DocumentRef",
    "Event",
    "EventFilter",
    "EventKind",
    "EventState",
    "History",
    "Metadata",
    "NoMatchError",
    "NotFoundError",
    "NotPublishedError",
    "ODataError",
    "OnecError",
    "Participant",
    "Profile",
    "RetryPolicy",
    "Transport",
    "TransportError",
    "ValidationError",
    "__version__",
    "connect",
    "detect_profile",
    "errors",
    "query",
    "to_dataframe",
    "to_records",
]

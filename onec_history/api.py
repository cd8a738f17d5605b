"""The Python API for scripts and notebooks: ``connect()`` reads the settings the command line reads.

>>> import onec_history                                         # doctest: +SKIP
>>> with onec_history.connect() as h:                           # doctest: +SKIP
...     client = h.find_counterparty("7701000001")
...     for event in h.events(counterparty=client, since="2026-03-01", limit=10):
...         print(event.date, event.kind, event.subject)

:func:`connect` merges the config file, the ``ONEC_*`` environment and its keyword arguments with
:func:`onec_history.config.load_settings` — the one reader of settings, also the command line's —
and returns a :class:`Connection`: a :class:`~onec_history.history.History` that owns its
transport (and the built-in demo base, for ``demo="ut10"``) and adds what the commands do in
one call each: events by keyword filters, a chain, a client's history, creating an event
exactly once, an export. Close it (or use it in ``with``) to close its connections.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .chains.chains import Chains
from .chains.model import Chain
from .chains.timeline import Timeline
from .chains.walk import DEFAULT_DEPTH
from .client import Client
from .config import Settings, load_settings
from .create.batch import EventWriter
from .create.prepare import RowResult
from .create.spec import Vocabulary, norm_word, single_event_values
from .dates import parse_datetime_text, period_end, relative_day
from .errors import AmbiguousError, ConfigError, NoMatchError, OnecError, QueryError, ValidationError, check_period
from .export.export import ExportOptions, ExportResult
from .export.run import Target, run_export
from .export.writers import FORMATS, CsvOptions
from .history import EventFilter, History
from .local.inputs import InputRow
from .local.ledger import Ledger, default_ledger_path
from .metadata_cache import MetadataCache
from .models import Counterparty, Direction, DocKey, DocumentRef, Event, EventKind, EventState
from .transport import Transport

if TYPE_CHECKING:
    from .demo.server import DemoServer

__all__ = ["ENV_LEDGER", "Connection", "client_for", "connect"]

ENV_LEDGER = "ONEC_LEDGER"
"""The ledger file of ``create`` (as ``events create --ledger`` / ``ONEC_LEDGER`` on the command line)."""

DateLike = datetime | date | str


def client_for(settings: Settings, *, url: str | None = None, credentials: bool = True,
               cache: bool = True) -> Client:
    """The transport and client ``settings`` describe (timeouts, retries, TLS, page size, lengths).

    ``url`` replaces the settings' base (the demo base's); ``credentials=False`` sends no login,
    ``cache=False`` keeps no ``$metadata`` on disk (a demo base is new every time).
    """
    base = url or settings.url
    if base is None:
        raise ConfigError("No base configured",
                          hint="Set ONEC_URL (with ONEC_USER and ONEC_PASSWORD), give connect() the URL, or name "
                               "it in the config file (README, 'Configuration'); connect(demo='ut10') opens the "
                               "built-in demo base.")
    password = settings.password.get_secret_value() if settings.password and credentials else None
    transport = Transport(
        base,
        user=settings.user if credentials else None,
        password=password,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retry=settings.retry,
        verify=settings.verify_tls,
        max_answer_mb=settings.max_answer_mb,
    )
    return Client(
        transport,
        page_size=settings.page_size,
        metadata_cache=MetadataCache(settings.cache_dir) if cache else None,
        metadata_ttl=settings.metadata_ttl,
        lengths=settings.lengths,
        allowed_only=settings.allowed_only,
    )


def connect(url: str | None = None, *, config: str | Path | None = None, demo: str | None = None,
            user: str | None = None, password: str | None = None, ledger: str | Path | None = None,
            env: Mapping[str, str] | None = None, **settings: Any) -> Connection:
    """A connection to the base the command line would use, or to ``url``.

    Settings come as for every command: the config file (``config``, else ``ONEC_CONFIG``, else
    the platform's config folder), then ``ONEC_URL``, ``ONEC_USER``, ``ONEC_PASSWORD`` and
    ``ONEC_PASSWORD_SOURCE`` (``env``: instead of ``os.environ``), then the arguments — ``url``,
    ``user``, ``password`` and any key of a config file (``page_size=200``,
    ``retry={"attempts": 3}``, ``server_timezone="Europe/Moscow"``). An unknown or invalid key is
    a :class:`~onec_history.errors.ConfigError`, as in a config file.

    ``demo="ut10"`` (``"unf"``, ``"ut11"``) starts the built-in demo base in this process instead,
    whatever ``ONEC_URL`` says; it lives until the connection is closed. With neither a base
    configured nor ``demo``, a ConfigError says how to name one (a script never writes into a
    throw-away base by accident, as the command line's fallback would).

    ``ledger`` is the file that makes :meth:`Connection.create` exactly-once (default: the
    ``ONEC_LEDGER`` variable, else the command line's default ledger; in memory for the demo).
    Nothing is sent to the base until the first question.
    """
    if demo is not None and url is not None:
        raise ConfigError(f"connect() was given both a base ({url}) and demo={demo!r}",
                          hint="Give one of them: the URL of your base, or the name of the demo dataset.")
    overrides = {"url": url, "user": user, "password": password, **settings}
    loaded = load_settings(Path(config) if config is not None else None, env=env, overrides=overrides,
                           keyring=demo is None)
    if demo is None:
        ledger = ledger or (os.environ if env is None else env).get(ENV_LEDGER) or None
        return Connection(client_for(loaded), settings=loaded, ledger=ledger)
    from .demo.server import start_demo

    try:
        server = start_demo(demo)
    except ValueError as exc:
        raise ConfigError(f"Cannot start the built-in demo base: {exc}",
                          hint="Use demo='ut10', 'unf' or 'ut11', or connect to a real base.") from None
    try:
        client = client_for(loaded, url=server.url, credentials=False, cache=False)
    except BaseException:
        server.stop()
        raise
    # The demo base gets a new port every run: its identity is the dataset's name (as on the command line).
    return Connection(client, settings=loaded, demo=server, key=f"demo:{demo}", ledger=ledger or ":memory:")


class Connection(History):
    """A :class:`~onec_history.history.History` that owns its transport: use it in ``with``.

    Everything a History offers (``find_counterparty``, ``search_counterparties``,
    ``find_by_phone``, ``get_event``…) plus keyword filters on :meth:`events`, :meth:`chain`,
    :meth:`timeline`, :meth:`create` and :meth:`export`. Failures are the package's own errors
    (:mod:`onec_history.errors`); ``exc.explain()`` gives the paragraph the command line prints.
    """

    def __init__(self, client: Client, *, settings: Settings | None = None, demo: DemoServer | None = None,
                 key: str | None = None, ledger: str | Path | None = None) -> None:
        self.settings = settings or Settings()
        super().__init__(client, profile_overrides=self.settings.profile, key=key)
        self.demo = demo
        self._ledger_path = ledger
        self._chains: Chains | None = None
        self._ledger: Ledger | None = None
        self._writer: EventWriter | None = None
        self._vocabulary = Vocabulary.default()

    # -- the connection ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base's service root, without credentials."""
        return self.client.transport.safe_base_url

    @property
    def ledger_path(self) -> str | Path:
        """The ledger of :meth:`create`: as given to :func:`connect`, else ``ONEC_LEDGER``, else the default."""
        return self._ledger_path or os.environ.get(ENV_LEDGER) or default_ledger_path()

    @property
    def server_tz(self) -> tzinfo | None:
        """The 1C server's time zone (``server_timezone``): dates with a zone are converted to it."""
        name = self.settings.server_timezone
        if not name:
            return None
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)

    def close(self) -> None:
        """Close the ledger, the HTTP session and the demo base (if this connection started one)."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = self._writer = None
        self.client.transport.close()
        if self.demo is not None:
            self.demo.stop()
            self.demo = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<onec_history.Connection {self.url}{' (demo)' if self.demo is not None else ''}>"

    # -- counterparties ---------------------------------------------------------------------------
    def search_counterparties(self, text: str | None = None, *, substring: bool = False, inn: str | None = None,
                              code: str | None = None, group: str | None = None, buyers_only: bool = False,
                              folders: bool = False, limit: int | None = None,
                              names: bool = True) -> Iterator[Counterparty]:
        """Counterparties by the beginning of the name (the 1C way), a substring, ИНН or code; with
        ``names`` (as ``counterparties search`` lists them) their group's and manager's names too,
        read in one bulk lookup after the search."""
        found = super().search_counterparties(text, substring=substring, inn=inn, code=code, group=group,
                                              buyers_only=buyers_only, folders=folders, limit=limit)
        return iter(self.counterparty_search.with_names(found)) if names else found

    # -- events -----------------------------------------------------------------------------------
    def filter(self, *, counterparty: str | Counterparty | None = None, since: DateLike | None = None,
               until: DateLike | None = None, kind: str | EventKind | None = None,
               state: str | EventState | None = None, direction: str | Direction | None = None,
               responsible: str | None = None) -> EventFilter:
        """An :class:`EventFilter` from what a person types, as the commands' options read it.

        ``counterparty``: a :class:`Counterparty`, or a name prefix, code, ИНН or reference (looked
        up: several matches are an AmbiguousError). ``since``/``until``: a datetime, a date (as
        ``until`` the whole day), or text — ``2026-03-01``, ``01.03.2026 10:00``, ``today``,
        ``-7d``, ``month-start``… ``kind``, ``state``, ``direction``: the logical value or any
        spelling ``events create`` takes (``call``, ``звонок``, ``ТелефонныйЗвонок``).
        ``responsible``: a user's name prefix or reference.
        """
        start, end = self._moment(since, "since"), self._moment(until, "until")
        check_period(start, end)
        return EventFilter(
            counterparty=self._counterparty_ref(counterparty) if counterparty is not None else None,
            since=start,
            until=end,
            kind=self._word(kind, "kind", self._vocabulary.kinds, EventKind),
            state=self._word(state, "state", self._vocabulary.states, EventState),
            direction=self._word(direction, "direction", self._vocabulary.directions, Direction),
            responsible=self.find_user(responsible) if responsible else None,
        )

    def events(self, f: EventFilter | None = None, *, counterparty: str | Counterparty | None = None,
               since: DateLike | None = None, until: DateLike | None = None, kind: str | EventKind | None = None,
               state: str | EventState | None = None, direction: str | Direction | None = None,
               responsible: str | None = None, newest_first: bool = True, limit: int | None = None,
               resolve_names: bool = True) -> Iterator[Event]:
        """Events by an :class:`EventFilter`, or by the keywords of :meth:`filter`; newest first."""
        if f is None:
            f = self.filter(counterparty=counterparty, since=since, until=until, kind=kind, state=state,
                            direction=direction, responsible=responsible)
        elif any(v is not None for v in (counterparty, since, until, kind, state, direction, responsible)):
            raise TypeError("give an EventFilter or filter keywords, not both")
        return super().events(f, newest_first=newest_first, limit=limit, resolve_names=resolve_names)

    # -- chains -----------------------------------------------------------------------------------
    @property
    def chains(self) -> Chains:
        """The chains of this base, with the config file's ``[profile] links`` table."""
        if self._chains is None:
            self._chains = Chains(self, link_overrides=self.settings.profile.get("links"))
        return self._chains

    def chain(self, doc: str | DocKey | DocumentRef | Event, number: str | None = None, *,
              type_name: str | None = None, year: int | None = None, direction: str = "both",
              depth: int = DEFAULT_DEPTH) -> Chain:
        """The chain around a document, as ``onec-history chain`` walks it (1C's «Структура
        подчиненности»): ``chain("Событие", "00000000270")``, ``chain("Document_X(guid'…')")``,
        an event from :meth:`events`, or a bare reference with ``type_name``. ``direction``:
        ``both``, ``up`` or ``down``. In Jupyter the chain draws itself."""
        if isinstance(doc, Event):
            doc = DocKey(doc.document_set or self.profile.event_set, doc.ref)
        elif isinstance(doc, DocumentRef):
            doc = doc.key
        start = doc if isinstance(doc, DocKey) else self.chains.resolve(doc, number, type_name=type_name, year=year)
        return self.chains.walk(start, direction=direction, depth=depth)

    def timeline(self, counterparty: str | Counterparty, *, since: DateLike | None = None,
                 until: DateLike | None = None, strategy: str = "auto", depth: int = DEFAULT_DEPTH) -> Timeline:
        """A client's history, as ``onec-history history``: its documents and events and what is
        linked to them, grouped into chains (``timeline.groups``; ``timeline.chain`` draws)."""
        start, end = self._moment(since, "since"), self._moment(until, "until")
        check_period(start, end)
        return self.chains.timeline(self._counterparty_ref(counterparty), since=start, until=end,
                                    strategy=strategy, depth=depth)

    # -- creating events --------------------------------------------------------------------------
    @property
    def writer(self) -> EventWriter:
        """The exactly-once writer on this connection's ledger (for ``writer.import_rows(read_rows(…))``)."""
        if self._writer is None:
            self._ledger = Ledger(self.ledger_path, self.base.key)
            self._writer = EventWriter(self, self._ledger, server_tz=self.server_tz)
        return self._writer

    def create(self, *, kind: str | EventKind, counterparty: str | Counterparty | None = None,
               caller: str | None = None, contact: str | None = None, direction: str | Direction | None = None,
               state: str | EventState | None = None, start: DateLike | None = None, end: DateLike | None = None,
               duration: float | str | timedelta | None = None, subject: str | None = None,
               body: str | None = None, comment: str | None = None, responsible: str | None = None,
               basis: str | DocKey | DocumentRef | None = None, post: bool = False, external_id: str | None = None,
               dry_run: bool = False) -> RowResult:
        """Create one event exactly once, as ``onec-history events create`` with the same values.

        The event's identity is ``external_id``, else its content; without ``start`` it starts now
        and the same call repeated the same day finds the first event. Running it again — after a
        timeout, a crash, from the command line — gives ``status`` ``already_present`` and the same
        ``ref``, never a second event. Returns the :class:`~onec_history.create.RowResult`
        (``status``, ``ref``, ``number``; ``post_failed`` when the event was created but 1C
        refused to post it, ``message`` saying why); a value that cannot be used raises ValidationError,
        a name that matches nobody NoMatchError, several AmbiguousError, and a failure of 1C or of
        the connection its own error (:mod:`onec_history.errors`).
        """
        given = {"counterparty": counterparty, "caller": caller, "contact": contact, "kind": kind,
                 "direction": direction, "state": state, "start": start, "end": end, "duration": duration,
                 "subject": subject, "body": body, "comment": comment, "responsible": responsible,
                 "basis": basis, "external_id": external_id}
        values = single_event_values({k: _as_text(v) for k, v in given.items()}, datetime.now())
        if post:
            values["post"] = "true"
        summary = self.writer.import_rows([InputRow(0, values)], dry_run=dry_run)
        return _checked(summary.results[0])

    # -- export -----------------------------------------------------------------------------------
    def export(self, target: Target, *, fmt: str | None = None, excel: bool = False, headings: str = "keys",
               options: ExportOptions | None = None, state_file: str | Path | None = None,
               lock: str | Path | None = None, counterparty: str | Counterparty | None = None,
               since: DateLike | None = None, until: DateLike | None = None, kind: str | EventKind | None = None,
               state: str | EventState | None = None, direction: str | Direction | None = None,
               responsible: str | None = None) -> ExportResult:
        """Export events to a file (replaced whole when complete) or a binary stream, as
        ``onec-history events export``: ``fmt`` ``csv``, ``jsonl`` or ``xlsx`` (default: the
        file's suffix, else csv); ``excel``: CSV with a BOM and ``;``; ``state_file``: only what
        is new, changed or deleted since the last run. Filters as in :meth:`filter`.
        ``options`` (an :class:`~onec_history.export.ExportOptions`) replaces fmt, excel and headings."""
        if options is None:
            chosen = fmt or _format_of(target)
            if chosen not in FORMATS:
                raise QueryError(f"{chosen!r} is not an export format; expected {', '.join(FORMATS)}")
            options = ExportOptions(fmt=chosen, csv=CsvOptions.excel() if excel else CsvOptions(), headings=headings)
        flt = self.filter(counterparty=counterparty, since=since, until=until, kind=kind, state=state,
                          direction=direction, responsible=responsible)
        return run_export(self, flt, target, options=options, state_path=state_file, lock_path=lock)

    # -- reading what a person typed --------------------------------------------------------------
    def _counterparty_ref(self, counterparty: str | Counterparty) -> str:
        if isinstance(counterparty, Counterparty):
            return counterparty.ref
        return self.find_counterparty(counterparty).ref

    def _moment(self, value: DateLike | None, what: str) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        end = what == "until"
        if isinstance(value, date):  # a day: as the end of a period, the whole of it (1C keeps seconds)
            return datetime.combine(value, time(23, 59, 59) if end else time())
        day = relative_day(value)
        if day is not None:
            return day + timedelta(hours=23, minutes=59, seconds=59) if end else day
        try:
            return (period_end if end else parse_datetime_text)(value, server_tz=self.server_tz)
        except ValueError as exc:
            raise QueryError(f"{what}: {exc}", hint="Give a datetime, a date, or text such as 2026-03-01, "
                                                    "01.03.2026 10:00, today, -7d or month-start.") from None

    def _word(self, value: str | Enum | None, what: str, table: Mapping[str, Any], kind: type[Enum]) -> Any:
        if value is None or isinstance(value, kind):
            return value
        found = table.get(norm_word(str(value.value if isinstance(value, Enum) else value)))
        if found is None or found is EventState.OTHER:
            raise QueryError(f"{value!r} is not a {what}; expected {self._vocabulary.known(what)}")
        return found


def _as_text(value: Any) -> Any:
    """A value of :meth:`Connection.create` as the command line would have typed it."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Counterparty):
        return value.ref
    if isinstance(value, DocumentRef):
        return value.key.id
    if isinstance(value, DocKey):
        return value.id
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(round(value.total_seconds()))
    return value


def _checked(result: RowResult) -> RowResult:
    """The result of a create, or the failure it carries raised as the package's error."""
    if result.ok or result.error in ("post", "after_write"):  # the event is in 1C: its ref is the answer
        return result
    if result.exc is not None:
        raise result.exc
    if result.error == "ambiguous":
        raise AmbiguousError(result.message, hint="Give the code, the ИНН or the reference instead of the name.")
    if result.error == "not_found":
        raise NoMatchError(result.message)
    if result.error == "invalid":
        raise ValidationError(result.message, field=result.field)
    raise OnecError(result.message)


def _format_of(target: Target) -> str:
    if isinstance(target, str | os.PathLike):
        suffix = Path(target).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
    return "csv"

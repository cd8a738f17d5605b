"""Is a base usable by onec-history? The checks behind ``onec-history doctor``, as data.

:func:`diagnose` asks the base, step by step, what ``doctor`` reports: the service root answers,
the credentials are accepted, the clocks agree, ``$metadata`` is published, the configuration
family is detected and the sets and attributes its profile needs are published. It stops at the
first step the later ones depend on (nothing past an unreachable base or refused credentials).

>>> diagnosis = diagnose(Client(Transport(url)), Settings(url=url))   # doctest: +SKIP
>>> diagnosis.outcome, [c.name for c in diagnosis.failures]            # doctest: +SKIP

Each :class:`CheckResult` keeps the error behind a failure (``error``), so a caller can map it to
whatever it reports (the command line maps it to its exit code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from enum import Enum

from . import family_c
from .chains.links import discover_links
from .client import Client
from .config import Settings
from .errors import AuthError, NotFoundError, NotPublishedError, OnecError, ResponseError, TransportError
from .metadata import Metadata
from .profiles import FAMILY_TITLES, Family, Profile, ProfileError, detect_profile
from .query import Query

__all__ = ["CheckResult", "Diagnosis", "Outcome", "clock_check", "diagnose", "profile_checks", "publish_snippet"]

#: A clock difference up to this many seconds is not worth a warning.
CLOCK_TOLERANCE = 120.0


class Outcome(str, Enum):
    """How one check (or the whole diagnosis) came out, from best to worst."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


_RANK = {Outcome.OK: 0, Outcome.WARN: 1, Outcome.FAIL: 2}


@dataclass(frozen=True)
class SetUse:
    """One entity set a feature reads: what it is for, whether the base publishes it."""

    name: str
    purpose: str
    published: bool
    required: bool = False


@dataclass(frozen=True)
class CheckResult:
    """One check: ``message`` says what was found, ``hint`` what to do about it.

    ``snippet`` is 1C code for the administrator (to publish missing sets); ``error`` the
    onec-history error behind a failure, when there is one.
    """

    name: str
    outcome: Outcome
    message: str
    hint: str = ""
    snippet: str = ""
    error: OnecError | None = None
    sets: tuple[SetUse, ...] = ()  # the "sets used" check: every set a feature reads, and for what

    def explain(self) -> str:
        """For a person: the message and the hint in one paragraph, then the sets (one a line) or
        the 1C code on their own lines."""
        text = f"{self.message} {self.hint}" if self.hint else self.message
        lines = [f"{'✓' if u.published else '✗'} {u.name} — {u.purpose}" for u in self.sets]
        if self.snippet:
            lines.append(self.snippet)
        return "\n".join([text, *lines])


@dataclass(frozen=True)
class Diagnosis:
    """Every check that was run, in order, and the base's ``$metadata`` when it could be read."""

    checks: tuple[CheckResult, ...]
    metadata: Metadata | None = None

    @property
    def outcome(self) -> Outcome:
        """The worst outcome of any check (OK when every check passed)."""
        return max((c.outcome for c in self.checks), key=_RANK.__getitem__, default=Outcome.OK)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.outcome is Outcome.FAIL)

    def check(self, name: str) -> CheckResult:
        """The check called ``name``; KeyError when it was not run."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)


def publish_snippet(missing: list[str]) -> str:
    """1C code for the administrator that adds ``missing`` sets without dropping the others."""
    kinds = {
        "Catalog": "Справочники",
        "Document": "Документы",
        "InformationRegister": "РегистрыСведений",
        "AccumulationRegister": "РегистрыНакопления",
        "DocumentJournal": "ЖурналыДокументов",
        "Enum": "Перечисления",
    }
    lines = ["Состав = ПолучитьСоставСтандартногоИнтерфейсаOData();"]
    for name in missing:
        prefix, _, obj = name.partition("_")
        coll = kinds.get(prefix)
        if coll is None or "_" in obj:
            # Tabular sections are published together with their owner object.
            continue
        lines.append(
            f"Если Состав.Найти(Метаданные.{coll}.{obj}) = Неопределено Тогда "
            f"Состав.Добавить(Метаданные.{coll}.{obj}); КонецЕсли;"
        )
    lines.append("УстановитьСоставСтандартногоИнтерфейсаOData(Состав);")
    return "\n".join(lines)


def _failed(name: str, exc: OnecError, *, then: str = "") -> CheckResult:
    """A failed check explained as ``exc`` explains itself, its hint kept apart; ``then`` adds to the hint."""
    message, hint = exc.explain(), ""
    if exc.hint and message.endswith(" " + exc.hint):
        message, hint = message[: -len(exc.hint) - 1], exc.hint
    if then:
        hint = f"{hint} {then}" if hint else then
    return CheckResult(name, Outcome.FAIL, message, hint, error=exc)


def clock_check(headers: Mapping[str, str] | None, *, now: datetime | None = None) -> CheckResult:
    """The web server's clock (its ``Date`` header) against ours (``now``, default: this moment)."""
    raw = headers.get("Date") if headers else None
    if not raw:
        return CheckResult("clock", Outcome.WARN, "the server sent no Date header; cannot compare clocks")
    try:
        theirs = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return CheckResult("clock", Outcome.WARN, f"unreadable Date header {raw!r}")
    skew = (theirs - (now or datetime.now(timezone.utc))).total_seconds()
    message = f"web server clock differs from ours by {skew:+.0f} s"
    if abs(skew) < CLOCK_TOLERANCE:
        return CheckResult("clock", Outcome.OK, message)
    return CheckResult("clock", Outcome.WARN, message + " — date filters near 'now' may be off;",
                       "sync the clocks (NTP)")


def _connection_checks(client: Client, settings: Settings) -> list[CheckResult]:
    """reachable, credentials and clock from one request to the service root; stops at a failure."""
    try:
        resp = client.transport.get_bytes("", Query().render())
    except TransportError as exc:
        return [_failed("reachable", exc)]
    except AuthError as exc:
        return [CheckResult("reachable", Outcome.OK, "the server answered"), _failed("credentials", exc)]
    except NotFoundError as exc:
        root = client.service_root_under()
        then = (f"Did you mean {root}? Set --url/ONEC_URL to the OData service root." if root else
                "In the Configurator: Administration → Publish to web server → tick 'Publish standard OData "
                "interface'.")
        return [CheckResult("reachable", Outcome.OK, "the server answered"), _failed("odata published", exc, then=then)]
    except OnecError as exc:
        return [_failed("reachable", exc)]
    if not _looks_like_service_document(resp.content_type, resp.content):
        error = ResponseError(f"{client.transport.safe_base_url} answered HTTP {resp.status}, but not as a 1C "
                              "OData publication", status=resp.status, url=resp.url,
                              hint="Check the URL: it must end in /odata/standard.odata/ of a published 1C base.")
        return [CheckResult("reachable", Outcome.OK, f"the server answered HTTP {resp.status}"),
                _failed("odata published", error)]
    return [
        CheckResult("reachable", Outcome.OK, f"the service root answered HTTP {resp.status}"),
        CheckResult("credentials", Outcome.OK, f"accepted for user {settings.user or '(none)'}"),
        clock_check(resp.headers),
    ]


def _looks_like_service_document(content_type: str, body: bytes) -> bool:
    """1C's service root lists the entity sets: JSON ``{"odata.metadata": …, "value": […]}`` or an
    Atom/XML ``<service>`` document. A plain web server's 200 is neither."""
    head = body[:4096].lstrip()
    if "json" in content_type:
        return b'"value"' in body[:200_000] or b"odata.metadata" in head
    return "xml" in content_type and (b"<service" in head or b":service" in head)


def profile_checks(md: Metadata, profile_overrides: Mapping[str, object] | None = None) -> list[CheckResult]:
    """Family detection and the sets/attributes onec-history needs (see profiles)."""
    if "family" not in (profile_overrides or {}) and family_c.is_family_c(md):
        return family_c_checks(md)
    try:
        profile = detect_profile(md, profile_overrides)
    except ProfileError as exc:
        return [_failed("configuration family", exc)]
    out = [CheckResult("configuration family", Outcome.OK, profile.describe())]
    missing_sets = [s for s in profile.required_sets() if s not in md]
    if missing_sets:
        out.append(
            CheckResult(
                "published sets",
                Outcome.FAIL,
                "not published: " + ", ".join(missing_sets) + ".",
                "Ask the 1C administrator to run, in 1C:Enterprise mode (e.g. an external data processor):",
                snippet=publish_snippet(missing_sets),
                error=NotPublishedError(missing_sets[0]),
            )
        )
    else:
        out.append(CheckResult("published sets", Outcome.OK, ", ".join(profile.required_sets())))
    optional = [s for s in profile.optional_sets() if s not in md]
    if optional:
        out.append(
            CheckResult(
                "optional sets",
                Outcome.WARN,
                "not published (chains and history will skip them): " + ", ".join(optional),
                snippet=publish_snippet(optional),
            )
        )
    out.append(sets_used(md, profile))
    problems = profile.missing_attributes(md)
    if problems:
        out.append(
            CheckResult(
                "attributes",
                Outcome.WARN,
                "expected by the profile but absent: " + "; ".join(problems) + ".",
                "Map them in the config file's [profile] section (README, 'Customised bases').",
            )
        )
    else:
        out.append(CheckResult("attributes", Outcome.OK, "every attribute the profile maps is present"))
    return out


def family_c_checks(md: Metadata) -> list[CheckResult]:
    """A «Взаимодействия» base (УТ 11 / КА 2 / ERP): what shows it, and every set family C needs,
    with what each is for and the 1C code that publishes the missing ones."""
    found = family_c.marks(md)
    required, optional = family_c.missing(md)
    readable = [name for name in family_c.INTERACTIONS if name in md]
    summary = (f"{FAMILY_TITLES[Family.C]}: client history in interactions tied to partners (seen: "
               + ", ".join(found[:4]) + (", …" if len(found) > 4 else "") + ").")
    if readable:
        out = [CheckResult("configuration family", Outcome.OK, summary)]
    else:
        out = [CheckResult(
            "configuration family", Outcome.FAIL, summary,
            "None of the interaction documents is published, so there is no client history to read yet; "
            "publish the sets below.",
            error=NotPublishedError(family_c.INTERACTIONS[0]),
        )]
    uses = tuple(SetUse(s.name, s.purpose, s.name in md, s.required) for s in family_c.SETS)
    if required:
        out.append(CheckResult(
            "published sets", Outcome.FAIL,
            f"not published: {len(required)} of the {sum(s.required for s in family_c.SETS)} sets family C "
            "needs (✗ in the list below, optional ones included).",
            "Ask the 1C administrator to run, in 1C:Enterprise mode (e.g. an external data processor), the code "
            "after the list (it adds them and keeps what is published):",
            snippet=publish_snippet([s.name for s in (*required, *optional)]),
            error=NotPublishedError(required[0].name),
            sets=uses,
        ))
    else:
        out.append(CheckResult("published sets", Outcome.OK, "every set family C needs is published", sets=uses))
        if optional:
            out.append(CheckResult(
                "optional sets", Outcome.WARN,
                "not published (subjects, deals, last contact and the sales chain will be missing): "
                + ", ".join(s.name for s in optional),
                snippet=publish_snippet([s.name for s in optional]),
            ))
    return out


def set_uses(md: Metadata, profile: Profile) -> list[SetUse]:
    """Every set the features read — the profile's required and optional sets, then the documents
    the chains follow — with what each is for."""
    purposes = {
        profile.event_set: "events (Событие): lists, cards, create, export, reports",
        profile.counterparty_set: "clients: search, cards, import, reports",
        profile.users_set: "names of responsibles and managers; --responsible, --manager",
        f"{profile.event_set}_{profile.participants_section}":
            "participants of events: a client's events where it is not in the header",
        profile.state_catalog or "": "event states (УНФ keeps them as a catalog)",
    }
    required = profile.required_sets()
    linked = discover_links(md, profile.family).document_sets()
    names = dict.fromkeys((*required, *profile.optional_sets(), *linked))
    return [SetUse(name, purposes.get(name, "documents entered on the basis of events: chain, history, funnel"),
                   name in md, name in required) for name in names]


def sets_used(md: Metadata, profile: Profile) -> CheckResult:
    """Informational: what each set is for; missing ones are judged by "published sets" and
    "optional sets" (a document type the chains follow may well be unused in a base: it is skipped)."""
    uses = set_uses(md, profile)
    missing = sum(not u.published for u in uses)
    message = f"{len(uses)} sets the features read" + (f", {missing} not published (✗, skipped):" if missing
                                                        else ", all published:")
    return CheckResult("sets used", Outcome.OK, message, sets=tuple(uses))


def diagnose(client: Client, settings: Settings, *, demo: bool = False) -> Diagnosis:
    """Run every check against the base ``client`` talks to; ``settings`` are where it came from.

    ``demo`` says the client talks to the built-in demo base (started because no URL was set).
    Never raises an onec-history error: each one becomes a failed check, and the checks after it
    that depend on it are not run.
    """
    target = "built-in demo base" if demo else (settings.url or "")
    origin = "no config file" if settings.source == "defaults" else f"config file {settings.source}"
    checks = [CheckResult("configuration", Outcome.OK, f"{target} ({origin})")]
    connection = _connection_checks(client, settings)
    checks.extend(connection)
    if any(c.outcome is Outcome.FAIL for c in connection):
        return Diagnosis(tuple(checks))
    try:
        md = client.metadata(refresh=True)
    except OnecError as exc:
        checks.append(_failed("metadata", exc))
        return Diagnosis(tuple(checks))
    checks.append(CheckResult("odata published", Outcome.OK, f"$metadata lists {len(md.sets)} entity sets"))
    checks.extend(profile_checks(md, settings.profile))
    return Diagnosis(tuple(checks), md)

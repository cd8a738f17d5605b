"""``onec-history doctor`` and ``onec-history metadata``: is the base usable, and what does it publish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import click

from ..errors import AmbiguousError, AuthError, NotFoundError, OnecError, TransportError
from ..exitcodes import ExitCode, exit_code_for
from ..metadata import EntitySet, Metadata
from ..query import Query
from .app import App, pass_app
from .output import emit, format_option

__all__ = ["doctor", "metadata_cmd", "publish_snippet"]


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    code: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail}


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


def _clock_check(headers: Any) -> Check:
    raw = headers.get("Date") if headers else None
    if not raw:
        return Check("clock", "warn", "the server sent no Date header; cannot compare clocks")
    try:
        theirs = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return Check("clock", "warn", f"unreadable Date header {raw!r}")
    skew = (theirs - datetime.now(timezone.utc)).total_seconds()
    status = "ok" if abs(skew) < 120 else "warn"
    return Check(
        "clock",
        status,
        f"web server clock differs from ours by {skew:+.0f} s"
        + ("" if status == "ok" else " — date filters near 'now' may be off; sync the clocks (NTP)"),
    )


def run_checks(app: App) -> tuple[list[Check], Metadata | None]:
    checks: list[Check] = []
    settings = app.settings()
    target = "built-in demo base" if app.using_demo() else (settings.url or "")
    origin = "no config file" if settings.source == "defaults" else f"config file {settings.source}"
    checks.append(Check("configuration", "ok", f"{target} ({origin})"))
    client = app.client()
    try:
        resp = client.transport.get_bytes("", Query().render())
        checks.append(Check("reachable", "ok", f"the service root answered HTTP {resp.status}"))
        checks.append(Check("credentials", "ok", f"accepted for user {settings.user or '(none)'}"))
        checks.append(_clock_check(resp.headers))
    except TransportError as exc:
        checks.append(Check("reachable", "fail", exc.explain(), exit_code_for(exc)))
        return checks, None
    except AuthError as exc:
        checks.append(Check("reachable", "ok", "the server answered"))
        checks.append(Check("credentials", "fail", exc.explain(), exit_code_for(exc)))
        return checks, None
    except NotFoundError as exc:
        checks.append(Check("reachable", "ok", "the server answered"))
        checks.append(
            Check(
                "odata published",
                "fail",
                exc.explain() + " In the Configurator: Administration → Publish to web server → "
                "tick 'Publish standard OData interface'.",
                exit_code_for(exc),
            )
        )
        return checks, None
    except OnecError as exc:
        checks.append(Check("reachable", "fail", exc.explain(), exit_code_for(exc)))
        return checks, None
    try:
        md = client.metadata(refresh=True)
    except OnecError as exc:
        checks.append(Check("metadata", "fail", exc.explain(), exit_code_for(exc)))
        return checks, None
    checks.append(Check("odata published", "ok", f"$metadata lists {len(md.sets)} entity sets"))
    checks.extend(profile_checks(app, md))
    return checks, md


def profile_checks(app: App, md: Metadata) -> list[Check]:
    """Family detection and the sets/attributes onec-history needs (see profiles)."""
    from ..profiles import ProfileError, detect_profile

    try:
        profile = detect_profile(md, app.settings().profile)
    except ProfileError as exc:
        return [Check("configuration family", "fail", exc.explain(), exit_code_for(exc))]
    out = [Check("configuration family", "ok", profile.describe())]
    missing_sets = [s for s in profile.required_sets() if s not in md]
    if missing_sets:
        out.append(
            Check(
                "published sets",
                "fail",
                "not published: " + ", ".join(missing_sets) + ". Ask the 1C administrator to run, "
                "in 1C:Enterprise mode (e.g. an external data processor):\n" + publish_snippet(missing_sets),
                int(ExitCode.NOT_PUBLISHED),
            )
        )
    else:
        out.append(Check("published sets", "ok", ", ".join(profile.required_sets())))
    optional = [s for s in profile.optional_sets() if s not in md]
    if optional:
        out.append(
            Check(
                "optional sets",
                "warn",
                "not published (chains and history will skip them): " + ", ".join(optional)
                + "\n" + publish_snippet(optional),
            )
        )
    problems = profile.missing_attributes(md)
    if problems:
        out.append(
            Check(
                "attributes",
                "warn",
                "expected by the profile but absent: " + "; ".join(problems)
                + ". Map them in the config file's [profile] section (README, 'Customised bases').",
            )
        )
    else:
        out.append(Check("attributes", "ok", "every attribute the profile maps is present"))
    return out


@click.command()
@format_option(choices=("table", "json"))
@pass_app
@click.pass_context
def doctor(ctx: click.Context, app: App, fmt: str) -> None:
    """Check the base: reachable, credentials, OData published, needed sets, clocks."""
    checks, _ = run_checks(app)
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
        for c in checks:
            head, *rest = c.detail.split("\n")
            click.echo(f"[{marks[c.status]}] {c.name}: {head}")
            for line in rest:
                click.echo(f"         {line}")
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        ctx.exit(failed[0].code or int(ExitCode.FAILURE))


def _describe(es: EntitySet) -> dict[str, Any]:
    return {
        "name": es.name,
        "kind": es.kind.value,
        "key": list(es.key),
        "properties": [
            {"name": p.name, "type": p.edm_type, "nullable": p.nullable} for p in es.properties.values()
        ],
        "composites": [{"name": c.name, "type_property": c.type_property} for c in es.composites.values()],
        "references": [
            {"name": r.name, "key_property": r.key_property, "target_set": r.target_set}
            for r in es.references.values()
        ],
        "tabular_sections": [
            {"name": t.name, "set": t.set_name, "columns": list(t.properties)} for t in es.tabular_sections.values()
        ],
        "actions": list(es.actions),
        "owner": es.owner,
    }


def _set_name(md: Metadata, name: str) -> str:
    """``Событие`` or ``документ_событие`` → ``Document_Событие``: the one published set so named."""
    if name in md:
        return name
    folded = name.casefold()
    found = sorted(s for s in md.sets if folded in (s.casefold(), s.partition("_")[2].casefold()))
    if len(found) > 1:
        raise AmbiguousError(f"'{name}' names {len(found)} published sets", choices=found,
                             hint="Give the full name.")
    return found[0] if found else name


@click.command("metadata")
@click.argument("entity_set", required=False)
@click.option("--refresh", is_flag=True, help="Fetch $metadata again instead of using the cache.")
@click.option("--kind", help="Only sets of this kind (Catalog, Document, …).")
@format_option(choices=("table", "json"))
@pass_app
def metadata_cmd(app: App, entity_set: str | None, refresh: bool, kind: str | None, fmt: str) -> None:
    """List the published entity sets, or describe one (properties, composites, references, …)."""
    md = app.client().metadata(refresh=refresh)
    if entity_set is None:
        rows = [
            {"set": es.name, "kind": es.kind.value, "properties": len(es.properties),
             "tabular_sections": len(es.tabular_sections), "actions": ",".join(es.actions)}
            for es in sorted(md.sets.values(), key=lambda s: s.name)
            if kind is None or es.kind.value.lower() == kind.lower()
        ]
        emit(rows, fmt, columns=[("set", "set"), ("kind", "kind"), ("properties", "props"),
                                 ("tabular_sections", "TS"), ("actions", "actions")])
        return
    info = _describe(md.get(_set_name(md, entity_set)))
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"{info['name']}  ({info['kind']}, key {', '.join(info['key'])})")
    if info["owner"]:
        click.echo(f"  tabular section of {info['owner']}")
    click.echo("  properties:")
    for p in info["properties"]:
        click.echo(f"    {p['name']}: {p['type']}{'' if p['nullable'] else ' (not null)'}")
    for c in info["composites"]:
        click.echo(f"  composite: {c['name']} (+ {c['type_property']})")
    for r in info["references"]:
        click.echo(f"  reference: {r['key_property']} → {r['target_set'] or '(target not published)'}")
    for t in info["tabular_sections"]:
        click.echo(f"  tabular section: {t['name']} → {t['set'] or '(rows set not published)'}: "
                   + ", ".join(t["columns"]))
    if info["actions"]:
        click.echo("  actions: " + ", ".join(info["actions"]))

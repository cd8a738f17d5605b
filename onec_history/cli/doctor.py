"""``onec-history doctor`` and ``onec-history metadata``: is the base usable, and what does it publish."""

from __future__ import annotations

import json
from typing import Any

import click

from ..doctor import Diagnosis, Outcome, diagnose, publish_snippet
from ..errors import AmbiguousError
from ..exitcodes import ExitCode, exit_code_for
from ..metadata import EntitySet, Metadata
from .app import App, pass_app
from .many import overall_code, run_per_base, selected_bases, summary_json, summary_table
from .output import emit, format_option

__all__ = ["doctor", "metadata_cmd", "publish_snippet"]

_MARKS = {Outcome.OK: "OK  ", Outcome.WARN: "WARN", Outcome.FAIL: "FAIL"}


def _exit_code(diagnosis: Diagnosis) -> ExitCode:
    """The first failed check's error decides the code (FAILURE when it carries none)."""
    failed = diagnosis.failures
    if not failed:
        return ExitCode.OK
    error = failed[0].error
    return exit_code_for(error) if error is not None else ExitCode.FAILURE


@click.command()
@format_option(choices=("table", "json"))
@pass_app
@click.pass_context
def doctor(ctx: click.Context, app: App, fmt: str) -> None:
    """Check the base: reachable, credentials, OData published, needed sets, clocks.

    With --base all every base of the config file, as 'onec-history bases' does."""
    names = selected_bases(app)
    if names is not None:
        from .bases_cmd import check_base

        outcomes = run_per_base(app, names, check_base, jobs=4)
        if fmt == "json":
            click.echo(summary_json(outcomes))
        else:
            summary_table(outcomes, [("family", "Семейство"), ("url", "URL")])
        if overall_code(outcomes):
            ctx.exit(int(overall_code(outcomes)))
        return
    settings = app.settings()
    demo = app.using_demo()
    diagnosis = diagnose(app.client(), settings, demo=demo)
    if fmt == "json":
        rows = [{"check": c.name, "status": c.outcome.value, "detail": c.explain(),
                 **({"sets": [{"set": u.name, "for": u.purpose, "published": u.published, "required": u.required}
                              for u in c.sets]} if c.sets else {})} for c in diagnosis.checks]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for c in diagnosis.checks:
            head, *rest = c.explain().split("\n")
            click.echo(f"[{_MARKS[c.outcome]}] {c.name}: {head}")
            for line in rest:
                click.echo(f"         {line}")
    code = _exit_code(diagnosis)
    if code is not ExitCode.OK:
        ctx.exit(int(code))


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

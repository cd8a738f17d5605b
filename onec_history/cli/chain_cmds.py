"""``chain``, ``history`` and ``links``: basis-document chains and a client's whole history."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

import click

from ..chains.chains import Chains
from ..chains.render import chain_json, history_json, history_text, to_dot, to_mermaid, to_tree
from ..chains.timeline import STRATEGIES
from ..chains.walk import DEFAULT_DEPTH, AmbiguousDocumentError
from ..exitcodes import ExitCode
from ..presentations import type_title
from . import output
from .app import App, pass_app
from .output import emit, format_option, output_file
from .params import DATE, UNTIL, resolve_client

__all__ = ["chain_cmd", "history_cmd", "links_cmd"]

def _chains(app: App, jobs: int = 4) -> Chains:
    return Chains(app.history(), link_overrides=app.links(), jobs=jobs)


class _Meter:
    """Requests, bytes and time of one command, from the transport's counters."""

    def __init__(self, chains: Chains) -> None:
        self.stats = chains.client.transport.stats
        self.requests, self.received, self.started = self.stats.requests, self.stats.bytes_received, time.monotonic()

    def result(self) -> dict[str, Any]:
        return {"requests": self.stats.requests - self.requests,
                "bytes_received": self.stats.bytes_received - self.received,
                "seconds": round(time.monotonic() - self.started, 3)}

    def line(self) -> str:
        r = self.result()
        size = f"{r['bytes_received']:,}".replace(",", " ")
        return f"requests: {r['requests']}, bytes received: {size}, time: {r['seconds']:.2f} s (after $metadata)"


def _width() -> int | None:
    """The terminal's columns for the tree and the history; ``None`` (lines whole) when piped or
    with --wide, as the tables do."""
    return output.terminal_width()


def _warn(app: App, warnings: list[str]) -> None:
    for w in warnings:
        app.note(f"warning: {w}")


def _jobs_option(fn: Any) -> Any:
    return click.option("--jobs", type=click.IntRange(1, 32), default=4, show_default=True,
                        help="Requests in flight at once (1C is the slow side: keep it small).")(fn)


def _output_option(fn: Any) -> Any:
    return click.option("-o", "--output", default="-", show_default=True,
                        help="File for svg/html (- for stdout).")(fn)


def _write_page(app: App, page: str, output: str) -> None:
    """A page or picture to ``output`` (UTF-8 whatever the console's code page), or to stdout."""
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(page.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    with output_file(output) as stream:
        stream.write(page)
    app.note(f"Written {output} ({len(page.encode('utf-8')) // 1024 + 1} KB)")


@click.command("chain")
@click.argument("doc")
@click.argument("number", required=False)
@click.option("--type", "type_name", help="Document type for a bare reference or number (Событие, ЗаказПокупателя…).")
@click.option("--year", type=int, help="Year of the document when numbers repeat across years.")
@click.option("--up", "direction", flag_value="up", help="Only what the document was entered on the basis of.")
@click.option("--down", "direction", flag_value="down", help="Only what was entered on its basis.")
@click.option("--both", "direction", flag_value="both", default=True,
              help="The whole tree from the first document (default, as 1C's form).")
@click.option("--depth", type=click.IntRange(1, 1000), default=DEFAULT_DEPTH, show_default=True,
              help="At most this many links away.")
@click.option("--format", "fmt", type=click.Choice(["tree", "json", "dot", "mermaid", "svg", "html"]), default="tree",
              show_default=True, help="tree for people; json (documented schema), dot (Graphviz), mermaid; "
                                      "svg (a picture) or html (a page with it), drawn without any other program.")
@_output_option
@click.option("--stats", is_flag=True, help="Print requests made, bytes received and time on stderr.")
@_jobs_option
@pass_app
@click.pass_context
def chain_cmd(ctx: click.Context, app: App, doc: str, number: str | None, type_name: str | None, year: int | None,
              direction: str, depth: int, fmt: str, output: str, stats: bool, jobs: int) -> None:
    """The chain of documents around DOC, like 1C's «Структура подчиненности».

    DOC is Document_X(guid'…'), a bare reference (with --type, or searched in the linked types),
    or a type and a NUMBER: «onec-history chain Событие 00000000270» (leading zeros may be left out).
    Marks: ✓ posted, ○ not posted, ✗ marked for deletion, · cannot be posted, ? not readable.
    """
    chains = _chains(app, jobs)
    chains.links  # noqa: B018 - $metadata and the profile before the meter starts
    meter = _Meter(chains)
    try:
        start = chains.resolve(doc, number, type_name=type_name, year=year)
    except AmbiguousDocumentError as exc:
        click.echo(f"'{number or doc}' matches several documents:", err=True)
        for key, num, when in exc.candidates:
            click.echo(f"  {key.id}  {num}  {when:%d.%m.%Y}" if when else f"  {key.id}  {num}", err=True)
        click.echo(exc.hint, err=True)
        ctx.exit(int(ExitCode.AMBIGUOUS))
    chain = chains.walk(start, direction=direction, depth=depth)
    _warn(app, chain.warnings)
    if fmt == "json":
        click.echo(json.dumps(chain_json(chain, stats=meter.result() if stats else None), ensure_ascii=False,
                              indent=2))
    elif fmt == "dot":
        click.echo(to_dot(chain), nl=False)
    elif fmt == "mermaid":
        click.echo(to_mermaid(chain), nl=False)
    elif fmt in ("svg", "html"):
        from ..pages.html import chain_html
        from ..pages.svg import chain_svg

        node = chain.nodes.get(start)
        title = " ".join(x for x in (type_title(start.entity_set), node.number if node else None) if x)
        page = chain_svg(chain, label=title) + "\n" if fmt == "svg" else chain_html(chain, title, base=app.base_label())
        _write_page(app, page, output)
    else:
        click.echo(to_tree(chain, width=_width()), nl=False)
    if stats:
        click.echo(meter.line(), err=True)


@click.command("history")
@click.argument("client")
@click.option("--since", type=DATE, help="From this date (YYYY-MM-DD or DD.MM.YYYY).")
@click.option("--until", type=UNTIL, help="Up to this date (a bare date includes the whole day).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True,
              help="table for people; json (documented schema) for scripts; html: one self-contained page with "
                   "the card and every chain drawn (with -o FILE).")
@_output_option
@click.option("--strategy", type=click.Choice(list(STRATEGIES)), default="auto", show_default=True,
              help="Complete the chains by walking (few documents) or from the period's link graph (many).")
@click.option("--depth", type=click.IntRange(1, 1000), default=DEFAULT_DEPTH, show_default=True,
              help="At most this many links away from the client's own documents.")
@click.option("--stats", is_flag=True, help="Print requests made, bytes received and time on stderr.")
@_jobs_option
@pass_app
@click.pass_context
def history_cmd(ctx: click.Context, app: App, client: str, since: datetime | None, until: datetime | None,
                fmt: str, output: str, strategy: str, depth: int, stats: bool, jobs: int) -> None:
    """CLIENT's timeline: events and documents, grouped by chain, in time order, with each step's state.

    CLIENT is a name or its beginning, a code, an ИНН or a reference. Shown: the client's events
    (in the header or among the participants), the documents made out to it (orders, invoices,
    deliveries) and every document linked to them.
    """
    chains = _chains(app, jobs)
    chains.links  # noqa: B018 - $metadata and the profile before the meter starts
    meter = _Meter(chains)
    cp = resolve_client(ctx, chains.history, client)
    timeline = chains.timeline(cp.ref, since=since, until=until, strategy=strategy, depth=depth)
    _warn(app, timeline.chain.warnings)
    if fmt in ("json", "html"):
        # The card as the page shows it, in both: the page costs 1C no request the JSON does not.
        card = chains.history.counterparty_search.with_names([cp])[0]
    if fmt == "json":
        who = {"ref": cp.ref, "name": cp.name, "inn": cp.inn, "kpp": card.kpp, "code": card.code,
               "full_name": card.full_name, "group": card.parent_name, "manager": card.manager_name,
               "partner": card.partner_name}
        click.echo(json.dumps(history_json(timeline, who, meter.result() if stats else None),
                              ensure_ascii=False, indent=2))
    elif fmt == "html":
        from ..pages.html import history_html

        partner = " ".join(x for x in (card.partner_name, f"(код {card.partner_code})" if card.partner_code else "")
                           if x)
        fields = {"name": card.name, "Полное наименование": card.full_name if card.full_name != card.name else None,
                  "Код": None if card.partner_code else card.code, "ИНН": card.inn, "КПП": card.kpp,
                  "Группа": card.parent_name, "Партнер": partner, "Менеджер": card.manager_name}
        _write_page(app, history_html(timeline, fields, base=app.base_label(), generated=datetime.now()), output)
    else:
        title = cp.name + (f" (ИНН {cp.inn})" if cp.inn else "")
        click.echo(history_text(timeline, title, cp.ref, width=_width(),
                                client_refs=[cp.partner] if cp.partner else []), nl=False)
    if stats:
        click.echo(meter.line() + f", strategy: {timeline.strategy}", err=True)


@click.command("links")
@format_option()
@pass_app
def links_cmd(app: App, fmt: str) -> None:
    """The (document, attribute) pairs used to rebuild chains: built-in, from $metadata, from the config."""
    chains = _chains(app)
    table = chains.links
    rows = [{
        "document": lk.source_set,
        "section": lk.section,
        "attribute": lk.attribute,
        "kind": lk.kind.value,
        "targets": list(lk.targets) if lk.targets else None,
        "origin": lk.origin,
        "query_set": lk.query_set if lk.section is None or lk.section_set else f"{lk.source_set} ({lk.section}/any)",
    } for lk in table]
    _warn(app, list(table.warnings))
    if fmt == "table":
        for row in rows:
            row["targets"] = ", ".join(row["targets"]) if row["targets"] else "любой документ"
    emit(rows, fmt, columns=[("document", "Документ"), ("section", "Табличная часть"), ("attribute", "Реквизит"),
                             ("kind", "Вид"), ("targets", "Может указывать на"), ("origin", "Источник"),
                             ("query_set", "Обратный запрос")])
    if fmt == "table":
        app.note(f"{len(rows)} links; change them with [profile] links = {{add = [...], remove = [...]}}")

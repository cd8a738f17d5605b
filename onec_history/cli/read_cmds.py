"""``counterparties search|show`` and ``events list|show``: the client card and its «События» tab.

The commands are added to their groups (``groups.py``) in ``commands.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import click

from ..counterparties.contacts import ContactCard, phones_of
from ..errors import QueryError
from ..history import EventFilter, History
from ..models import Counterparty, Event, EventState
from ..presentations import event_labels, kind_title, type_title
from .app import App, pass_app
from .output import emit, format_option, plain
from .params import build_filter, event_filter_options, resolve_client
from .progress import progress as progress_line
from .rows import CP_COLUMNS, cp_row, event_columns, event_row, marked

__all__ = ["list_cmd", "search_cmd", "show_cmd", "show_event_cmd"]


@click.command("search")
@click.argument("text", required=False)
@click.option("--group", help="Only this folder (e.g. «Покупатели») and every folder inside it.")
@click.option("--inn", help="By ИНН.")
@click.option("--code", help="By code.")
@click.option("--substring", is_flag=True, help="Match anywhere in the name, not only at the beginning.")
@click.option("--buyers", is_flag=True, help="Buyers only (Покупатель = true).")
@click.option("--folders", is_flag=True, help="Include folders (groups) in the result.")
@click.option("--phone", help="By phone, written any usual way: +7 (495) 123-45-67, 84951234567, "
                              "495-123-45-67 доб. 12 (the whole number must match).")
@click.option("--email", help="By e-mail (case-insensitive, the whole address).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="At most this many (0: no limit).")
@format_option()
@pass_app
def search_cmd(app: App, text: str | None, group: str | None, inn: str | None, code: str | None,
               substring: bool, buyers: bool, folders: bool, phone: str | None, email: str | None, limit: int,
               fmt: str) -> None:
    """Counterparties whose name begins with TEXT (as 1C's quick search does), or by --phone / --email."""
    history = app.history()
    if phone is not None or email is not None:
        if not (phone or email or "").strip():  # a hidden caller id: nobody, never every counterparty
            raise QueryError("--phone/--email is empty", hint="Give the number or the address to look for.")
        if (phone is not None and email is not None) or text or inn or code or group or substring or buyers \
                or folders:
            raise click.UsageError("--phone and --email are searched alone: give one of them and nothing else.")
        found = history.find_by_phone(phone) if phone else history.find_by_email(email or "")
        found = found[:limit] if limit else found
    else:
        found = list(history.search_counterparties(text, substring=substring, inn=inn, code=code, group=group,
                                                   buyers_only=buyers, folders=folders, limit=limit or None))
    n = emit((cp_row(c, mark=fmt == "table") for c in history.counterparty_search.with_names(found)), fmt,
             columns=marked(CP_COLUMNS, fmt))
    if fmt == "table":
        app.note(f"{n} found")


@click.command("show")
@click.argument("client")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="At most this many events (0: no limit).")
@click.option("--contacts", is_flag=True,
              help="Also the client's phones, e-mails and contact persons (three more requests).")
@format_option(choices=("table", "json"))
@pass_app
@click.pass_context
def show_cmd(ctx: click.Context, app: App, client: str, limit: int, contacts: bool, fmt: str) -> None:
    """The card of CLIENT (name prefix, code, ИНН or reference) and its events, newest first."""
    history = app.history()
    cp = history.counterparty_search.with_names([resolve_client(ctx, history, client)])[0]
    card = history.contacts.card(cp.ref) if contacts else None
    evs = list(history.events(EventFilter(counterparty=cp.ref), limit=limit or None))
    if fmt == "json":
        import json

        last = last_contact(evs)
        doc: dict[str, Any] = {"counterparty": cp_row(cp), "events": [event_row(e) for e in evs],
                               "last_contact": (last.start or last.date) if last is not None else None}
        if history.profile.documents:
            doc["partner_persons"] = partner_persons(history, cp)
        if card is not None:
            doc["contacts"] = card.as_dict()
        click.echo(json.dumps(plain(doc), ensure_ascii=False, indent=2))
        return
    persons = partner_persons(history, cp)
    click.echo(f"{cp.name}" + (f"  ({cp.full_name})" if cp.full_name and cp.full_name != cp.name else ""))
    partner = " ".join(x for x in (cp.partner_name, f"(код {cp.partner_code})" if cp.partner_code else "") if x)
    for label, value in (("Код", None if cp.partner_code else cp.code), ("ИНН", cp.inn), ("КПП", cp.kpp),
                         ("Группа", cp.parent_name), ("Партнер", partner), ("Менеджер", cp.manager_name),
                         ("Комментарий", cp.comment), ("Ссылка", cp.ref)):
        if value:
            click.echo(f"  {label}: {value}")
    if persons and (card is None or not card.persons):
        click.echo("  Контактные лица партнера: " + ", ".join(persons))
    family = history.profile.family
    last = last_contact(evs)
    if last is not None:
        kind = kind_title(last.kind_raw, family, last.document_set) or (last.kind.value if last.kind else "")
        click.echo(f"  Последний контакт: {_detail(last.start or last.date)} ({kind}"
                   + (f", {last.subject}" if last.subject else "") + ")")
    if card is not None:
        _echo_contacts(card)
    click.echo("")
    click.echo(f"События ({len(evs)}{'+' if limit and len(evs) >= limit else ''}):")
    postable = history.profile.can_post_events
    emit((event_row(e, mark=True, postable=postable, family=family) for e in evs), "table",
         columns=marked(event_columns(family, who=False), "table"))


_LONG_LIST = 1000  # rows after which a list shows how far it is


@click.command("list")
@click.option("--counterparty", "client", help="Only this client: name prefix, code, ИНН or reference.")
@event_filter_options
@click.option("--oldest-first", is_flag=True, help="Oldest first (default: newest first).")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="At most this many (0: no limit).")
@format_option()
@pass_app
@click.pass_context
def list_cmd(ctx: click.Context, app: App, client: str | None, since: datetime | None, until: datetime | None,
             kind: str | None, state: str | None, direction: str | None, responsible: str | None,
             oldest_first: bool, limit: int, fmt: str) -> None:
    """Events filtered by client, period, kind, state, direction and responsible."""
    history = app.history()
    cp = resolve_client(ctx, history, client).ref if client else None
    f = build_filter(history, counterparty=cp, since=since, until=until, kind=kind, state=state,
                     direction=direction, responsible=responsible)
    postable = history.profile.can_post_events
    family = history.profile.family
    people = fmt in ("table", "csv")  # 1C's presentations; json and jsonl keep the raw values
    rows: Iterable[dict[str, Any]] = (
        event_row(e, mark=fmt == "table", postable=postable, family=family if people else None)
        for e in history.events(f, newest_first=not oldest_first, limit=limit or None))
    columns = marked(event_columns(family), fmt)
    # A long list (--limit 0 on a big base) counts what is read on stderr; a table is laid out when
    # everything is in, so the line is cleared first. Streamed formats onto this terminal: no line.
    long = not limit or limit > _LONG_LIST
    streamed_here = fmt != "table" and sys.stdout.isatty()
    with progress_line("events", unit="events", quiet=app.quiet or not long or streamed_here) as bar:
        if fmt == "table":
            rows = list(bar.over(rows))
        else:
            n = emit(bar.over(rows), fmt, columns=columns)
    if fmt == "table":
        n = emit(rows, fmt, columns=columns)
        app.note(f"{n} events")


@click.command("show")
@click.argument("ref")
@click.option("--contacts", is_flag=True,
              help="Also the contact person by name and the client's phones (a request or two more).")
@format_option(choices=("table", "json"))
@pass_app
def show_event_cmd(app: App, ref: str, contacts: bool, fmt: str) -> None:
    """One event by its reference: the GUID (Ref_Key) or Document_Событие(guid'…')."""
    history = app.history()
    e = history.get_event(ref)
    row = event_row(e)
    if history.profile.documents:  # family C: the contact person and the subject come with the card
        row["contact_name"] = history.contact_person_of(e)
        row["document_type"] = (e.document_set or "").removeprefix("Document_")
        row["topic_name"] = e.topic.title or e.topic.ref if e.topic else None
        if e.counterparty_name:
            row["partner_name"] = e.counterparty_name
            row["who"] = None
    if contacts:
        row["contact_name"] = history.contact_person_of(e)
        if e.counterparty and e.counterparty_set == history.profile.counterparty_set:
            row["client_phones"] = phones_of(history, [e.counterparty]).get(e.counterparty, [])
    if fmt == "json":
        import json

        click.echo(json.dumps(plain(row), ensure_ascii=False, indent=2))
        return
    family = history.profile.family
    names = event_labels(family)
    present = event_row(e, family=family)
    row.update({k: present[k] for k in ("kind_raw", "direction_raw", "state_raw")})
    if row.get("document_type"):
        row["document_type"] = type_title(str(row["document_type"]))
        row["kind_raw"] = None  # family C: the document type is the kind
    labels = [("document_type", "Документ"), ("number", "Номер"), ("date", "Дата"),
              *([("posted", names.posted)] if names.posted else []),  # УНФ's and УТ 11's events are never posted
              ("deleted", "Пометка удаления"), ("kind_raw", names.kind), ("direction_raw", names.direction),
              ("state_raw", names.state), ("who", "Контрагент"), ("partner_name", "Партнер"),
              ("client_phones", "Телефоны"), ("contact_name", "Контактное лицо"),
              ("responsible_name", "Ответственный"), ("start", names.start), ("end", names.end),
              ("subject", names.subject), ("body", names.body), ("comment", "Комментарий"),
              ("topic_name", "Предмет"), ("reviewed", "Рассмотрено"), ("review_after", "Рассмотреть после"),
              ("ref", "Ссылка")]
    for key, label in labels:
        value = row.get(key)
        if value not in (None, "", []):
            click.echo(f"{label}: {_detail(value)}")
    if e.basis:
        basis = " ".join(x for x in (type_title(e.basis.entity_set), (e.basis.number or "").strip(),
                                     f"от {e.basis.date:%d.%m.%Y}" if e.basis.date else "") if x)
        click.echo(f"{names.basis}: {basis} ({e.basis.entity_set}(guid'{e.basis.ref}'))")
    for p in e.participants:
        who = p.text or p.name or p.ref
        click.echo(f"Участник {p.line}: {who}" + (f" ({p.entity_set}, {p.ref})" if p.ref else " (текст)"))


def last_contact(events: list[Event]) -> Event | None:
    """The latest completed contact among ``events`` (newest first): not planned, not cancelled,
    not marked for deletion — 1C's «last interaction» register counts those too, this does not."""
    done = [e for e in events if e.state is not EventState.PLANNED and e.state is not EventState.CANCELLED
            and not e.deleted and (e.start or e.date) is not None]
    return max(done, key=lambda e: e.start or e.date or datetime.min, default=None)


def partner_persons(history: History, cp: Counterparty) -> list[str]:
    """Family C: the names of the partner's contact persons (read with the client's interactions)."""
    profile = history.profile
    if not profile.documents or not cp.partner or not profile.person_set:
        return []
    refs = history.base.partners.persons_of(cp.partner)
    return [name for r in refs if (name := history.names.name(profile.person_set, r))]


def _echo_contacts(card: ContactCard) -> None:
    """The card's «Контактная информация» and «Контактные лица», as 1C's form lists them."""
    for label, values in (("Телефоны", card.phones), ("E-mail", card.emails)):
        if values:
            click.echo(f"  {label}: {', '.join(values)}")
    for kind, text in card.other:
        click.echo(f"  {kind or 'Контакт'}: {text}")
    if card.persons:
        click.echo("  Контактные лица:")
        for p in card.persons:
            details = ", ".join(x for x in (p.position, *p.phones, *p.emails) if x)
            click.echo(f"    {p.name}" + (f" — {details}" if details else ""))
    for missing in card.missing:
        click.echo(f"  (не опубликовано в OData: {missing})")


def _detail(value: Any) -> str:
    """One field of a card as 1C's form shows it: да/нет, 02.03.2026 10:15:04; text keeps its lines."""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

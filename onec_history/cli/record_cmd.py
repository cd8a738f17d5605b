"""``onec-history record``: save what onec-history's everyday commands ask a base, anonymized, for
tests and replay.

The recording is made by running the commands themselves (``doctor``, ``links``, ``counterparties
search|show``, ``events list|show|export``, ``chain`` and ``history`` of the recorded client), in this
process, with their output discarded: a replay then answers exactly what they ask. In family C
(УТ 11, КА 2, ERP) the events are the six interaction documents, each shown by ``events show``, and
the client's code is its partner's.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Collection, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import click

from ..errors import OnecError
from ..exitcodes import ExitCode, exit_code_for
from ..history import History
from ..models import Counterparty
from ..recording import Anonymizer, Recorder, save_recording
from .app import App, pass_app

__all__ = ["KEY_ENV", "everyday_commands", "record", "run_command"]

#: Environment variable with the secret of the replacements (default: a random one, never stored).
KEY_ENV = "ONEC_RECORD_KEY"
#: At most this many documents of the client's history get their own ``chain`` (and events ``events show``).
DOCUMENTS_LIMIT = 30
_DOCUMENT = "Document_"  # OData's prefix of a document's set: chain takes documents only


def run_command(ctx: click.Context, app: App, argv: Sequence[str]) -> tuple[int, str, str]:
    """Run one onec-history command line (``["events", "list"]``) on ``app``'s base, as a new
    process would (a fresh History, nothing remembered from the commands before); returns the exit
    code, stdout and stderr."""
    root = ctx.find_root()
    group = root.command
    assert isinstance(group, click.Group)
    name, *args = argv
    cmd = group.get_command(root, name)
    if cmd is None:
        raise click.UsageError(f"no command {name!r}")
    app._history = None
    raw = io.BytesIO()  # a binary layer under stdout: an export to '-' writes to sys.stdout.buffer
    out, err = io.TextIOWrapper(raw, encoding="utf-8", write_through=True), io.StringIO()
    code = int(ExitCode.OK)
    with redirect_stdout(out), redirect_stderr(err):
        try:
            with cmd.make_context(name, list(args), parent=ctx) as sub:
                cmd.invoke(sub)
        except click.exceptions.Exit as exc:
            code = int(exc.exit_code)
        except click.ClickException as exc:
            code = exc.exit_code
            err.write(exc.format_message())
        except OnecError as exc:
            code = int(exit_code_for(exc))
            err.write(exc.explain())
    app._history = None
    out.flush()
    return code, raw.getvalue().decode("utf-8", errors="replace"), err.getvalue()


def everyday_commands(client: Counterparty, *, event_sets: Collection[str], limit: int, group: str | None = None,
                      code: str | None = None, documents: Sequence[dict[str, Any]] = ()) -> list[list[str]]:
    """The command lines a recording of ``client`` replays: what a person runs every day.

    ``event_sets`` are the sets of events (family C: the interaction documents); ``group`` is the
    name of the client's folder; ``code`` its code (family C: its partner's, default the
    counterparty's); ``documents`` are the nodes of the client's history (its JSON): each document
    gets a ``chain`` by its address and by type and number, each event an ``events show``; the
    period they span is exported with ``events export``.
    """
    name, n = client.name, str(limit)
    code = code or client.code
    commands = [
        ["doctor"],
        ["links"],
        ["counterparties", "search", "--limit", n],
        ["counterparties", "search", name, "--limit", n],
        ["counterparties", "show", name, "--limit", n],
        ["counterparties", "show", client.ref],
        ["events", "list", "--limit", n],
        ["events", "list", "--counterparty", name, "--limit", n],
        ["history", name],
        ["history", name, "--strategy", "walk"],
        ["history", name, "--strategy", "scan"],
        ["events", "export", "--counterparty", name],
    ]
    if code:
        commands.append(["counterparties", "show", code])
        commands.append(["counterparties", "search", "--code", code])
    if group:
        commands.append(["counterparties", "search", "--group", group, "--limit", n])
    documents = [d for d in documents if str(d.get("set")).startswith(_DOCUMENT)]  # a deal is no document
    dates = sorted(str(d["date"])[:10] for d in documents if isinstance(d.get("date"), str) and d.get("date"))
    if dates:
        commands.append(["events", "export", "--since", dates[0], "--until", dates[-1], "--format", "jsonl"])
    for node in documents[:DOCUMENTS_LIMIT]:
        address, set_name, number = node.get("id"), node.get("set"), node.get("number")
        if not isinstance(address, str) or node.get("missing"):
            continue
        commands.append(["chain", address])
        type_name = str(set_name).partition("_")[2] if isinstance(set_name, str) else ""
        if isinstance(number, str) and number.strip() and type_name:
            commands.append(["chain", f"{type_name} {number.strip()}"])
            short = number.strip().lstrip("0")
            if short and short != number.strip() and short.isdigit():
                commands.append(["chain", f"{type_name} {short}"])
        if set_name in event_sets and isinstance(node.get("ref"), str):
            commands.append(["events", "show", node["ref"]])
    return commands


def _client_code(ctx: click.Context, app: App, cp: Counterparty) -> str | None:
    """The code the client is found by: its own, or (family C, whose counterparties have none) the
    code its card shows, its partner's."""
    if cp.code:
        return cp.code
    status, text, _ = run_command(ctx, app, ["counterparties", "show", cp.ref, "--format", "json"])
    try:
        card = json.loads(text) if status == ExitCode.OK else {}
    except ValueError:
        return None
    found = card.get("counterparty", {}).get("code") if isinstance(card, dict) else None
    return found if isinstance(found, str) and found.strip() else None


def _history_nodes(text: str) -> list[dict[str, Any]]:
    """The nodes of ``history --format json`` output, in its order, each once."""
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    out: dict[str, dict[str, Any]] = {}
    for group in doc.get("chains", []) if isinstance(doc, dict) else []:
        for node in group.get("nodes", []) if isinstance(group, dict) else []:
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out.setdefault(node["id"], node)
    return list(out.values())


def _client(history: History, spec: str | None) -> Counterparty:
    if spec:
        return history.find_counterparty(spec)
    first = next(iter(history.search_counterparties(buyers_only=True, limit=1)), None)
    if first is None:
        raise OnecError("The base has no buyers to record a client card of; name one with --client")
    return first


def _key() -> bytes | None:
    value = os.environ.get(KEY_ENV)
    return value.encode("utf-8") if value else None


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write metadata.xml, exchanges.jsonl and manifest.json into.")
@click.option("--client", "client_spec", help="The client whose card, events, chains and history to record "
              "(name, code, ИНН or reference; default: the first buyer).")
@click.option("--events-limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Rows per listing (a replay answers any --limit up to this).")
@click.option("--keep-company-names", is_flag=True,
              help="Keep legal entities' names (ООО, АО…) as they are. By default they are replaced too; "
              "people, ИП and natural persons always are.")
@pass_app
@click.pass_context
def record(ctx: click.Context, app: App, out: Path, client_spec: str | None, events_limit: int,
           keep_company_names: bool) -> None:
    """Record $metadata and the answers to the everyday commands, with personal data replaced.

    Serve the result with 'onec-history demo serve --dataset DIR' or replay it in tests. The
    replacements are keyed by a random secret; set ONEC_RECORD_KEY to get the same fakes again.
    """
    client = app.client()
    recorder = Recorder()
    client.transport.observers.append(recorder)
    try:
        client.metadata(refresh=True)
        history = app.history()
        profile = history.profile
        # Probe the name search afresh, so that the recording holds the probes a new replay makes.
        history.base.memory.remember("prefix_search", None)
        cp = _client(history, client_spec)
        code, text, _ = run_command(ctx, app, ["history", cp.name, "--format", "json"])
        nodes = _history_nodes(text) if code == ExitCode.OK else []
        group = history.names.name(profile.counterparty_set, cp.parent) if cp.parent else None
        cp_code = _client_code(ctx, app, cp)
        commands = everyday_commands(cp, event_sets=profile.event_sets() or [profile.event_set],
                                     limit=events_limit, group=group, code=cp_code, documents=nodes)
        results = [(argv, *run_command(ctx, app, argv)) for argv in commands]
    finally:
        client.transport.observers.remove(recorder)
    anon = Anonymizer(_key(), keep_company_names=keep_company_names, profile=profile)
    anon.learn_recording(recorder.items)
    anon.classify_counterparties(client, recorder.items)
    replayed = [argv for argv, code, _, _ in results if code == ExitCode.OK]
    n = save_recording(recorder, out, family=profile.family.value, anonymizer=anon, root=client.transport.base_url,
                       manifest={"client": {"name": cp.name, "code": cp_code, "ref": cp.ref},
                                 "commands": replayed})
    for argv, code, _, err in results:
        if code != ExitCode.OK:
            first = (err.strip().splitlines() or [""])[0]
            app.note(f"  not recorded whole: onec-history {' '.join(argv)} (exit {code}: {first[:200]})")
    fake = anon.rewrite(cp.name)
    app.note(f"Recorded {n} exchanges of {len(replayed)} commands into {out}: ИНН, КПП, people's names (ИП and "
             f"natural persons included), {'' if keep_company_names else 'company names, '}phones, e-mails, "
             "event subjects, bodies and comments replaced")
    app.note(f"In the recording the client '{cp.name}' is '{fake}'" + (f" (code {cp_code})" if cp_code else "")
             + f"; replay with: onec-history demo serve --dataset {out}")

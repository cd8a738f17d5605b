"""``onec-history record``: save what onec-history asks a base, anonymized, for tests and replay."""

from __future__ import annotations

from pathlib import Path

import click

from ..recording import Recorder, record_scenario, save_recording
from .app import App, pass_app

__all__ = ["record"]


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write metadata.xml, exchanges.jsonl and manifest.json into.")
@click.option("--client", "client_spec", help="The client whose card to record (default: the first buyer).")
@click.option("--events-limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Events per listing.")
@pass_app
def record(app: App, out: Path, client_spec: str | None, events_limit: int) -> None:
    """Record $metadata and the answers to onec-history's queries, with personal data replaced.

    Serve the result with 'onec-history demo serve --dataset DIR' or replay it in tests.
    """
    client = app.client()
    recorder = Recorder()
    client.transport.observers.append(recorder)
    history = app.history()
    steps = record_scenario(history, client_spec, events_limit=events_limit)
    n = save_recording(recorder, out, family=history.profile.family.value)
    for step in steps:
        app.note(f"  {step}")
    app.note(f"Recorded {n} exchanges into {out} (ИНН, КПП, people's names, phones, e-mails and comments replaced)")

"""``onec-history demo serve|generate``: the built-in demo base as a local 1C publication."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError
from .app import App

__all__ = ["demo"]


@click.group()
def demo() -> None:
    """The demo base: a local server that behaves like a 1C OData publication."""


@demo.command("serve")
@click.option("--dataset", default="ut10", show_default=True,
              help="ut10 (УТ 10.3, family A), unf (УНФ 3.0, family B), a SQLite file from 'demo generate', "
              "or a directory written by 'onec-history record' (replayed).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=int, default=8010, show_default=True, help="Port (0: any free port).")
@click.option("--base", default="demo", show_default=True, help="Publication name: /<base>/odata/standard.odata/.")
@click.option("--faults", default="", help="Fault injection, e.g. '503=0.1,drop=0.05,latency=0.2,cold=3,seed=7'.")
@click.option("--persist", is_flag=True, help="Write changes into the dataset file (default: kept in memory).")
@click.option("--user", help="Require HTTP Basic auth as this user; the password comes from ONEC_DEMO_PASSWORD.")
def serve(dataset: str, host: str, port: int, base: str, faults: str, persist: bool, user: str | None) -> None:
    """Serve a demo base until Ctrl-C; point ONEC_URL at the printed address."""
    from ..demo.server import Faults, start_demo

    try:
        fault_cfg = Faults.parse(faults) if faults else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    password = os.environ.get("ONEC_DEMO_PASSWORD") if user else None
    if user and not password:
        raise ConfigError("--user needs a password in ONEC_DEMO_PASSWORD",
                          hint="export ONEC_DEMO_PASSWORD=… and run the command again.")
    from ..demo.replay import ReplayServer, is_recording

    if is_recording(dataset):
        replay = ReplayServer(Path(dataset), host=host, port=port, base=base).start()
        click.echo(f"Replaying the recording {dataset} at {replay.url} (requests not in it answer 404)", err=True)
        _wait(replay)
        return
    try:
        srv = start_demo(dataset, host=host, port=port, faults=fault_cfg, persist=persist, user=user,
                         password=password, base=base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--dataset") from None
    except OSError as exc:
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror}",
                          hint="Choose another --port (0 picks a free one).") from None
    click.echo(f"Demo base '{dataset}' at {srv.url}", err=True)
    click.echo(f"  export ONEC_URL={srv.url}", err=True)
    _wait(srv)


def _wait(srv: Any) -> None:
    click.echo("Press Ctrl-C to stop.", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
        click.echo(f"Stopped after {srv.requests_served} requests.", err=True)


@demo.command("generate")
@click.option("--family", type=click.Choice(["ut10", "unf", "ut11"]), default="ut10", show_default=True,
              help="ut10 (УТ 10.3, family A), unf (УНФ 3.0, family B) or ut11 (УТ 11 / КА 2 / ERP, family C: "
              "--events counts interactions, --counterparties partners, each with one or two counterparties).")
@click.option("--events", "n_events", type=click.IntRange(min=0), default=100_000, show_default=True,
              help="Events to write (with chains of orders, invoices and deliveries around some).")
@click.option("--counterparties", "n_counterparties", type=click.IntRange(min=1), default=10_000,
              show_default=True, help="Counterparties to write, in folders.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed writes the same base.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="SQLite file to write.")
@click.pass_context
def generate(ctx: click.Context, family: str, n_events: int, n_counterparties: int, seed: int, out: Path) -> None:
    """Write a big synthetic base (deterministic from --seed) for benchmarks; serve it with --dataset FILE."""
    from ..demo import generator

    app = ctx.find_object(App)
    quiet = app.quiet if app is not None else False
    if not out.parent.is_dir():
        raise click.BadParameter(f"the directory {out.parent} does not exist", param_hint="--out")
    started = time.monotonic()

    def progress(msg: str) -> None:
        if not quiet:
            click.echo(f"  {msg}…", err=True)

    try:
        counts = generator.generate(out, family=family, events=n_events, counterparties=n_counterparties,
                                    seed=seed, progress=progress)
    except (OSError, sqlite3.Error) as exc:
        raise click.BadParameter(f"cannot write {out}: {exc}", param_hint="--out") from None
    rows = ", ".join(f"{name}: {n}" for name, n in counts.items())
    if not quiet:
        click.echo(f"Wrote {out} in {time.monotonic() - started:.1f} s ({rows})", err=True)

"""One job on many bases: ``--base all`` (or a list of names) runs a command's work per base, one after
another or ``--jobs N`` at a time, each base with its own settings, client, lock and outcome.

A base that fails (unreachable, wrong password, not published, 1C's error) is recorded with its error
class and message and the others go on; nothing one base did is undone by another's failure. The
overall exit code is OK when every base succeeded, PARTIAL (9) when some failed and some did not, and
the failures' own code when all of them failed the same way (else FAILURE). The summary is a table
for people and, with ``--format json``, one object per base for an orchestrator.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import click

from ..config import base_names
from ..errors import ConfigError, OnecError
from ..exitcodes import ExitCode, exit_code_for
from .app import App

__all__ = ["ALL", "BaseOutcome", "overall_code", "run_per_base", "selected_bases", "summary_json", "summary_table"]

ALL = "all"

_RUNNING = threading.local()  # the base the current thread works on: its log lines are prefixed with it


class _BasePrefix(logging.Filter):
    """``[msk] retrying GET …``: with several bases at work, each log line says whose it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        base = getattr(_RUNNING, "base", None)
        if base is not None and not getattr(record, "_onec_base", False):
            record.msg = f"[{base}] {record.msg}"
            record._onec_base = True
        return True


_PREFIX = _BasePrefix()


@dataclass
class BaseOutcome:
    """What one base's run came to."""

    base: str
    ok: bool = True
    error_class: str | None = None
    message: str | None = None
    exit_code: int = int(ExitCode.OK)
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)  # the work's own figures: rows, bytes, family, …

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"base": self.base, "status": "ok" if self.ok else "failed", **self.facts,
                               "seconds": round(self.seconds, 3)}
        if not self.ok:
            out.update(error_class=self.error_class, message=self.message, exit_code=self.exit_code)
        return out


def selected_bases(app: App) -> list[str] | None:
    """The bases ``--base all`` names (every ``[bases.NAME]`` of the config file), or None when one base
    was asked for (the command then runs as usual)."""
    if app.base != ALL:
        return None
    names = base_names(app.config_file)
    if not names:
        raise ConfigError("--base all: the config file has no [bases.NAME] tables",
                          hint="Name each base in the config file (README, 'Many bases'), or drop --base all.")
    return names


def _one(app: App, name: str, work: Callable[[App], dict[str, Any]]) -> BaseOutcome:
    sub = App(config_file=app.config_file, overrides=dict(app.overrides), verbose=app.verbose, quiet=True,
              demo_dataset=app.demo_dataset, base=name)
    started = time.monotonic()
    outcome = BaseOutcome(name)
    _RUNNING.base = name
    try:
        outcome.facts = work(sub)
    except OnecError as exc:
        outcome.ok, outcome.error_class, outcome.message = False, type(exc).__name__, exc.explain()
        outcome.exit_code = int(exit_code_for(exc))
    except OSError as exc:  # a local file of this base's job (its output, its lock, its state)
        outcome.ok, outcome.error_class = False, type(exc).__name__
        outcome.message = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        outcome.exit_code = int(ExitCode.CONFIG)
    finally:
        _RUNNING.base = None
        sub.close()
        outcome.seconds = time.monotonic() - started
    return outcome


def run_per_base(app: App, names: Sequence[str], work: Callable[[App], dict[str, Any]], *, jobs: int = 1,
                 on_done: Callable[[BaseOutcome], None] | None = None) -> list[BaseOutcome]:
    """``work`` on each base (an App of that base, closed afterwards), ``jobs`` at a time; the outcomes in
    ``names`` order. ``on_done`` hears of each base as it ends (a line on stderr for people)."""
    for handler in logging.getLogger().handlers:
        if _PREFIX not in handler.filters:
            handler.addFilter(_PREFIX)

    def run(name: str) -> BaseOutcome:
        done = _one(app, name, work)
        if on_done is not None:
            on_done(done)
        return done

    if jobs <= 1 or len(names) <= 1:
        return [run(n) for n in names]
    with ThreadPoolExecutor(max_workers=min(jobs, len(names)), thread_name_prefix="base") as pool:
        return list(pool.map(run, names))


def overall_code(outcomes: Sequence[BaseOutcome]) -> ExitCode:
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return ExitCode.OK
    if len(failed) < len(outcomes):
        return ExitCode.PARTIAL
    codes = {o.exit_code for o in failed}
    return ExitCode(codes.pop()) if len(codes) == 1 else ExitCode.FAILURE


def summary_json(outcomes: Sequence[BaseOutcome], **extra: Any) -> str:
    failed = sum(not o.ok for o in outcomes)
    return json.dumps({**extra, "bases": [o.as_dict() for o in outcomes], "ok": len(outcomes) - failed,
                       "failed": failed, "exit_code": int(overall_code(outcomes))}, ensure_ascii=False, indent=2)


def summary_table(outcomes: Sequence[BaseOutcome], columns: Sequence[tuple[str, str]]) -> None:
    """One line per base: its figures (``columns``: fact key, heading) or its failure, then the count."""
    from .output import emit

    rows = []
    for o in outcomes:
        row: dict[str, Any] = {"base": o.base, "status": "ok" if o.ok else "ошибка",
                               "seconds": f"{o.seconds:.1f}", **{k: o.facts.get(k, "") for k, _ in columns}}
        rows.append(row)
    emit(rows, "table", columns=[("base", "База"), ("status", "Итог"), *columns, ("seconds", "с")])
    for o in outcomes:
        if not o.ok:
            click.echo(f"{o.base}: {o.message}", err=True)
    failed = sum(not o.ok for o in outcomes)
    click.echo(f"{len(outcomes) - failed} of {len(outcomes)} bases ok" + (f", {failed} failed" if failed else ""),
               err=True)

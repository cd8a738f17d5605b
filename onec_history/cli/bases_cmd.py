"""``onec-history bases``: the named bases of the config file, each checked (reachable, credentials,
OData published, its family) — ``doctor`` for all of them at once."""

from __future__ import annotations

from typing import Any

import click

from ..config import base_names, load_settings
from ..doctor import Outcome, diagnose
from ..errors import ConfigError
from ..profiles import FAMILY_TITLES, detect_profile
from ..transport import redact_url
from .app import App, pass_app
from .many import overall_code, run_per_base, summary_json, summary_table
from .output import format_option

__all__ = ["bases_cmd"]


def check_base(app: App) -> dict[str, Any]:
    """Doctor's checks on one base, in a few figures; the first failed check is the base's error."""
    settings = app.settings()
    diagnosis = diagnose(app.client(), settings)
    facts: dict[str, Any] = {"url": redact_url(settings.url or ""), "user": settings.user or ""}
    if diagnosis.metadata is not None:
        profile = detect_profile(diagnosis.metadata, settings.profile)
        facts.update(family=profile.family.value, configuration=FAMILY_TITLES[profile.family])
    facts["checks"] = {c.name: c.outcome.value for c in diagnosis.checks}
    warned = [c for c in diagnosis.checks if c.outcome is Outcome.WARN]
    if warned:
        facts["warnings"] = [f"{c.name}: {c.explain().splitlines()[0]}" for c in warned]
    failed = diagnosis.failures
    if failed:
        first = failed[0]
        if first.error is not None:
            raise first.error
        raise ConfigError(f"{first.name}: {first.explain().splitlines()[0]}")
    return facts


@click.command("bases")
@format_option(choices=("table", "json"))
@click.option("--no-check", is_flag=True, help="List the bases of the config file without asking any of them.")
@click.option("--jobs", type=click.IntRange(min=1), default=4, show_default=True,
              help="Bases checked at a time.")
@pass_app
@click.pass_context
def bases_cmd(ctx: click.Context, app: App, fmt: str, no_check: bool, jobs: int) -> None:
    """The bases named in the config file ([bases.NAME]), each with its family and whether it answers.

    Exit 0 when every base passed its checks, 9 when some did not, else the failures' own code.
    """
    names = base_names(app.config_file)
    if not names:
        raise ConfigError("The config file names no bases ([bases.NAME] tables)",
                          hint="Add one table per base (README, 'Many bases'); without them the config file's "
                               "url is the one base.")
    if no_check:
        listed = []
        for name in names:
            s = load_settings(app.config_file, overrides=app.overrides, base=name, keyring=False)
            listed.append({"base": name, "url": redact_url(s.url) if s.url else "", "user": s.user or ""})
        if fmt == "json":
            click.echo(summary_json([], listed=listed))
        else:
            from .output import emit

            emit(listed, "table", columns=[("base", "База"), ("url", "URL"), ("user", "Пользователь")])
        return
    outcomes = run_per_base(app, names, check_base, jobs=jobs)
    if fmt == "json":
        click.echo(summary_json(outcomes))
    else:
        summary_table(outcomes, [("family", "Семейство"), ("url", "URL")])
    code = overall_code(outcomes)
    if code:
        ctx.exit(int(code))

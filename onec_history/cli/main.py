"""``onec-history`` — the command group, global options and the one place errors become exit codes."""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import os
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import ConfigError, OnecError
from ..exitcodes import ExitCode, exit_code_for
from . import output
from .app import App, setup_logging
from .groups import LazyGroup
from .interrupt import message_of

__all__ = ["cli", "main"]

INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _OutputClosed(Exception):
    """Whoever read stdout stopped (``| head``): not a failure of ours."""


class _Interrupted(Exception):
    """Ctrl-C, kept apart from click's Abort (which also means "the user said no")."""


class _Group(LazyGroup):
    """Turns a closed stdout and Ctrl-C into our own exceptions before click handles them.

    click's ``main`` answers EPIPE with exit code 1 and Ctrl-C with a bare "Aborted!", even
    outside standalone mode; ``main`` below gives both their documented outcome instead.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _OutputClosed() from exc
        except KeyboardInterrupt as exc:
            raise _Interrupted() from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="onec-history")
# ONEC_URL, ONEC_USER, ONEC_PASSWORD and ONEC_CONFIG are read by config.load_settings alone (no click
# envvar): an option given here is an override and wins over them, as README's precedence says.
@click.option("--base", "base_name", metavar="NAME",
              help="A base named in the config file ([bases.NAME]; env ONEC_BASE); 'all' for mirror, "
                   "events export and bases.")
@click.option("--url", help="Service root, …/odata/standard.odata/ (env ONEC_URL).")
@click.option("--user", help="1C infobase user (env ONEC_USER). Password: env ONEC_PASSWORD.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config file (default ~/.config/onec-history/config.toml if present).",
)
@click.option("--ask-password", is_flag=True, help="Prompt for the password instead of reading ONEC_PASSWORD.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (a script's secret store: "
                   "'… | onec-history --password-stdin …'); it never appears in the process list.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Read timeout in seconds (default 120: 1C may take 30 s to wake).")
@click.option("--retries", type=click.IntRange(min=1), help="Attempts for safe requests (default 5).")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True),
              help="Total seconds one request may take with its retries.")
@click.option("--page-size", type=click.IntRange(min=1), help="Rows per request when paging (default 1000).")
@click.option("--allowed-only", is_flag=True, default=None,
              help="Send allowedOnly=true: skip rows hidden by record-level security instead of failing.")
@click.option("--demo", "demo_dataset", default="ut10", show_default=True,
              help="Built-in demo dataset used when no base is configured (ut10 or unf).")
@click.option("-v", "--verbose", count=True, help="-v for requests, -vv for debugging.")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors.")
@click.option("--wide", is_flag=True, help="Tables keep every column whole, however narrow the terminal.")
@click.pass_context
def cli(
    ctx: click.Context,
    base_name: str | None,
    url: str | None,
    user: str | None,
    config_file: Path | None,
    ask_password: bool,
    password_stdin: bool,
    timeout: float | None,
    retries: int | None,
    deadline: float | None,
    page_size: int | None,
    allowed_only: bool | None,
    demo_dataset: str,
    verbose: int,
    quiet: bool,
    wide: bool,
) -> None:
    """Client history in 1C:Enterprise bases over the standard OData interface.

    Without a configured base every command runs against the built-in demo base.
    """
    setup_logging(verbose)
    # None is "not given"; the nested retry table merges over the file's [retry] (load_settings).
    overrides: dict[str, object] = {"url": url, "user": user, "page_size": page_size, "read_timeout": timeout,
                                    "allowed_only": allowed_only,
                                    # --timeout bounds the whole call, its retries included, unless --deadline says
                                    "retry": {"attempts": retries, "deadline": deadline or timeout}}
    if ask_password and password_stdin:
        raise click.UsageError("--ask-password and --password-stdin are alternatives: give one of them.")
    if ask_password:
        overrides["password"] = click.prompt("1C password", hide_input=True)
    if password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigError("--password-stdin: standard input gave no password (an empty first line)",
                              hint="Pipe the password in: 'printf %s \"$SECRET\" | onec-history --password-stdin …'.")
        overrides["password"] = line
    output.WIDE = wide
    app = App(config_file=config_file, overrides=overrides, verbose=verbose, quiet=quiet, base=base_name,
              demo_dataset=demo_dataset,
              demo_asked=ctx.get_parameter_source("demo_dataset") is click.core.ParameterSource.COMMANDLINE)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from . import commands

    commands.register(cli)


# What a legacy code page (cp1251, cp866) lacks, written as the nearest ASCII instead of '?'.
_ASCII = {"✓": "v", "○": "o", "✗": "x", "·": ".", "◀": "<", "←": "<-", "→": "->", "—": "-", "–": "-",
          "├": "+", "└": "`", "│": "|", "─": "-", "…": "...", "\u00a0": " ", "≤": "<=", "≥": ">=", "∅": "(none)"}


def _nearest(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_ASCII.get(ch, "?") for ch in text), error.end


codecs.register_error("onec-nearest", _nearest)

_MACHINE = ("json", "jsonl", "csv", "svg", "html")


def _machine_format(argv: list[str]) -> bool:
    """Does the command line ask for a format that scripts read (always UTF-8, whatever the console)?"""
    for i, arg in enumerate(argv):
        if arg == "--format" and i + 1 < len(argv) and argv[i + 1] in _MACHINE:
            return True
        if arg.startswith("--format=") and arg.partition("=")[2] in _MACHINE:
            return True
    return False


def _tolerant_streams(argv: list[str]) -> None:
    """JSON, JSONL, CSV and pages go out in UTF-8 whatever the code page (a redirect on a Russian
    Windows would write cp1251). For people, on a console or a redirect in a legacy code page, a
    character it lacks (✓, →, the tree's lines) becomes its nearest ASCII instead of a traceback;
    Cyrillic is written as the code page has it."""
    machine = _machine_format(argv)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if not isinstance(stream, io.TextIOWrapper) or encoding in ("utf8", "utf16", "utf32"):
            continue
        with contextlib.suppress(ValueError, OSError):  # a detached or closed stream: left as it is
            if machine and stream is sys.stdout:
                stream.reconfigure(encoding="utf-8", errors="strict")
            else:
                stream.reconfigure(errors="onec-nearest")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; expected failures end in one paragraph on stderr and a named exit code."""
    _tolerant_streams(list(sys.argv[1:] if argv is None else argv))
    _register()
    try:
        rv = cli.main(args=argv, prog_name="onec-history", standalone_mode=False)
    except OnecError as exc:
        click.echo(f"Error: {exc.explain()}", err=True)
        return int(exit_code_for(exc))
    except (_Interrupted, KeyboardInterrupt) as exc:
        # The interrupted command's own account of what was done, if it gave one (cli/interrupt.py).
        click.echo(f"Interrupted (Ctrl-C). {message_of(exc)}", err=True)
        return INTERRUPTED
    except click.exceptions.Abort:
        click.echo("Aborted: nothing more was done.", err=True)
        return INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (_OutputClosed, BrokenPipeError):
        _discard_stdout()
        return int(ExitCode.OK)
    except OSError as exc:  # a local file (output, ledger, state) that cannot be read or written
        logging.getLogger("onec_history.cli").debug("local file error", exc_info=True)
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or exc}{where}. Check the path, its directory and their permissions "
                   "(-vv shows where it happened).", err=True)
        return int(ExitCode.FAILURE)
    return rv if isinstance(rv, int) else int(ExitCode.OK)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not hit the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (captured in tests): nothing to flush
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

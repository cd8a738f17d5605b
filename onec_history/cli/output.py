"""Printing rows for people (table) and for scripts (json, jsonl, csv). Streams where it can."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, TypeVar

import click

__all__ = ["FORMATS", "OutputFile", "emit", "format_option", "plain"]

FORMATS = ("table", "json", "jsonl", "csv")

F = TypeVar("F", bound=Callable[..., Any])


def format_option(default: str = "table", choices: Sequence[str] = FORMATS) -> Callable[[F], F]:
    """The shared ``--format`` option of list commands; its help names only the formats offered."""
    for_scripts = [c for c in choices if c != "table"]
    listed = ", ".join(for_scripts[:-1]) + (" or " if len(for_scripts) > 1 else "") + for_scripts[-1]
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=("table for people; " if "table" in choices else "") + f"{listed} for scripts (stable field names).",
    )


class OutputFile(click.Path):
    """A file a command writes when its work is done (a per-row report): checked up front, so a
    long import does not end in a traceback — its results lost — because the directory is wrong."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        parent = Path(os.fsdecode(path)).parent
        if not parent.is_dir():
            self.fail(f"the directory {parent} does not exist", param, ctx)
        if not os.access(parent, os.W_OK):
            self.fail(f"the directory {parent} is not writable", param, ctx)
        return path


def _is_model(value: object) -> bool:
    """A pydantic model? pydantic is not imported for this: no value is one before pydantic is loaded,
    and ``--help`` or ``--version`` never load it."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def plain(value: Any) -> Any:
    """A JSON-ready version of a value (dates ISO, enums by value, models as dicts)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if _is_model(value):
        return plain(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return " ".join(str(value).split())


WIDE = False


def terminal_width(stream: IO[str] | None = None) -> int | None:
    """The columns that output for people must fit, or ``None``: lines whole.

    ``--wide``: whole. A terminal: its width (``COLUMNS`` first, as ``shutil`` reads it). Piped or
    redirected: whole — for whoever reads the file — unless ``COLUMNS`` is set in the environment,
    which a shell does not export by itself: a width asked for on purpose (``COLUMNS=80 onec-history
    history X | less``, a capture of what an 80-column terminal shows) is kept.
    """
    if WIDE:
        return None
    out = stream if stream is not None else sys.stdout
    try:
        tty = out.isatty()
    except (ValueError, OSError):
        tty = False
    if tty:
        return shutil.get_terminal_size((120, 24)).columns
    asked = os.environ.get("COLUMNS", "").strip()
    return int(asked) if asked.isdigit() and int(asked) > 0 else None
"""``--wide``: tables keep every column whole on a terminal too (set by the command line)."""

# Columns a person reads whole (a date cut to 7 characters is no date); references go first, then
# the columns of least use in a narrow terminal, in this order (piped output keeps every column).
_WHOLE = ("date", "number", "code", "inn", "name", "mark")
_DATES = ("date", "start")
_DROP_ORDER = ("responsible_name", "manager_name", "direction_raw", "parent_name", "kpp", "state_raw", "start",
               "kind_raw", "full_name")


def _dropped_first(key: str) -> bool:
    return key == "ref" or key.endswith("_ref")


def _fit(widths: list[int], total: int, keys: Sequence[str] | None = None) -> tuple[list[int], list[int]]:
    """(the columns shown, their widths) of a table that fits ``total`` characters: references
    dropped first (a cut GUID helps nobody), then other text shortened to 10, then the columns of
    least use dropped; dates, numbers, codes and names are cut last. What is left wider than
    needed goes back to the shortened columns."""
    keys = list(keys or [""] * len(widths))
    natural = list(widths)
    widths = list(widths)
    shown = list(range(len(widths)))

    def width() -> int:
        return sum(widths[i] for i in shown) + 2 * (len(shown) - 1)

    def shrink(floor: int, whole_too: bool) -> None:
        while width() > total:
            cands = [i for i in shown if widths[i] > floor and keys[i] not in _DATES
                     and (whole_too or keys[i] not in _WHOLE)]
            if not cands:
                return
            i = max(cands, key=lambda j: widths[j])
            widths[i] -= 1

    for i in reversed(range(len(widths))):
        if width() <= total:
            break
        if _dropped_first(keys[i]) and len(shown) > 1:
            shown.remove(i)
    shrink(14, False)
    for key in _DROP_ORDER:
        if width() <= total:
            break
        if key in keys and keys.index(key) in shown and len(shown) > 2:
            shown.remove(keys.index(key))
    shrink(8, False)
    shrink(6, True)  # a date is never cut: it is shown whole or not at all
    # room left after the drops: give it back to what was shortened, narrowest first
    while width() < total:
        short = [i for i in shown if widths[i] < natural[i]]
        if not short:
            break
        widths[min(short, key=lambda j: widths[j])] += 1
    return shown, widths


def shorten(text: str, width: int) -> str:
    """``text`` in ``width`` characters: cut in the middle, so that «ООО Ромашка» and «ООО Ромашкa»
    stay told apart by their ends; a short column is cut at its end."""
    if len(text) <= width:
        return text
    if width < 9:
        return text[: max(width - 1, 0)] + "…"
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def emit(
    rows: Iterable[Mapping[str, Any]],
    fmt: str,
    *,
    columns: Sequence[tuple[str, str]] | None = None,
    out: IO[str] | None = None,
) -> int:
    """Write rows; ``columns`` are (key, heading) pairs for the table and csv. Returns the count."""
    stream = out or sys.stdout
    n = 0
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(plain(row), ensure_ascii=False) + "\n")
            n += 1
        return n
    if fmt == "json":
        stream.write("[")
        for row in rows:
            stream.write(("," if n else "") + "\n  " + json.dumps(plain(row), ensure_ascii=False))
            n += 1
        stream.write("\n]\n" if n else "]\n")
        return n
    materialised: list[Mapping[str, Any]] | None = None
    if columns is None:
        materialised = list(rows)
        keys: list[str] = []
        for row in materialised:
            keys.extend(k for k in row if k not in keys)
        columns = [(k, k) for k in keys]
        rows = materialised
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([h for _, h in columns])
        for row in rows:
            writer.writerow([_csv(row.get(k)) for k, _ in columns])
            n += 1
        return n
    table = [[_cell(row.get(k)) for k, _ in columns] for row in (materialised or list(rows))]
    heads = [h for _, h in columns]
    widths = [max([len(h)] + [len(r[i]) for r in table]) for i, h in enumerate(heads)]
    shown = list(range(len(heads)))
    room = terminal_width(stream)
    if room is not None:
        # Fit the terminal; piped output (and --wide) keeps whole values for whoever reads it.
        shown, widths = _fit(widths, room, [k for k, _ in columns])

    def line(cells: Sequence[str]) -> str:
        parts = [shorten(cells[i], widths[i]).ljust(widths[i]) for i in shown]
        return "  ".join(parts).rstrip()

    stream.write(line(heads) + "\n")
    stream.write("  ".join("-" * widths[i] for i in shown) + "\n")
    for r in table:
        stream.write(line(r) + "\n")
    return len(table)


def _csv(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)  # a cell a person can read, not a Python repr
    if isinstance(value, Mapping | list | tuple) or _is_model(value):
        return json.dumps(plain(value), ensure_ascii=False)
    return value


@contextlib.contextmanager
def output_file(output: str) -> Iterator[IO[str]]:
    """stdout, or ``output`` written to a temporary file beside it and renamed when complete (a
    job cron runs never leaves half a file for the person who opens it)."""
    if output == "-":
        yield sys.stdout
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="--output")
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as stream:
        yield stream
    tmp.replace(path)

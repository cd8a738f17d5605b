"""Redirected output on a Russian Windows, reproduced with PYTHONIOENCODING=cp1251: machine formats
stay UTF-8, the people's formats come out in the code page with the nearest ASCII for what it
lacks (✓, the tree's lines, arrows) — never a traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from onec_history.demo.server import DemoServer


def run(url: str, tmp: Path, *args: str, encoding: str = "cp1251") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "XDG_CACHE_HOME": str(tmp / "cache"),
           "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_DATA_HOME": str(tmp / "data")}
    env.pop("ONEC_URL", None)
    return subprocess.run([sys.executable, "-m", "onec_history", "--url", url, "-q", *args], capture_output=True,
                          env=env, timeout=120, check=False)


def test_json_is_utf8_and_the_same_whatever_the_code_page(ut10: DemoServer, tmp_path: Path) -> None:
    legacy = run(ut10.url, tmp_path, "history", "ООО Ромашка", "--format", "json")
    utf8 = run(ut10.url, tmp_path, "history", "ООО Ромашка", "--format", "json", encoding="utf-8")
    assert legacy.returncode == 0, legacy.stderr.decode("utf-8", "replace")
    assert json.loads(legacy.stdout.decode("utf-8")) == json.loads(utf8.stdout.decode("utf-8"))
    csv = run(ut10.url, tmp_path, "events", "list", "--format", "csv", "--limit", "5")
    assert csv.returncode == 0 and "Дата".encode() in csv.stdout  # UTF-8 bytes of the heading


def test_tables_and_trees_degrade_to_the_nearest_ascii(ut10: DemoServer, tmp_path: Path) -> None:
    for args in (["chain", "Событие", "270"], ["history", "ООО Ромашка"], ["events", "list", "--limit", "3"]):
        done = run(ut10.url, tmp_path, *args)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, (args, done.stderr)
        text = done.stdout.decode("cp1251")  # the code page's own bytes: Cyrillic readable in Notepad
        assert "Ромашка" in text or "Дата" in text
        assert "?" not in text, (args, text[:300])
    tree = run(ut10.url, tmp_path, "chain", "Событие", "270").stdout.decode("cp1251")
    assert tree.startswith("v Событие 00000000270") and "+-- v Событие" in tree and "`-- " in tree


def test_the_progress_line_is_erased_without_an_ansi_sequence() -> None:
    """A legacy Windows console prints ESC [ K as text: the line is overwritten with spaces instead."""
    from onec_history.cli.progress import Progress

    err = io.StringIO()
    with Progress("export", unit="events", stream=err, columns=80) as line:
        line.advance(1000)
        line.note("a message above the line")
    text = err.getvalue()
    assert "export: 1000 events" in text and "a message above the line\n" in text
    assert "\x1b" not in text
    assert text.endswith(" \r")  # erased by spaces, the cursor back at the start of the line

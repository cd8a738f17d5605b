"""Tables show 1C's list marks: ✗ deleted, ✓ posted, ○ not posted where the family posts (issue 12.4)."""

from __future__ import annotations

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.transport import Transport


def table(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code = main(list(args))
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    return out.splitlines()


def test_a_deleted_counterparty_and_event_are_marked(fresh: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    h = History(Client(Transport(fresh.url)))
    cp = h.find_counterparty("ООО Ромашка")
    h.client.mark_deleted(h.profile.counterparty_set, cp.ref)
    lines = table(capsys, "--url", fresh.url, "counterparties", "search", "ООО Ромашка")
    row = next(line for line in lines if "Ромашка" in line)
    assert row.lstrip().startswith("✗")
    event = next(iter(h.events(limit=1)))
    h.client.mark_deleted(h.profile.event_set, event.ref)
    lines = table(capsys, "--url", fresh.url, "events", "list", "--limit", "30")
    marks = [line.split()[0] for line in lines[2:] if line.strip()]
    assert "✗" in marks and {"✓", "○"} & set(marks)  # УТ 10.3 posts events


def test_unf_events_are_not_marked_unposted() -> None:
    with start_demo("unf") as srv:
        import io
        from contextlib import redirect_stdout

        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["--url", srv.url, "events", "list", "--limit", "20"]) == ExitCode.OK
    assert "○" not in buf.getvalue() and "✓" not in buf.getvalue()


def test_json_has_no_mark_column(ut10: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--url", ut10.url, "events", "list", "--limit", "3", "--format", "json"]) == ExitCode.OK
    rows = json.loads(capsys.readouterr().out)
    assert rows and all("mark" not in r and "deleted" in r and "start" in r for r in rows)

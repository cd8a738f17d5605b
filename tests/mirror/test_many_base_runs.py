"""Runs an orchestrator can schedule (issue 18, items 2 and 3): 'mirror --base all' with one base down,
'--jobs', the JSON summary and exit 9; a report across the bases of one mirror equals the union of the
per-base reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from warehouse_helpers import rows_of

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.mirror.sync import Mirror, engine_for

AS_OF = ["--as-of", "2026-06-30 18:00"]


@pytest.fixture
def bases() -> Iterator[dict[str, DemoServer]]:
    servers = {"msk": start_demo("ut10"), "spb": start_demo("unf")}
    yield servers
    for s in servers.values():
        s.stop()


def config(tmp: Path, servers: dict[str, DemoServer], *, dead: bool) -> Path:
    text = "[retry]\nattempts = 2\ndeadline = 3\n"
    text += "".join(f'[bases.{name}]\nurl = "{srv.url}"\n' for name, srv in servers.items())
    if dead:
        text += '[bases.old]\nurl = "http://127.0.0.1:9/old/odata/standard.odata/"\n'
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _drop(url: str) -> str:
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.mark.parametrize(("db", "jobs"), [("sqlite", "1"), ("sqlite", "3"), ("postgresql", "3")])
def test_one_base_down_the_others_finish_and_the_summary_names_it(
        bases: dict[str, DemoServer], tmp_path: Path, db: str, jobs: str, capsys: pytest.CaptureFixture[str],
        isolated: None, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'all.db'}" if db == "sqlite" else _drop(request.getfixturevalue("pg_url"))
    cfg = config(tmp_path, bases, dead=True)
    code = main(["--config", str(cfg), "--base", "all", "mirror", "--db", url, "--jobs", jobs, "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == ExitCode.PARTIAL == summary["exit_code"]
    by = {b["base"]: b for b in summary["bases"]}
    assert [b["base"] for b in summary["bases"]] == ["msk", "spb", "old"]
    assert by["old"]["status"] == "failed" and by["old"]["error_class"] == "ConnectError"
    assert by["old"]["exit_code"] == ExitCode.UNREACHABLE
    for name, srv in bases.items():
        assert by[name]["status"] == "ok" and by[name]["family"] == ("A" if name == "msk" else "B")
        assert by[name]["rows"] > 100 and by[name]["bytes"] > 0 and by[name]["seconds"] >= 0
        alone = f"sqlite:///{tmp_path / (name + '.db')}"
        with Mirror(_history(srv), alone, base=name) as m:
            m.sync()
        assert rows_of(url, name) == rows_of(alone, name), name  # nothing of the others is lost


def _history(srv: DemoServer) -> History:
    from onec_history.client import Client
    from onec_history.transport import Transport

    return History(Client(Transport(srv.url)))


@pytest.mark.parametrize("report", [["inactive", "--days", "45", *AS_OF], ["overdue", *AS_OF],
                                    ["activity", "--by", "kind", *AS_OF],
                                    ["funnel", "--since", "2026-01-01", "--until", "2026-06-30"]])
def test_a_report_across_the_bases_is_the_union_of_theirs(
        bases: dict[str, DemoServer], tmp_path: Path, report: list[str], capsys: pytest.CaptureFixture[str],
        isolated: None) -> None:
    url = f"sqlite:///{tmp_path / 'all.db'}"
    cfg = config(tmp_path, bases, dead=False)
    assert main(["--config", str(cfg), "--base", "all", "-q", "mirror", "--db", url]) == 0
    capsys.readouterr()
    union = []
    for name in bases:
        assert main(["--config", str(cfg), "--base", name, "report", *report, "--format", "json",
                     "--from-mirror", url]) == 0
        union += [{"base": name, **row} for row in json.loads(capsys.readouterr().out)]
    assert main(["--config", str(cfg), "--base", "all", "report", *report, "--format", "json",
                 "--from-mirror", url]) == 0
    together = json.loads(capsys.readouterr().out)
    # the moment each report was made ("as_of") may fall in the next second: the rest must agree
    assert [{**r, "as_of": None} for r in together] == [{**r, "as_of": None} for r in union]
    assert {r["base"] for r in together} == set(bases)  # each base has rows of its own in every report
    # Without a name a mirror of several bases is refused, naming them.
    assert main(["report", *report, "--from-mirror", url]) == ExitCode.CONFIG
    assert "holds 2 bases (msk, spb)" in capsys.readouterr().err

"""A mirror records whether each table's last run completed, and reports refuse what a killed run left (issue 13.8).

The kills are real: ``onec-history mirror`` runs in a child process that sends itself SIGKILL at a
chosen point — while a table's rows are being written (its transaction open), or just before the
N-th commit to the mirror database — so nothing in the process gets to clean up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the mirror needs SQLAlchemy 2 (pip install 'sqlalchemy>=2')")

import sqlalchemy as sa
from old_schema import as_made_by_version

from onec_history.cli.exitcodes import ExitCode
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer, start_demo
from onec_history.errors import ConnectError, IncompleteMirrorError, NotPublishedError
from onec_history.history import History
from onec_history.mirror import schema as ms
from onec_history.mirror.reader import MirrorReader
from onec_history.mirror.source import MirrorSource
from onec_history.mirror.sync import Mirror, engine_for
from onec_history.query import Query, eq
from onec_history.reports import NEEDS
from onec_history.transport import Transport

AS_OF = ["--as-of", "2026-06-30 18:00"]  # the demo datasets' "today"
INACTIVE = ["report", "inactive", "--days", "45", *AS_OF]

KILLER = r'''
import os, signal, sys
import sqlalchemy as sa
from onec_history.cli.main import main
from onec_history.mirror import sync

how, where = sys.argv[1], sys.argv[2]

def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)

if how == "insert":  # after a batch of this table's rows went into the open transaction
    original = sync.Mirror._insert
    def insert(self, conn, rows):
        original(self, conn, rows)
        if any(t.name == where and items for t, items in rows.items()):
            die()
    sync.Mirror._insert = insert
elif how == "commit":  # just before the N-th commit reaches the database (0: count them)
    seen = [0]
    @sa.event.listens_for(sa.Engine, "commit")
    def commit(conn):
        seen[0] += 1
        if seen[0] == int(where):
            die()
code = main(sys.argv[3:])
if how == "commit":
    print(f"commits={seen[0]}", file=sys.stderr)
sys.exit(code)
'''


@pytest.fixture(scope="module", params=["ut10", "unf"])
def base(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    """A demo base the mirror only reads."""
    with start_demo(request.param) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No ONEC_* settings from the shell, private config/cache/data directories — here and in children."""
    for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_LEDGER", "ONEC_MIRROR_DB"):
        monkeypatch.delenv(var, raising=False)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return dict(os.environ)


def killed_mirror(base: DemoServer, url: str, env: dict[str, str], how: str, where: str | int) -> str:
    """Run ``onec-history mirror`` in a child that kills itself at ``how``/``where``; its stderr."""
    done = subprocess.run([sys.executable, "-c", KILLER, how, str(where), "--url", base.url, "mirror", "--db", url],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, f"the run was not killed ({done.returncode}): {done.stderr}"
    return done.stderr


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def full_mirror(base: DemoServer, url: str) -> None:
    with Mirror(History(Client(Transport(base.url))), url) as mirror:
        mirror.sync()


def lite(tmp_path: Path, name: str = "mirror.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def table_rows(url: str, table: sa.Table) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


# -- (a) a kill during the first run ----------------------------------------------------------------

def test_a_first_run_killed_while_writing_events_is_refused(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    killed_mirror(base, url, env, "insert", "events")
    # The state of the issue: the counterparties were copied, not one event was.
    assert table_rows(url, ms.counterparties) > 20
    assert table_rows(url, ms.events) == 0
    code, out, err = cli(capsys, *INACTIVE, "--from-mirror", url)
    assert code == ExitCode.PARTIAL and int(ExitCode.PARTIAL) == 9
    assert out == ""  # not one row of a wrong report
    assert err.startswith("Error: The mirror ") and err.count("\n") == 1  # one paragraph
    assert "synced" not in err.split("incomplete")[0]
    assert "table events (Document_Событие): its last run started " in err
    assert "did not complete" in err
    assert f"run `onec-history mirror --db {url}` again to complete it".lower() in err.lower()
    assert "--allow-partial" in err


def test_allow_partial_warns_loudly_and_says_so_in_json(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    killed_mirror(base, url, env, "insert", "events")
    code, out, err = cli(capsys, "-q", *INACTIVE, "--format", "json", "--from-mirror", url, "--allow-partial")
    assert code == 0
    assert "WARNING: PARTIAL DATA" in err and "table events (Document_Событие)" in err  # even under -q
    assert "never completely synced" in err
    doc = json.loads(out)
    assert doc["partial"] is True and doc["synced_at"] is None
    assert "events" in doc["incomplete_tables"]
    buyers = MirrorSource(url, allow_partial=True).buyers(None)
    assert len(doc["rows"]) == len(buyers) > 0  # every buyer inactive: exactly why it must be flagged
    code, out, err = cli(capsys, *INACTIVE, "--from-mirror", url, "--allow-partial")
    assert code == 0 and "WARNING: PARTIAL DATA" in err and "PARTIAL" in err.splitlines()[-1]
    assert "synced" not in out


def test_the_library_refuses_too(base: DemoServer, env: dict[str, str], tmp_path: Path) -> None:
    url = lite(tmp_path)
    killed_mirror(base, url, env, "insert", "events")
    with pytest.raises(IncompleteMirrorError) as caught:
        MirrorSource(url)
    assert "events" in caught.value.tables
    state = MirrorReader(url).sync_state()
    by_role = {s.role: s for s in state.sets}
    assert by_role["counterparties"].complete and by_role["counterparties"].rows == table_rows(url, ms.counterparties)
    assert (by_role["events"].status, by_role["events"].completed_at) == ("running", None)
    assert by_role["events"].started_at is not None
    assert state.run is not None and state.run.status == "running" and state.run.last_complete_at is None
    assert state.synced_at() is None


def test_a_kill_at_any_commit_never_leaves_a_report_fed_silently(
        env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with start_demo("ut10") as base:
        counted = subprocess.run([sys.executable, "-c", KILLER, "commit", "0", "--url", base.url, "mirror", "--db",
                                  lite(tmp_path, "count.db")], capture_output=True, text=True, env=env, timeout=120,
                                 check=True)
        commits = int(counted.stderr.rsplit("commits=", 1)[1])
        assert commits >= 8  # the plan, then 'running' and 'complete' per set
        code, expected, _ = cli(capsys, "--url", base.url, *INACTIVE, "--format", "json")
        assert code == 0 and json.loads(expected)
        for n in range(1, commits + 1):
            url = lite(tmp_path, f"kill{n}.db")
            killed_mirror(base, url, env, "commit", n)
            code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url)
            assert code != 0 and out == "" and err.startswith("Error: "), (n, code, err)
            # (c) at every point: the next run completes the mirror, and the report is 1C's.
            full_mirror(base, url)
            code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url)
            assert code == 0 and json.loads(out) == json.loads(expected), (n, err)


def test_a_report_needs_only_its_own_tables(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    killed_mirror(base, url, env, "insert", "names")  # the last sets: events and documents are complete
    assert "names" in NEEDS["inactive"] and "names" not in NEEDS["funnel"]
    code, _, err = cli(capsys, *INACTIVE, "--from-mirror", url)
    assert code == 9 and "table names (" in err and "table events" not in err
    code, out, err = cli(capsys, "report", "funnel", "--since", "2026-01-01", "--until", "2026-06-30",
                         "--format", "json", "--from-mirror", url)
    assert code == 0 and "WARNING" not in err and "From the mirror, synced " in err
    assert json.loads(out)[0]["step"] == "first incoming event"


# -- (b) a complete mirror --------------------------------------------------------------------------

def test_a_complete_mirror_reports_normally(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    before = datetime.now().replace(microsecond=0)
    full_mirror(base, url)
    state = MirrorReader(url).sync_state()
    assert state.known and state.run is not None and state.run.status == "complete"
    assert all(s.complete and s.completed_at is not None and s.completed_at >= before for s in state.sets)
    assert {s.role for s in state.sets} >= {"counterparties", "events", "documents", "names"}
    synced = state.synced_at()
    assert synced is not None and synced >= before
    code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url)
    assert code == 0 and "WARNING" not in err
    assert f"From the mirror, synced {synced:%d.%m.%Y %H:%M}" in err
    rows = json.loads(out)
    assert isinstance(rows, list)
    code, from_1c, _ = cli(capsys, "--url", base.url, *INACTIVE, "--format", "json")
    assert rows == json.loads(from_1c)
    # --allow-partial changes nothing for a complete mirror.
    code, out2, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url, "--allow-partial")
    assert code == 0 and json.loads(out2) == rows and "WARNING" not in err


# -- (c) a later complete run -----------------------------------------------------------------------

def test_a_complete_run_after_a_killed_one_makes_it_complete(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    killed_mirror(base, url, env, "insert", "events")
    kept = table_rows(url, ms.counterparties)
    with Mirror(History(Client(Transport(base.url))), url) as mirror:
        report = mirror.sync()
    modes = {s.role: s.mode for s in report.sets}
    assert modes["counterparties"] == "incremental"  # the complete table is not copied again
    assert modes["events"] == "full"
    assert any(s.startswith("Document_Событие") for s in report.resumed)
    assert table_rows(url, ms.counterparties) == kept and table_rows(url, ms.events) > 0
    state = MirrorReader(url).sync_state()
    assert state.run is not None and state.run.status == "complete" and state.gaps() == []
    code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url)
    assert code == 0 and "From the mirror, synced " in err
    code, from_1c, _ = cli(capsys, "--url", base.url, *INACTIVE, "--format", "json")
    assert json.loads(out) == json.loads(from_1c)


def test_a_killed_second_run_is_refused_and_names_the_last_complete_copy(
        env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with start_demo("ut10") as base:
        url = lite(tmp_path)
        full_mirror(base, url)
        first = MirrorReader(url).sync_state()
        synced = first.synced_at()
        assert synced is not None
        history = History(Client(Transport(base.url)))
        cps = history.profile.counterparty_set
        one = next(history.client.iterate(cps, Query(filter=eq("IsFolder", False), select=("Ref_Key",))))
        history.client.patch(cps, one["Ref_Key"], {"Description": "Переименованный"})
        event = next(history.client.iterate(history.profile.event_set, Query(select=("Ref_Key",), top=1)))
        history.client.mark_deleted(history.profile.event_set, event["Ref_Key"])
        killed_mirror(base, url, env, "insert", "events")  # the incremental run of the events
        code, _, err = cli(capsys, *INACTIVE, "--from-mirror", url)
        assert code == 9
        assert f"it still holds the complete copy of {synced:%d.%m.%Y}" in err
        code, _, err = cli(capsys, *INACTIVE, "--from-mirror", url, "--allow-partial")
        assert code == 0 and f"last complete sync {synced:%d.%m.%Y %H:%M}" in err


# -- (d) a mirror made before completeness was recorded ---------------------------------------------

def _as_made_by_version_1(url: str) -> None:
    as_made_by_version(url, "1")


def test_an_old_schema_mirror_is_refused_until_the_next_run_upgrades_it(
        base: DemoServer, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    full_mirror(base, url)
    _as_made_by_version_1(url)
    # An earlier schema is not read as if it were the current one: one mirror run upgrades it.
    code, out, err = cli(capsys, *INACTIVE, "--from-mirror", url)
    assert code == 3 and out == "" and "Traceback" not in err
    assert "schema version 1" in err and f"'onec-history mirror --db {url}' once" in err
    # One more run migrates it in place (incrementally: nothing changed in 1C) and records completeness.
    with Mirror(History(Client(Transport(base.url))), url) as mirror:
        report = mirror.sync()
    assert all(s.mode == "incremental" and s.changed == 0 for s in report.sets)
    reader = MirrorReader(url)
    assert reader.meta()["schema_version"] == ms.SCHEMA_VERSION == "5"
    assert reader.sync_state().gaps() == []
    code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", url)
    assert code == 0 and isinstance(json.loads(out), list) and "WARNING" not in err


def test_a_version_2_mirror_is_upgraded_in_place(
        base: DemoServer, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Version 3 added counterparties.partner and events.document_set, version 5 the base in every key:
    the next run of a version-2 mirror migrates it without copying anything again or losing a row."""
    url = lite(tmp_path)
    full_mirror(base, url)
    before = [e.ref for e in MirrorReader(url).events()]
    as_made_by_version(url, "2")
    with Mirror(History(Client(Transport(base.url))), url) as mirror:
        report = mirror.sync()
    assert all(s.mode == "incremental" and s.changed == 0 and s.deleted == 0 for s in report.sets)
    reader = MirrorReader(url)
    assert reader.meta()["schema_version"] == ms.SCHEMA_VERSION
    events = list(reader.events())
    assert [e.ref for e in events] == before and {e.document_set for e in events} == {"Document_Событие"}
    assert all(c.partner is None for c in reader.counterparties())  # families A and B have no partners


def test_a_mirror_whose_first_run_stopped_before_writing_anything(tmp_path: Path, env: dict[str, str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    engine = engine_for(url)
    ms.metadata.create_all(engine)  # the run's first step, and nothing after it
    engine.dispose()
    code, out, err = cli(capsys, *INACTIVE, "--from-mirror", url, "--allow-partial")
    assert code == 9 and out == "" and "was never synced" in err


# -- PostgreSQL -------------------------------------------------------------------------------------

@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """A private database on the test server (others' mirror tests share the default one)."""
    name = f"onec_kill_{uuid.uuid4().hex[:12]}"
    admin = engine_for(pg_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.SQLAlchemyError:
        admin.dispose()
        engine = engine_for(pg_url)
        ms.metadata.drop_all(engine)
        engine.dispose()
        yield pg_url
        return
    yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_a_killed_first_run_is_refused_then_completed(
        pg_db: str, env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with start_demo("ut10") as base:
        killed_mirror(base, pg_db, env, "insert", "events")
        assert table_rows(pg_db, ms.counterparties) > 20 and table_rows(pg_db, ms.events) == 0
        code, out, err = cli(capsys, *INACTIVE, "--from-mirror", pg_db)
        assert code == 9 and out == "" and "table events (Document_Событие)" in err
        code, out, err = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", pg_db, "--allow-partial")
        assert code == 0 and json.loads(out)["partial"] is True and "WARNING: PARTIAL DATA" in err
        full_mirror(base, pg_db)
        code, out, _ = cli(capsys, *INACTIVE, "--format", "json", "--from-mirror", pg_db)
        code_1c, from_1c, _ = cli(capsys, "--url", base.url, *INACTIVE, "--format", "json")
        assert code == code_1c == 0 and json.loads(out) == json.loads(from_1c)


# -- runs that end without a kill -------------------------------------------------------------------

def test_a_run_that_fails_records_the_failure(base: DemoServer, env: dict[str, str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    url = lite(tmp_path)
    history = History(Client(Transport(base.url)))
    event_set = history.profile.event_set
    pages = Client.pages

    def failing(self: Client, entity_set: str, query: Query | None = None, *,
                page_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        if entity_set == event_set:
            raise ConnectError("connection reset by the test")
        return pages(self, entity_set, query, page_size=page_size)

    monkeypatch.setattr(Client, "pages", failing)
    with Mirror(history, url) as mirror, pytest.raises(ConnectError):
        mirror.sync()
    state = MirrorReader(url).sync_state()
    assert state.run is not None and state.run.status == "failed"
    assert {s.entity_set: s.status for s in state.sets}[event_set] == "failed"
    code, _, err = cli(capsys, *INACTIVE, "--from-mirror", url)
    assert code == 9 and f"table events ({event_set}): its last run started " in err and "failed" in err


def test_a_set_the_base_does_not_publish_is_skipped_not_awaited(base: DemoServer, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    url = lite(tmp_path)
    history = History(Client(Transport(base.url)))
    users = history.profile.users_set
    replace_all = Mirror._replace_all

    def unpublished(self: Mirror, unit: Any, finish: Any) -> int:
        if unit.entity_set == users:
            raise NotPublishedError(users)
        return replace_all(self, unit, finish)

    monkeypatch.setattr(Mirror, "_replace_all", unpublished)
    with Mirror(history, url) as mirror:
        report = mirror.sync()
    assert any(w.startswith(f"{users}: ") and w.endswith("skipped") for w in report.warnings)
    state = MirrorReader(url).sync_state()
    assert {s.entity_set: s.status for s in state.sets}[users] == "skipped"
    assert state.run is not None and state.run.status == "complete" and state.gaps() == []
    source = MirrorSource(url, needs=NEEDS["inactive"])
    assert source.gaps == [] and source.synced_at is not None

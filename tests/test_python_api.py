"""The Python API as a script uses it: ``connect()`` with the command line's settings, events by
keywords, a chain that draws itself, create exactly once, export, and rows for pandas."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import requests

import onec_history
from onec_history import errors
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.models import DocKey, EventKind

pytestmark = pytest.mark.usefixtures("isolated")

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def h(ut10: DemoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[onec_history.Connection]:
    monkeypatch.setenv("ONEC_URL", ut10.url)
    with onec_history.connect() as conn:
        yield conn


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# -- connect: the command line's settings ---------------------------------------------------------------
def test_connect_reads_onec_url_from_the_environment(h: onec_history.Connection, ut10: DemoServer) -> None:
    assert h.url == ut10.url
    assert h.find_counterparty("7701000001").name == "ООО Ромашка"
    assert repr(h) == f"<onec_history.Connection {ut10.url}>"


def test_connect_reads_the_config_file_and_keywords_win(ut10: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "onec.toml"
    config.write_text(f'url = "{ut10.url}"\npage_size = 50\nread_timeout = 33\n', encoding="utf-8")
    with onec_history.connect(config=config, page_size=2) as h:
        assert h.settings.source == str(config)
        assert h.client.page_size == 2  # the keyword over the file, as a command-line option would be
        assert h.client.transport.timeout == (10.0, 33.0)
        # a page of 2 rows: the listing still reads every event of the client, page after page
        assert len(list(h.events(counterparty="7701000001"))) > 2


def test_connect_uses_the_config_files_own_place(ut10: DemoServer, tmp_path: Path) -> None:
    folder = tmp_path / "config" / "onec-history"  # $XDG_CONFIG_HOME of the isolated fixture
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(f'url = "{ut10.url}"\n', encoding="utf-8")
    with onec_history.connect() as h:
        assert h.url == ut10.url and h.settings.source == str(folder / "config.toml")


def test_connect_sends_onec_user_and_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_demo("ut10", user="odata", password="Секрет-1") as srv:
        monkeypatch.setenv("ONEC_URL", srv.url)
        monkeypatch.setenv("ONEC_USER", "odata")
        monkeypatch.setenv("ONEC_PASSWORD", "Секрет-1")
        with onec_history.connect() as h:
            assert h.find_counterparty("7701000001").inn == "7701000001"
        with onec_history.connect(password="wrong") as h, pytest.raises(onec_history.AuthError):
            h.find_counterparty("7701000001")


def test_an_unknown_setting_is_a_config_error(ut10: DemoServer) -> None:
    with pytest.raises(onec_history.ConfigError, match="page_sise"):
        onec_history.connect(ut10.url, page_sise=10)


def test_no_base_configured_says_how_to_name_one() -> None:
    with pytest.raises(onec_history.ConfigError) as caught:
        onec_history.connect()
    assert "ONEC_URL" in caught.value.explain() and "demo='ut10'" in caught.value.explain()


def test_demo_is_the_built_in_base_whatever_onec_url_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEC_URL", "http://127.0.0.1:9/never/odata/standard.odata/")
    with onec_history.connect(demo="unf") as h:
        assert h.demo is not None and h.url == h.demo.url
        assert h.profile.family.value == "B"
    with pytest.raises(onec_history.ConfigError, match="both"):
        onec_history.connect("http://127.0.0.1:9/x/odata/standard.odata/", demo="ut10")
    with pytest.raises(onec_history.ConfigError, match="demo base"):
        onec_history.connect(demo="ut12")


def test_closing_stops_the_demo_and_the_session() -> None:
    with onec_history.connect(demo="ut10") as h:
        url = h.url
        assert h.find_counterparty("7701000001").code  # a request: the session holds a pooled connection
        adapter = h.client.transport._session.get_adapter(url)
        assert isinstance(adapter, requests.adapters.HTTPAdapter)
        pools = adapter.poolmanager.pools
        assert len(pools) == 1
    assert h.demo is None
    assert len(pools) == 0  # the session was closed, its pooled connections with it
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "$metadata", timeout=5)


# -- events -------------------------------------------------------------------------------------------
def test_events_by_keywords_are_the_clis_events(h: onec_history.Connection,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    mine = onec_history.to_records(h.events(counterparty="7701000001", since="01.03.2026", until="2026-03-05",
                                            kind="звонок"))
    theirs = cli_json(capsys, "events", "list", "--counterparty", "7701000001", "--since", "01.03.2026",
                      "--until", "2026-03-05", "--kind", "звонок")
    assert mine == theirs
    assert {r["kind"] for r in mine} == {"call"} and len(mine) >= 2
    # until a bare date is the whole day: the call of 05.03.2026 11:00 is in
    assert any(r["date"].startswith("2026-03-05T11:00") for r in mine)


def test_dates_and_enums_as_objects(h: onec_history.Connection) -> None:
    by_text = list(h.events(counterparty="7701000001", since="2026-03-01", until="2026-03-05", kind="call"))
    by_objects = list(h.events(counterparty=h.find_counterparty("7701000001"), since=datetime(2026, 3, 1),
                               until=date(2026, 3, 5), kind=EventKind.CALL))
    assert [e.ref for e in by_text] == [e.ref for e in by_objects] and by_text
    flt = h.filter(since="2026-03-01", until="2026-03-05")
    assert [e.ref for e in h.events(flt, limit=3)] == [e.ref for e in h.events(since="2026-03-01",
                                                                              until="2026-03-05", limit=3)]


def test_wrong_filters_are_the_librarys_errors(h: onec_history.Connection) -> None:
    with pytest.raises(errors.QueryError, match="not a kind"):
        h.filter(kind="telegram")
    with pytest.raises(errors.QueryError, match="since"):
        h.filter(since="31.02.2026")
    with pytest.raises(errors.PeriodError):
        h.filter(since="2026-03-05", until="2026-03-01")
    with pytest.raises(onec_history.AmbiguousError) as caught:
        h.filter(counterparty="ООО Ром")
    assert len(caught.value.candidates) >= 2
    with pytest.raises(TypeError):
        h.events(h.filter(), kind="call")


def test_search_lists_names_as_the_cli_does(h: onec_history.Connection, capsys: pytest.CaptureFixture[str]) -> None:
    mine = onec_history.to_records(h.search_counterparties("Ром"))
    assert mine == cli_json(capsys, "counterparties", "search", "Ром")
    assert all(r["manager_name"] for r in mine)
    plain = onec_history.to_records(h.search_counterparties("Ром", names=False))
    assert [r["ref"] for r in plain] == [r["ref"] for r in mine] and not any(r["manager_name"] for r in plain)


# -- chains ---------------------------------------------------------------------------------------------
def test_a_chain_by_type_and_number_by_event_and_by_key(h: onec_history.Connection,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    chain = h.chain("Событие", "00000000270")
    theirs = cli_json(capsys, "chain", "Событие", "00000000270")
    assert isinstance(theirs, dict)
    assert sorted(k.id for k in chain.nodes) == sorted(n["id"] for n in theirs["nodes"])
    event = next(h.events(counterparty="7701000001", since="2026-03-02", until="2026-03-02 10:15"))
    assert event.number == "00000000270"
    assert set(h.chain(event).nodes) == set(chain.nodes)
    start = chain.start
    assert start is not None and set(h.chain(start).nodes) == set(chain.nodes)
    up = h.chain(start, direction="up")
    assert set(up.nodes) < set(chain.nodes)


def test_a_chain_draws_itself_in_jupyter(h: onec_history.Connection) -> None:
    chain = h.chain("Событие", "00000000270")
    svg = chain._repr_svg_()
    root = ET.fromstring(svg)  # well-formed XML, as a notebook's image renderer needs
    assert root.tag == f"{SVG}svg"
    boxes = {g.get("data-id"): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    assert set(boxes) == {k.id for k in chain.nodes}
    arrows = {(line.get("data-from"), line.get("data-to")) for line in root.iter(f"{SVG}line")}
    assert arrows == {(p.id, c.id) for p, c in chain.edges}
    assert chain.start is not None and "start" in (boxes[chain.start.id].get("class") or "")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "00000000270" in texts
    # the page's styles travel inside the picture: boxes are white (SVG's default fill is black)
    style = root.find(f"{SVG}style")
    assert style is not None and ".node rect { fill: #fff" in (style.text or "")


def test_an_empty_chain_still_draws(h: onec_history.Connection) -> None:
    from onec_history.chains.model import Chain

    root = ET.fromstring(Chain(start=None)._repr_svg_())
    assert not [g for g in root.iter(f"{SVG}g")]


def test_a_clients_timeline(h: onec_history.Connection) -> None:
    timeline = h.timeline("7701000001", since="2026-03-01", until="2026-03-31")
    assert timeline.groups and timeline.own <= set(timeline.chain.nodes)
    own_events = {e.ref for e in h.events(counterparty="7701000001", since="2026-03-01", until="2026-03-31")}
    assert own_events <= {k.ref for k in timeline.own}


# -- create, exactly once -------------------------------------------------------------------------------
def test_create_is_exactly_once_and_the_same_event_as_the_clis(fresh: DemoServer, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("ONEC_URL", fresh.url)
    with onec_history.connect(ledger=ledger) as h:
        before = len(list(h.events(counterparty="7701000001")))
        first = h.create(kind="call", counterparty="7701000001", direction="incoming",
                         start=datetime(2026, 6, 1, 10, 0), duration=95, subject="Вопрос по доставке")
        again = h.create(kind="call", counterparty="7701000001", direction="incoming",
                         start="2026-06-01 10:00", duration="95", subject="Вопрос по доставке")
        assert (first.status.value, again.status.value) == ("created", "already_present")
        assert first.ref == again.ref and first.number
        made = h.get_event(first.ref or "")
        assert (made.kind, made.subject, made.duration_minutes) == (EventKind.CALL, "Вопрос по доставке", 95 / 60)
    # the command line with the same values and ledger finds it: one identity for both
    capsys.readouterr()
    code = main(["events", "create", "--counterparty", "7701000001", "--kind", "call", "--direction", "incoming",
                 "--start", "2026-06-01 10:00", "--duration", "95", "--subject", "Вопрос по доставке",
                 "--ledger", str(ledger), "--format", "json"])
    row = json.loads(capsys.readouterr().out)
    assert code == 0 and row["status"] == "already_present" and row["ref"] == first.ref
    with onec_history.connect(ledger=tmp_path / "another.sqlite") as h:  # a lost ledger: found in 1C
        assert h.create(kind="call", counterparty="7701000001", direction="incoming", start="2026-06-01 10:00",
                        duration=95, subject="Вопрос по доставке").ref == first.ref
        assert len(list(h.events(counterparty="7701000001"))) == before + 1


def test_create_without_a_start_is_one_event_a_day(fresh: DemoServer, tmp_path: Path) -> None:
    with onec_history.connect(fresh.url, ledger=tmp_path / "l.sqlite") as h:
        a = h.create(kind="meeting", counterparty="7701000001", subject="Встреча сегодня")
        b = h.create(kind="meeting", counterparty="7701000001", subject="Встреча сегодня")
        assert a.status.value == "created" and b.status.value == "already_present" and a.ref == b.ref


def test_create_on_the_demo_keeps_its_ledger_in_memory(tmp_path: Path) -> None:
    with onec_history.connect(demo="ut10") as h:
        result = h.create(kind="call", counterparty="7701000001", start="2026-06-02 09:00", external_id="pbx-1")
        assert result.status.value == "created" and h.ledger_path == ":memory:"
        assert h.create(kind="call", counterparty="7701000001", start="2026-06-02 09:00",
                        external_id="pbx-1").status.value == "already_present"
    assert not list((tmp_path / "data").rglob("*.sqlite"))


def test_create_uses_onec_ledger_as_the_command_line_does(fresh: DemoServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("ONEC_LEDGER", str(ledger))
    with onec_history.connect(fresh.url) as h:
        assert h.create(kind="call", counterparty="7701000001", start="2026-06-03 09:00").status.value == "created"
    assert ledger.is_file()
    with onec_history.connect(fresh.url, env={"ONEC_LEDGER": str(tmp_path / "given.sqlite")}) as h:
        assert Path(h.ledger_path) == tmp_path / "given.sqlite"


def test_create_failures_raise_the_librarys_errors(fresh: DemoServer, tmp_path: Path) -> None:
    with onec_history.connect(fresh.url, ledger=tmp_path / "l.sqlite") as h:
        with pytest.raises(onec_history.ValidationError) as invalid:
            h.create(kind="telegram", counterparty="7701000001", start="2026-06-01 10:00")
        assert invalid.value.field == "kind"
        with pytest.raises(onec_history.AmbiguousError):
            h.create(kind="call", counterparty="ООО Ром", start="2026-06-01 10:00")
        with pytest.raises(onec_history.NoMatchError):
            h.create(kind="call", counterparty="Нет такого клиента", start="2026-06-01 10:00")
        dry = h.create(kind="call", counterparty="7701000001", start="2026-06-01 11:00", dry_run=True)
        assert dry.status.value == "would_create" and dry.body


# -- export ---------------------------------------------------------------------------------------------
def test_export_writes_what_events_lists(h: onec_history.Connection, tmp_path: Path) -> None:
    out = tmp_path / "march.csv"
    result = h.export(out, since="2026-03-01", until="2026-03-31", excel=True)
    listed = list(h.events(since="2026-03-01", until="2026-03-31"))
    assert result.exported == len(listed) > 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel's BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert sorted(r["ref"] for r in rows) == sorted(e.ref for e in listed)


def test_export_picks_the_format_from_the_suffix_and_runs_incrementally(h: onec_history.Connection,
                                                                        tmp_path: Path) -> None:
    import openpyxl

    book = tmp_path / "events.xlsx"
    h.export(book, counterparty="7701000001")
    workbook = openpyxl.load_workbook(book, read_only=True)  # read-only keeps the file open until close()
    sheet = workbook.active
    rows = len(list(sheet.iter_rows())) if sheet is not None else -1
    workbook.close()
    assert rows - 1 == len(list(h.events(counterparty="7701000001")))
    state = tmp_path / "events.state"
    first = h.export(tmp_path / "a.jsonl", state_file=state)
    again = h.export(tmp_path / "b.jsonl", state_file=state)
    assert first.exported > 0 and again.outcome.value == "nothing_new"
    assert len((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()) == first.exported
    with pytest.raises(errors.QueryError, match="export format"):
        h.export(tmp_path / "x.csv", fmt="parquet")


def test_export_to_a_stream(h: onec_history.Connection) -> None:
    stream = io.BytesIO()
    result = h.export(stream, fmt="jsonl", kind="meeting")
    lines = [json.loads(line) for line in stream.getvalue().decode("utf-8").splitlines()]
    assert len(lines) == result.exported > 0


# -- rows and DataFrames ---------------------------------------------------------------------------------
def test_records_are_json_and_carry_stable_identifiers(h: onec_history.Connection) -> None:
    rows = onec_history.to_records(h.events(counterparty="7701000001", limit=5))
    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows
    assert {r["kind"] for r in rows} <= {k.value for k in EventKind}
    assert all(r["who"] == "ООО Ромашка" and r["ref"] for r in rows)
    based = next(r for r in rows if r["basis"])
    assert DocKey(based["basis"]["entity_set"], based["basis"]["ref"]).id.startswith("Document_")
    with pytest.raises(TypeError, match="events and counterparties"):
        onec_history.to_records([{"ref": "x"}])  # type: ignore[list-item]


def test_dataframes_of_events_and_counterparties(h: onec_history.Connection) -> None:
    pandas = pytest.importorskip("pandas", reason="the optional [pandas] extra is not installed")
    events = list(h.events(counterparty="7701000001"))
    frame = onec_history.to_dataframe(events)
    assert len(frame) == len(events)
    assert pandas.api.types.is_datetime64_any_dtype(frame["date"])
    assert set(frame["kind"]) <= {k.value for k in EventKind}
    assert list(frame["ref"]) == [e.ref for e in events]
    with_basis = frame.dropna(subset=["basis.ref"])
    assert len(with_basis) == sum(1 for e in events if e.basis) > 0
    assert frame.groupby("kind").size().sum() == len(events)
    people = onec_history.to_dataframe(h.search_counterparties("Ром"))
    assert set(people["inn"]) == {"7701000001", "7702000002", "7703000003"}
    assert onec_history.to_dataframe([]).empty


def test_without_pandas_the_error_says_what_to_install(h: onec_history.Connection,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without the extra sees
    with pytest.raises(ImportError, match=r"pip install 'onec-history\[pandas\]'"):
        onec_history.to_dataframe(h.events(limit=1))


def test_importing_the_package_does_not_import_pandas() -> None:
    code = ("import sys, onec_history\n"
            "with onec_history.connect(demo='ut10') as h:\n"
            "    rows = onec_history.to_records(h.events(limit=2))\n"
            "assert len(rows) == 2, rows\n"
            "print('pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# -- README, "Python API": every example runs as written --------------------------------------------------
def readme_examples() -> list[str]:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.+?)\n```", section, re.S)


def test_the_readme_section_shows_each_main_use() -> None:
    examples = readme_examples()
    for use in ("find_counterparty", "h.events(", "to_dataframe", "h.chain(", "h.create(", "h.export("):
        assert any(use in code for code in examples), use


@pytest.mark.parametrize("number", range(len(readme_examples())))
def test_a_readme_example_runs_and_prints_what_it_says(number: int, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each block on a fresh demo base reached by ONEC_URL, in a folder of its own; every ``# → …``
    line under a print is a line the block prints (the beginning of it), in that order."""
    code = readme_examples()[number]
    if "to_dataframe" in code:
        pytest.importorskip("pandas", reason="the optional [pandas] extra is not installed")
    monkeypatch.chdir(tmp_path)
    with start_demo("ut10") as srv:
        monkeypatch.setenv("ONEC_URL", srv.url)
        exec(compile(code, f"README.md, Python API, example {number + 1}", "exec"), {})  # our own README
    printed = capsys.readouterr().out.splitlines()
    expected = [line.split("# → ", 1)[1] for line in code.splitlines() if "# → " in line]
    assert expected, "an example shows what it prints"
    rest = iter(printed)
    for want in expected:
        assert any(line.startswith(want) for line in rest), (want, printed)

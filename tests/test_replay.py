"""A recording replays the everyday commands (issue 12.8): record a started demo base with
``onec-history record``, serve it with the replay server, and every everyday command prints what it
printed against the live base — with each personal value replaced by its fake."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from recording_helpers import Recording, isolated_env, mapper, record, run

from onec_history.demo.replay import ReplayServer
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.family_c import INTERACTIONS
from onec_history.recording import ROOT_PLACEHOLDER

ROMASHKA = "ООО Ромашка"


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    """Family C (УТ 11): interactions tied to partners and their contact persons."""
    with start_demo("ut11") as server:
        yield server


@pytest.fixture(scope="module", params=["ut10", "unf", "ut11"])
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[DemoServer, Recording]]:
    live: DemoServer = request.getfixturevalue(request.param)
    tmp = tmp_path_factory.mktemp(f"rec-{request.param}")
    with isolated_env(tmp):
        yield live, record(live.url, tmp / "rec", "--client", ROMASHKA)


def everyday(live: DemoServer, rec: Recording) -> list[list[str]]:
    """The command lines of issue 12.8 (original values: the live base's), then every one the
    recording says it replays (fake values mapped back)."""
    code, out, _ = run("--url", live.url, "counterparties", "show", ROMASHKA, "--format", "json")
    assert code == ExitCode.OK
    card = json.loads(out)
    first = card["events"][0]
    document = first["document_set"]  # Document_Событие, or (family C) the interaction's own document
    family_c = rec.manifest["family"] == "C"
    commands = [
        ["doctor"],
        ["doctor", "--format", "json"],
        ["counterparties", "search"],
        ["counterparties", "search", "--limit", "3"],
        ["counterparties", "search", ROMASHKA],
        ["counterparties", "search", ROMASHKA, "--format", "json"],
        *([] if family_c else [["counterparties", "search", "--group", "Покупатели"]]),  # C: partners' groups
        ["counterparties", "show", ROMASHKA],
        ["counterparties", "show", card["counterparty"]["code"], "--limit", "2"],
        ["events", "list"],
        ["events", "list", "--limit", "3"],
        ["events", "list", "--limit", "3", "--format", "json"],
        ["events", "list", "--counterparty", ROMASHKA],
        ["events", "list", "--counterparty", ROMASHKA, "--limit", "2", "--format", "jsonl"],
        ["events", "show", first["ref"]],
        ["events", "show", first["ref"], "--format", "json"],
        ["chain", f"{document}(guid'{first['ref']}')"],
        ["chain", f"{document}(guid'{first['ref']}')", "--format", "json"],
        ["history", ROMASHKA],
        ["history", ROMASHKA, "--format", "json"],
        ["history", ROMASHKA, "--strategy", "walk"],
        ["history", ROMASHKA, "--strategy", "scan"],
        ["events", "export", "--counterparty", ROMASHKA, "--format", "jsonl"],
    ]
    if family_c:  # the code is the partner's; every interaction of the client shows
        commands += [["counterparties", "search", "--code", card["counterparty"]["code"]]]
        commands += [["events", "show", e["ref"]] for e in card["events"]]
    return commands + [[rec.original(a) for a in argv] for argv in rec.manifest["commands"]]


def _steady(out: str) -> str:
    """The output without doctor's clock difference, which is live (a second boundary apart)."""
    return re.sub(r"clock differs from ours by -?\d+ s", "clock differs from ours by N s", out)


def test_the_everyday_commands_replay_as_they_ran(recorded: tuple[DemoServer, Recording]) -> None:
    live, rec = recorded
    with ReplayServer(rec.directory).start() as replay:
        as_replayed = mapper(rec.anonymizer, {live.url: replay.url})
        commands = everyday(live, rec)
        for argv in commands:
            code, out, err = run("--url", live.url, *argv)
            assert code == ExitCode.OK, (argv, err)
            again = run("--url", replay.url, *[rec.fake(a) for a in argv])
            assert (again[0], _steady(again[1])) == (code, _steady(as_replayed(out))), (argv, again[2])
        assert replay.unanswered == []
    assert len(commands) > 30


def test_the_recorded_client_is_named_by_its_fake(recorded: tuple[DemoServer, Recording]) -> None:
    live, rec = recorded
    fake = rec.manifest["client"]["name"]
    assert fake != ROMASHKA and fake.startswith("ООО ") and len(fake) == len(ROMASHKA)
    assert f"'{fake}'" in rec.stderr  # 'record' says which name to ask the replay for
    with ReplayServer(rec.directory).start() as replay:
        code, out, err = run("--url", replay.url, "history", fake[:7])  # the beginning of the name finds it too
        assert code == ExitCode.OK, err
        assert out.startswith(fake)
        # The original name is not in the recording: the client is not found, in one short sentence,
        # as a name the base does not have is.
        code, _, err = run("--url", replay.url, "history", ROMASHKA)
        assert code == run("--url", live.url, "history", "ООО Нет Такого")[0] != ExitCode.OK
        assert len(err) < 200, err


def test_a_request_not_recorded_gets_a_short_1c_error(recorded: tuple[DemoServer, Recording]) -> None:
    _, rec = recorded
    with ReplayServer(rec.directory).start() as replay:
        target = quote("Document_Событие") + "?$format=json&$filter=" + quote("Number eq '12345'") + "&$top=1"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(replay.url + target, timeout=10)
        assert caught.value.code == 404
        error = json.loads(caught.value.read().decode("utf-8"))["odata.error"]
        assert error["code"] == "9" and "Document_Событие" in error["message"]["value"]
        assert len(error["message"]["value"]) < 120
        code, _, err = run("--url", replay.url, "events", "list", "--limit", "1000")  # more than recorded
        assert code == ExitCode.NOT_PUBLISHED and "не записан" in err
        asked = replay.unanswered[-1].partition("?")[0].removeprefix("GET ")
        assert asked in (INTERACTIONS if rec.manifest["family"] == "C" else ("Document_Событие",)), asked


def test_the_recording_names_no_host(recorded: tuple[DemoServer, Recording]) -> None:
    live, rec = recorded
    text = (rec.directory / "exchanges.jsonl").read_text(encoding="utf-8")
    host = live.url.split("/")[2]
    assert host not in text and ROOT_PLACEHOLDER in text
    assert host not in (rec.directory / "manifest.json").read_text(encoding="utf-8")


# -- the replay rules on a hand-made recording ----------------------------------------------------------
def _rows(n: int) -> list[dict[str, str]]:
    return [{"Ref_Key": f"00000000-0000-0000-0000-{i:012d}", "Description": f"Имя {i}", "Code": f"{i:03d}"}
            for i in range(1, n + 1)]


def _write(directory: Path, exchanges: list[tuple[str, int, object]]) -> Path:
    directory.mkdir()
    (directory / "metadata.xml").write_text("<edmx:Edmx/>", encoding="utf-8")
    lines = [json.dumps({"method": "GET", "target": target, "status": status, "content_type": "application/json",
                         "body": json.dumps(body, ensure_ascii=False), "request_body": None}, ensure_ascii=False)
             for target, status, body in exchanges]
    (directory / "exchanges.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _get(server: ReplayServer, target: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(server.url + target, timeout=10) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode("utf-8"))


def _codes(reply: tuple[int, object]) -> list[str]:
    status, doc = reply
    assert status == 200 and isinstance(doc, dict), reply
    return [r["Code"] for r in doc["value"]]


PAGE = "Catalog_X?$format=json&$select=Ref_Key,Description,Code&$orderby=Code"


def test_a_replay_slices_recorded_pages(tmp_path: Path) -> None:
    rows = _rows(7)
    directory = _write(tmp_path / "rec", [
        (f"{PAGE}&$top=3", 200, {"value": rows[:3]}),  # a full page: more rows may follow
        (f"{PAGE}&$top=3&$skip=3", 200, {"value": rows[3:6]}),
        (f"{PAGE}&$top=3&$skip=6", 200, {"value": rows[6:]}),  # short: the last page
        ("Catalog_Y?$format=json&$top=100", 200, {"value": rows[:2]}),
    ])
    with ReplayServer(directory).start() as replay:
        assert _codes(_get(replay, f"{PAGE}&$top=2")) == ["001", "002"]
        assert _codes(_get(replay, f"{PAGE}&$top=2&$skip=1")) == ["002", "003"]
        assert _codes(_get(replay, f"{PAGE}&$top=4&$skip=2")) == ["003", "004", "005", "006"]  # pages join
        assert _codes(_get(replay, f"{PAGE}&$top=100")) == [f"{i:03d}" for i in range(1, 8)]  # up to the short one
        assert _codes(_get(replay, f"{PAGE}&$top=5&$skip=6")) == ["007"]
        assert _codes(_get(replay, "Catalog_Y?$format=json&$top=1")) == ["001"]
        assert _codes(_get(replay, "Catalog_Y?$format=json&$top=500")) == ["001", "002"]
        assert _get(replay, f"{PAGE}&$top=3&$skip=1")[0] == 200
        status, doc = _get(replay, f"{PAGE.replace('Code', 'Description', 1)}&$top=1")  # another query
        assert status == 404 and isinstance(doc, dict) and doc["odata.error"]["code"] == "9"


def test_a_replay_answers_key_lookups_and_name_searches_from_recorded_rows(tmp_path: Path) -> None:
    rows = _rows(4)
    keys = " or ".join(f"Ref_Key eq guid'{r['Ref_Key']}'" for r in rows[:2])
    missing = "00000000-0000-0000-0000-000000000099"
    directory = _write(tmp_path / "rec", [
        (f"{PAGE}&$top=100", 200, {"value": rows}),
        ("Catalog_X?$format=json&$filter=" + quote(f"{keys} or Ref_Key eq guid'{missing}'")
         + "&$select=Ref_Key,Description&$orderby=Ref_Key&$top=200", 200,
         {"value": [{"Ref_Key": r["Ref_Key"], "Description": r["Description"]} for r in rows[:2]]}),
    ])
    one = f"Ref_Key eq guid'{rows[3]['Ref_Key']}' or Ref_Key eq guid'{missing}'"
    with ReplayServer(directory).start() as replay:
        status, doc = _get(replay, "Catalog_X?$format=json&$filter=" + quote(one) + "&$select=Ref_Key,Description"
                           "&$orderby=Ref_Key&$top=200")
        assert status == 200 and isinstance(doc, dict)
        assert doc["value"] == [{"Ref_Key": rows[3]["Ref_Key"], "Description": "Имя 4"}]  # the missing key: none
        status, doc = _get(replay, f"Catalog_X(guid'{rows[2]['Ref_Key']}')?$format=json&$select=Description")
        assert status == 200 and isinstance(doc, dict) and doc["Description"] == "Имя 3"
        assert _get(replay, f"Catalog_X(guid'{missing}')?$format=json")[0] == 404
        rest = "&$select=Ref_Key,Description,Code&$orderby=Code"
        searched = "Catalog_X?$format=json&$filter=" + quote("startswith(Description,'имя 2')") + rest
        assert _codes(_get(replay, searched + "&$top=100")) == ["002"]  # case as 1C: insensitive
        searched = "Catalog_X?$format=json&$filter=" + quote("substringof('я',Description)") + rest
        assert _codes(_get(replay, searched + "&$top=2")) == ["001", "002"]
        assert _codes(_get(replay, searched + "&$top=2&$skip=3")) == ["004"]


def test_a_replay_answers_lookups_by_reference_however_they_are_grouped(tmp_path: Path) -> None:
    """A lookup by references (family C: a basis, a contact, a register's dimension) gets the rows
    complete recorded answers held for each of its equalities: in another order, fewer, or spread
    over several recorded requests; an equality never recorded, or rows that do not show the
    property compared, leave it unanswered."""
    refs = [f"00000000-0000-0000-0000-{i:012d}" for i in range(1, 5)]

    def row(i: int, basis: int, typ: str = "Document_A") -> dict[str, str]:
        return {"Ref_Key": refs[i], "Основание": refs[basis], "Основание_Type": f"StandardODATA.{typ}"}

    def term(i: int, typ: str = "Document_A") -> str:
        return f"Основание eq cast(guid'{refs[i]}','{typ}')"

    rest = "&$select=" + quote("Ref_Key,Основание,Основание_Type", safe=",") + "&$orderby=Ref_Key&$top=1000"
    lean = "&$select=Ref_Key&$orderby=Ref_Key&$top=1000"

    def target(flt: str, tail: str = rest) -> str:
        return "Document_B?$format=json&$filter=" + quote(flt) + tail

    directory = _write(tmp_path / "rec", [
        (target(f"{term(0)} or {term(1)}"), 200, {"value": [row(2, 0), row(3, 1)]}),
        (target(term(2, "Document_C")), 200, {"value": []}),
        (target(f"{term(0)} or {term(1)}", lean), 200, {"value": [{"Ref_Key": refs[2]}, {"Ref_Key": refs[3]}]}),
    ])
    with ReplayServer(directory).start() as replay:
        def keys(flt: str, tail: str = rest) -> list[str]:
            status, doc = _get(replay, target(flt, tail))
            assert status == 200 and isinstance(doc, dict), (flt, doc)
            return [r["Ref_Key"] for r in doc["value"]]

        assert keys(f"{term(1)} or {term(0)}") == [refs[2], refs[3]]  # another order
        assert keys(term(1)) == [refs[3]]  # fewer
        assert keys(f"{term(2, 'Document_C')} or {term(0)}") == [refs[2]]  # spread over two answers
        assert keys(f"{term(1)} or {term(0)}", lean) == [refs[2], refs[3]]  # the same, reordered
        assert _get(replay, target(term(3)))[0] == 404  # never asked
        assert _get(replay, target(term(1), lean))[0] == 404  # the rows do not tell which is whose
        assert _get(replay, target(term(0, "Document_C")))[0] == 404  # another type
        assert len(replay.unanswered) == 3

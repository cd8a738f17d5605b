"""The commands: 'counterparties import' (exit codes, diff, confirmation) and 'mirror'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.counterparties.importer import CounterpartyImport
from onec_history.demo.server import DemoServer
from onec_history.exitcodes import ExitCode
from onec_history.history import History
from onec_history.query import Query, eq
from onec_history.transport import Transport

ROMASHKA = ("7701000001", "770101001")


def history_for(srv: DemoServer) -> History:
    return History(Client(Transport(srv.url)))


def cli(srv: DemoServer, *args: str) -> int:
    return main(["--url", srv.url, *args])


def write(tmp_path: Path, text: str, name: str = "clients.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_import_twice_then_nothing_changes(ut10: DemoServer, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # cp1251 with ';' as Excel on a Russian Windows saves it
    file = write(tmp_path, f"Наименование;ИНН;КПП;НаименованиеПолное\nООО Ромашка;{ROMASHKA[0]};{ROMASHKA[1]};"
                           "ООО «Ромашка»\nООО Новый;7707083893;770701001;\n", encoding="cp1251")
    ledger = str(tmp_path / "ledger.sqlite")
    assert cli(ut10, "counterparties", "import", file, "--group", "Покупатели", "--ledger", ledger,
               "--format", "jsonl") == 0
    first = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in first] == ["updated", "created"]
    assert cli(ut10, "counterparties", "import", file, "--group", "Покупатели", "--ledger", ledger,
               "--format", "jsonl") == 0
    second = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in second] == ["unchanged", "unchanged"]


def test_dry_run_prints_the_diff_per_row(ut10: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, f"inn,kpp,full_name,buyer\n{ROMASHKA[0]},{ROMASHKA[1]},Новое имя,нет\n")
    assert cli(ut10, "counterparties", "import", file, "--dry-run", "--ledger", str(tmp_path / "l")) == 0
    out = capsys.readouterr().out
    assert "line 2: would_update ООО Ромашка (inn=7701000001 kpp=770101001)" in out
    assert "    full_name: 'Общество с ограниченной ответственностью \"Ромашка\"' → 'Новое имя'" in out
    assert "    buyer: True → False" in out


def test_a_conflict_exits_12(ut10: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    real_plan = CounterpartyImport.plan

    def plan_then_someone_edits(self: CounterpartyImport, *args: Any) -> Any:
        plan = real_plan(self, *args)
        self.client.patch(self.entity_set, plan.rows[0].ref or "", {"Комментарий": "правка в 1С"})
        return plan

    monkeypatch.setattr(CounterpartyImport, "plan", plan_then_someone_edits)
    file = write(tmp_path, f"inn,kpp,full_name\n{ROMASHKA[0]},{ROMASHKA[1]},Новое имя\n")
    code = cli(ut10, "counterparties", "import", file, "--ledger", str(tmp_path / "l"), "--report",
               str(tmp_path / "report.jsonl"))
    assert code == ExitCode.CONFLICT
    [row] = [json.loads(x) for x in (tmp_path / "report.jsonl").read_text(encoding="utf-8").splitlines()]
    assert row["status"] == "conflict"
    assert "1 conflict" in capsys.readouterr().err


def test_bad_rows_give_partial_and_unknown_columns_bad_input(ut10: DemoServer, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, f"inn,kpp,comment\n{ROMASHKA[0]},{ROMASHKA[1]},ok\n7707083894,,bad checksum\n")
    assert cli(ut10, "counterparties", "import", file, "--ledger", str(tmp_path / "l")) == ExitCode.PARTIAL
    bad = write(tmp_path, "inn,Телефон\n7707083893,1\n", name="bad.csv")
    assert cli(ut10, "counterparties", "import", bad, "--ledger", str(tmp_path / "l")) == ExitCode.BAD_INPUT
    assert "Unknown column(s) in the file: Телефон" in capsys.readouterr().err


def _moscow(srv: DemoServer) -> tuple[list[dict[str, Any]], str]:
    h = history_for(srv)
    cps = h.profile.counterparty_set
    folder = next(h.client.iterate(cps, Query(filter=eq("IsFolder", True) & eq("Description", "Москва"))))
    rows = [r for r in h.client.iterate(cps, Query(filter=eq("Parent_Key", folder["Ref_Key"])))
            if not r["IsFolder"] and not r["DeletionMark"]]
    return rows, cps


def test_mark_missing_asks_first_and_needs_yes_off_a_terminal(ut10: DemoServer, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    rows, cps = _moscow(ut10)
    keep = rows[1:]
    file = write(tmp_path, "ref\n" + "".join(f"{r['Ref_Key']}\n" for r in keep))
    args = ["counterparties", "import", file, "--match", "column:ref", "--group", "Москва", "--mark-missing",
            "--ledger", str(tmp_path / "l")]
    assert cli(ut10, *args) == ExitCode.USAGE  # stdin is not a terminal under pytest
    err = capsys.readouterr().err
    assert "1 counterparties are in 1C but not in the file" in err and "--yes" in err
    h = history_for(ut10)
    assert h.client.get(cps, rows[0]["Ref_Key"])["DeletionMark"] is False  # nothing was sent
    assert cli(ut10, *args, "--yes", "--format", "jsonl") == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in out][-1] == "marked"
    assert h.client.get(cps, rows[0]["Ref_Key"])["DeletionMark"] is True


def test_mirror_command_copies_then_only_changes(ut10: DemoServer, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert cli(ut10, "mirror", "--db", db, "--format", "json") == 0
    first = json.loads(capsys.readouterr().out)
    assert {s["mode"] for s in first} == {"full"}
    assert cli(ut10, "mirror", "--db", db, "--format", "json") == 0
    second = json.loads(capsys.readouterr().out)
    assert {s["mode"] for s in second} == {"incremental"}
    assert sum(s["changed"] + s["deleted"] for s in second) == 0
    assert all(s["requests"] == 1 for s in second)  # one Ref_Key,DataVersion scan per set

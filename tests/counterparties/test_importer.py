"""Counterparty import against the demo base of both families: idempotence, conflicts, dry-run fidelity."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onec_history import errors
from onec_history.counterparties.file import read_records
from onec_history.counterparties.importer import CounterpartyImport, RowResult
from onec_history.counterparties.plan import ImportPlan
from onec_history.history import History
from onec_history.local.ledger import Ledger
from onec_history.query import Query, eq

ROMASHKA = ("7701000001", "770101001")
NEW_INN, NEW_KPP = "7707083893", "770701001"


def importer(history: History, ledger: Ledger | None = None, **kw: Any) -> CounterpartyImport:
    return CounterpartyImport(history, ledger=ledger or Ledger(":memory:", history.client.transport.url_for("")),
                              **kw)


def plan_of(job: CounterpartyImport, text: str, name: str = "f.csv") -> ImportPlan:
    header, records = read_records(name, data=text.encode("utf-8"))
    return job.plan(header, records)


def run(history: History, text: str, *, dry: bool = False, ledger: Ledger | None = None, fail_fast: bool = False,
        **kw: Any) -> list[RowResult]:
    job = importer(history, ledger, **kw)
    plan = plan_of(job, text)
    return list(job.dry_run(plan) if dry else job.apply(plan, fail_fast=fail_fast))


def versions(history: History) -> dict[str, str]:
    cps = history.profile.counterparty_set
    return {r["Ref_Key"]: r["DataVersion"]
            for r in history.client.iterate(cps, Query(select=("Ref_Key", "DataVersion")))}


def by_inn(history: History, inn: str) -> list[dict[str, Any]]:
    prop = history.profile.counterparty_attr("inn")
    assert prop is not None
    return list(history.client.iterate(history.profile.counterparty_set, Query(filter=eq(prop.prop, inn))))


def a_manager(history: History) -> str:
    row = next(history.client.iterate(history.profile.users_set, Query(select=("Description",), top=1)))
    return str(row["Description"]).strip()


def sample(history: History) -> str:
    return (
        "name,inn,kpp,full_name,buyer,supplier,manager,comment,group\n"
        f"ООО Ромашка,{ROMASHKA[0]},{ROMASHKA[1]},\"ООО «Ромашка», Москва\",true,,{a_manager(history)},,\n"
        f"ООО Новый клиент,{NEW_INN},{NEW_KPP},ООО «Новый клиент»,да,нет,,из CRM,Покупатели\n"
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(history: History) -> None:
    text = sample(history)
    first = run(history, text)
    assert [r.status for r in first] == ["updated", "created"]
    before = versions(history)
    second = run(history, text)
    assert [r.status for r in second] == ["unchanged", "unchanged"]
    assert versions(history) == before  # not a single object was written
    assert len(by_inn(history, NEW_INN)) == 1


def test_dry_run_diff_is_exactly_what_the_real_run_writes(history: History) -> None:
    client, cps = history.client, history.profile.counterparty_set
    text = sample(history)
    before = {r["Ref_Key"]: r for r in client.iterate(cps, Query(select=("**",)))}
    dry = run(history, text, dry=True)
    assert versions(history) == {k: v["DataVersion"] for k, v in before.items()}  # the dry run sent nothing
    real = run(history, text)
    done = {"updated": "update", "created": "create", "unchanged": "unchanged"}
    assert [(r.line, r.status.removeprefix("would_"), r.ref, r.changes) for r in dry] == \
           [(r.line, done[r.status], r.ref, r.changes) for r in real]
    for result in real:
        after = client.get(cps, result.ref or "")
        old = before.get(result.ref or "", {})
        written = {p for p in old if after.get(p) != old[p]}
        expected = {c.prop for c in result.changes} | {"DataVersion"}
        if result.status == "created":
            assert all(str(after[c.prop]).rstrip() == str(c.new) or after[c.prop] == c.new for c in result.changes)
        else:
            assert written == expected, result
            for c in result.changes:
                assert after[c.prop] == c.new


def test_an_edit_in_1c_between_read_and_write_is_a_conflict_not_overwritten(history: History) -> None:
    client, cps = history.client, history.profile.counterparty_set
    job = importer(history)
    plan = plan_of(job, f"inn,kpp,full_name\n{ROMASHKA[0]},{ROMASHKA[1]},Новое полное имя\n")
    ref = plan.rows[0].ref
    assert plan.rows[0].action.value == "update" and ref
    full_name = history.profile.counterparty_attr("full_name")
    assert full_name is not None
    client.patch(cps, ref, {full_name.prop: "Изменено в 1С"})  # someone edits the card meanwhile
    [result] = job.apply(plan)
    assert result.status == "conflict"
    assert "changed in 1C after it was read" in result.message
    assert client.get(cps, ref)[full_name.prop] == "Изменено в 1С"
    # Re-planning reads the new version: the diff now starts from the 1C user's value.
    [again] = run(history, f"inn,kpp,full_name\n{ROMASHKA[0]},{ROMASHKA[1]},Новое полное имя\n", dry=True)
    assert [(c.old, c.new) for c in again.changes] == [("Изменено в 1С", "Новое полное имя")]


def test_rows_are_checked_before_anything_is_sent(history: History) -> None:
    long_name = "Я" * 101
    text = (
        "name,inn,kpp,group\n"
        "Плохая контрольная,7707083894,,\n"          # checksum
        "Короткий,12345,,\n"                           # format
        f"Плохой КПП,{NEW_INN},77-0701,\n"             # КПП
        f"{long_name},5408106348,,\n"                   # 1C would cut it to 100
        ",7830002293,,\n"                               # no name to create with
        "Нет папки,500100732259,,Нет такой папки\n"    # an update ignores group…
        "Без папки,773370857141,,Нет такой папки\n"    # …a creation needs it
        f"Первый,{NEW_INN},{NEW_KPP},\n"
        f"Второй,{NEW_INN},{NEW_KPP},\n"               # same key as the row above
    )
    before = versions(history)
    results = run(history, text, fail_fast=True)
    assert [r.status for r in results] == ["failed"]  # fail-fast: nothing sent at all
    assert versions(history) == before
    results = run(history, text)
    messages = {r.line: (r.status, r.message) for r in results}
    assert "check digit" in messages[2][1]
    assert "has 5 digits" in messages[3][1]
    assert "КПП" in messages[4][1]
    assert "101 characters long; the attribute holds 100" in messages[5][1]
    assert "no name" in messages[6][1]
    assert messages[7][0] == "updated"
    assert "no folder 'Нет такой папки'" in messages[8][1] and "--create-folders" in messages[8][1]
    assert messages[9][0] == "created"
    assert messages[10][0] == "failed" and "as line 9" in messages[10][1]


def test_unknown_columns_reject_the_file(history: History) -> None:
    with pytest.raises(errors.ValidationError, match="Unknown column"):
        plan_of(importer(history), "name,inn,телефон\nА,7707083893,123\n")


def test_folders_are_created_on_request_once(history: History) -> None:
    text = f"name,inn,kpp\nООО Новый клиент,{NEW_INN},{NEW_KPP}\n"
    failed = run(history, text, group="Покупатели/Новые/Интернет")
    assert failed[0].status == "failed"
    results = run(history, text, group="Покупатели/Новые/Интернет", create_folders=True)
    assert [r.status for r in results] == ["folder_created", "folder_created", "created"]
    leaf = results[1].ref
    assert by_inn(history, NEW_INN)[0]["Parent_Key"] == leaf
    assert [r.status for r in run(history, text, group="Покупатели/Новые/Интернет", create_folders=True)] == \
           ["unchanged"]


def test_match_by_code_and_by_reference(history: History) -> None:
    row = by_inn(history, ROMASHKA[0])[0]
    code, ref = row["Code"].strip(), row["Ref_Key"]
    [by_code] = run(history, f"code,comment\n{code},по коду\n", match="code")
    assert (by_code.status, by_code.ref) == ("updated", ref)
    [by_ref] = run(history, f"ref,comment\n{ref},по ссылке\n", match="column:ref")
    assert (by_ref.status, by_ref.ref) == ("updated", ref)
    assert history.client.get(history.profile.counterparty_set, ref)["Комментарий" if "Комментарий" in row
                                                                        else "Description"] == "по ссылке"


def test_a_lost_answer_to_a_create_never_makes_a_duplicate(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger(":memory:", history.client.transport.url_for(""))
    real_create = history.client.create

    def create_then_drop(*args: Any, **kwargs: Any) -> dict[str, Any]:
        real_create(*args, **kwargs)
        raise errors.ConnectError("connection dropped after the request was sent")

    text = f"external_id,name,inn,kpp\ncrm-1,ООО Новый клиент,{NEW_INN},{NEW_KPP}\n"
    monkeypatch.setattr(history.client, "create", create_then_drop)
    [lost] = run(history, text, ledger=ledger)
    # Looked up after the lost answer: this run created it, and it says so (not "failed").
    assert lost.status == "created" and "confirmed" in lost.message
    assert len(by_inn(history, NEW_INN)) == 1
    monkeypatch.undo()
    [again] = run(history, text, ledger=ledger)
    assert again.status == "unchanged"
    assert len(by_inn(history, NEW_INN)) == 1


def test_the_ledger_finds_a_created_counterparty_whose_key_was_edited_in_1c(history: History) -> None:
    ledger = Ledger(":memory:", history.client.transport.url_for(""))
    text = f"external_id,name,inn,kpp\ncrm-7,ООО Новый клиент,{NEW_INN},{NEW_KPP}\n"
    [created] = run(history, text, ledger=ledger)
    assert created.status == "created"
    inn = history.profile.counterparty_attr("inn")
    assert inn is not None
    history.client.patch(history.profile.counterparty_set, created.ref or "", {inn.prop: "7830002293"})
    [again] = run(history, text, ledger=ledger)
    assert (again.status, again.ref) == ("updated", created.ref)
    assert [(c.field, c.old, c.new) for c in again.changes] == [("inn", "7830002293", NEW_INN)]
    assert len(by_inn(history, NEW_INN)) == 1


def test_mark_missing_marks_only_the_absent_in_the_group_and_never_deletes(history: History) -> None:
    client, cps = history.client, history.profile.counterparty_set
    folder = next(client.iterate(cps, Query(filter=eq("IsFolder", True) & eq("Description", "Москва"))))
    inn = history.profile.counterparty_attr("inn")
    assert inn is not None
    members = [r for r in client.iterate(cps, Query(filter=eq("Parent_Key", folder["Ref_Key"])))
               if not r["IsFolder"] and not r["DeletionMark"]]
    assert len(members) >= 2
    kept, dropped = members[:-1], members[-1]
    lines = "\n".join(json.dumps({"ref": r["Ref_Key"]}) for r in kept)
    job = importer(history, match="column:ref", group="Москва", mark_missing=True)
    plan = plan_of(job, lines + "\n", name="f.jsonl")
    assert [m.ref for m in plan.missing] == [dropped["Ref_Key"]]
    results = list(job.apply(plan))
    assert [r.status for r in results] == ["unchanged"] * len(kept) + ["marked"]
    after = client.get(cps, dropped["Ref_Key"])
    assert after["DeletionMark"] is True  # marked, still there
    # A failed row blocks marking: its counterparty would look absent.
    bad = importer(history, match="column:ref", group="Москва", mark_missing=True)
    plan = plan_of(bad, lines + '\n{"ref": "not-a-guid"}\n', name="f.jsonl")
    assert plan.missing == [] and "failed" in plan.missing_blocked

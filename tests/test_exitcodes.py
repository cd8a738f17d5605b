"""Outcomes → exit codes: one table in the CLI, every outcome in it, and no exit code in the library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from onec_history.cli.exitcodes import OUTCOMES, ExitCode, exit_code_of
from onec_history.counterparties.importer import Outcome as ImportOutcome
from onec_history.counterparties.importer import RowResult as ImportRow
from onec_history.counterparties.importer import outcome_of as import_outcome
from onec_history.create import Outcome as WriteOutcome
from onec_history.create import RowResult, Status, Summary, outcome_of
from onec_history.errors import LockedError
from onec_history.export import ExportResult
from onec_history.export import Outcome as ExportOutcome

ROOT = Path(__file__).resolve().parents[1]


def test_every_outcome_has_an_exit_code() -> None:
    for enum in (ExportOutcome, WriteOutcome, ImportOutcome):
        for outcome in enum:
            assert isinstance(OUTCOMES[outcome], ExitCode), outcome


LIBRARY = ["onec_history.create", "onec_history.export", "onec_history.counterparties.importer",
           "onec_history.mirror.sync"]


@pytest.mark.parametrize("module", LIBRARY)
def test_the_library_knows_no_exit_codes(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('onec_history.cli.') " \
           "or m in ('onec_history.cli', 'onec_history.exitcodes')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_an_export_exits_partial_before_nothing_new() -> None:
    assert exit_code_of(ExportResult().outcome) is ExitCode.OK
    assert exit_code_of(ExportResult(incremental=True).outcome) is ExitCode.NOTHING_TO_DO
    assert exit_code_of(ExportResult(incremental=True, names_unavailable=("Catalog_X",)).outcome) is ExitCode.PARTIAL


def test_a_single_create_exits_as_its_cause() -> None:
    def code(**kw: object) -> ExitCode:
        result = RowResult(1, **kw)  # type: ignore[arg-type]
        return exit_code_of(outcome_of(result), result.exc)

    assert code(status=Status.CREATED) is ExitCode.OK
    assert code(status=Status.FAILED, error="ambiguous", exc=LockedError("x")) is ExitCode.AMBIGUOUS
    assert code(status=Status.POST_FAILED, error="post") is ExitCode.PARTIAL
    assert code(status=Status.FAILED, error="refused", exc=LockedError("held")) is ExitCode.LOCKED
    assert code(status=Status.FAILED, error="invalid") is ExitCode.BAD_INPUT
    assert exit_code_of(WriteOutcome.FAILED) is ExitCode.FAILURE  # no cause: a bug


def test_an_import_summary() -> None:
    ok, bad = RowResult(1, Status.CREATED), RowResult(2, Status.FAILED, error="invalid")
    assert Summary([]).outcome is WriteOutcome.NOTHING_TO_DO
    assert Summary([ok]).outcome is WriteOutcome.OK
    assert Summary([bad]).outcome is WriteOutcome.INVALID
    assert Summary([ok, bad]).outcome is WriteOutcome.PARTIAL
    assert Summary([RowResult(1, Status.FAILED, error="refused")]).outcome is WriteOutcome.PARTIAL


def test_a_counterparty_import() -> None:
    ok, failed, conflict = ImportRow(1, "updated"), ImportRow(2, "failed"), ImportRow(3, "conflict")
    assert import_outcome([ok]) is ImportOutcome.OK
    assert import_outcome([ok], blocked=True) is ImportOutcome.PARTIAL
    assert import_outcome([ok, failed]) is ImportOutcome.PARTIAL
    assert import_outcome([failed]) is ImportOutcome.NONE_SUCCEEDED
    assert import_outcome([ok, failed, conflict]) is ImportOutcome.CONFLICT
    assert [exit_code_of(o) for o in ImportOutcome] == [ExitCode.OK, ExitCode.PARTIAL, ExitCode.BAD_INPUT,
                                                       ExitCode.CONFLICT]

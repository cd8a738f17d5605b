"""The scheduling examples of deploy/ (issue 18, item 3), checked by the tools that own their formats and
then run here against demo bases: the systemd units by systemd-analyze verify, the Kubernetes CronJobs by
kubernetes-validate (the API's own schemas), the Airflow DAG loaded with stand-ins for Airflow's two
classes (Airflow itself is not installed here: hundreds of packages), each command executed."""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from onec_history.demo.server import DemoServer, start_demo

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


@pytest.fixture
def two_bases(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A config file with [bases.msk] and [bases.spb] (demo bases), and the environment the jobs get."""
    servers: dict[str, DemoServer] = {"msk": start_demo("ut10"), "spb": start_demo("unf")}
    cfg = tmp_path / "config.toml"
    cfg.write_text("".join(f'[bases.{n}]\nurl = "{s.url}"\n' for n, s in servers.items()), encoding="utf-8")
    shim = tmp_path / "bin" / "onec-history"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m onec_history "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    env.update(ONEC_CONFIG=str(cfg), ONEC_MIRROR_DB=f"sqlite:///{tmp_path / 'warehouse.db'}",
               PATH=f"{shim.parent}{os.pathsep}{env['PATH']}", XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    yield env
    for s in servers.values():
        s.stop()


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=300, check=False)


def bases_in(env: dict[str, str]) -> list[str]:
    done = run('onec-history bases --no-check --format json', env)
    return [b["base"] for b in json.loads(done.stdout)["listed"]]


def warehouse(env: dict[str, str]) -> list[str]:
    done = run('onec-history bases --no-check --format json', env)
    assert done.returncode == 0
    from onec_history.mirror.reader import MirrorReader

    return [b["base"] for b in MirrorReader.bases(env["ONEC_MIRROR_DB"])]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not on this machine")
def test_the_systemd_units_verify_and_their_command_mirrors_the_instance(tmp_path: Path,
                                                                         two_bases: dict[str, str]) -> None:
    units = tmp_path / "units"
    units.mkdir()
    service = (DEPLOY / "systemd" / "onec-history-mirror@.service").read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.*)$", service, re.M)
    assert exec_start is not None
    # verify checks that the program exists and the user is known: those of this machine
    local = service.replace("/usr/local/bin/onec-history", str(Path(sys.executable).parent / "onec-history"))
    (units / "onec-history-mirror@.service").write_text(local.replace("User=onec", "User=root"), encoding="utf-8")
    shutil.copy(DEPLOY / "systemd" / "onec-history-mirror@.timer", units)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", "onec-history-mirror@msk.service",
                           "onec-history-mirror@msk.timer"], cwd=units, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and "onec-history-mirror" not in done.stderr, done.stderr
    for base in ("msk", "spb"):  # what systemd runs for the instance: %i the base, ${…} from the environment
        command = exec_start.group(1).replace("%i", base).replace("${ONEC_MIRROR_DB}", two_bases["ONEC_MIRROR_DB"])
        argv = shlex.split(command)
        argv[0] = "onec-history"
        ran = run(shlex.join(argv), two_bases)
        assert ran.returncode == 0, ran.stderr
    assert warehouse(two_bases) == ["msk", "spb"]


def test_the_kubernetes_cronjobs_validate_one_per_base_and_their_commands_run(two_bases: dict[str, str]) -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text(encoding="utf-8")))
    assert [d["metadata"]["labels"]["base"] for d in documents] == bases_in(two_bases) == ["msk", "spb"]
    for doc in documents:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)  # raises on any departure from the schema
        spec = doc["spec"]
        assert spec["concurrencyPolicy"] == "Forbid"
        container = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        script = container["args"][0].split("&&", 1)[1]  # after the image's pip install
        ran = run(script, two_bases)
        assert ran.returncode == 0, ran.stderr
        summary = json.loads(ran.stdout)
        assert summary and all(s["entity_set"] for s in summary)
    assert warehouse(two_bases) == ["msk", "spb"]


def test_kubernetes_validate_rejects_a_broken_cronjob() -> None:
    doc: dict[str, Any] = next(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text(encoding="utf-8")))
    doc["spec"]["concurrencyPolicy"] = 3  # a number where the API wants a string
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, "1.30.0", strict=True)


class _Task:
    """Airflow's BashOperator, as far as the DAG uses it: an id, a command, and >> between tasks."""

    def __init__(self, *, task_id: str, bash_command: str) -> None:
        self.task_id, self.bash_command = task_id, bash_command
        self.upstream: list[_Task] = []
        _DAG.current.tasks.append(self)

    def __rrshift__(self, others: list[_Task]) -> _Task:
        self.upstream.extend(others)
        return self


class _DAG:
    current: _DAG

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.tasks: list[_Task] = []

    def __enter__(self) -> _DAG:
        _DAG.current = self
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_the_airflow_dag_has_a_task_per_base_and_its_commands_run(monkeypatch: pytest.MonkeyPatch,
                                                                  two_bases: dict[str, str], tmp_path: Path) -> None:
    airflow = types.ModuleType("airflow")
    airflow.DAG = _DAG  # type: ignore[attr-defined]
    bash = types.ModuleType("airflow.operators.bash")
    bash.BashOperator = _Task  # type: ignore[attr-defined]
    for name, module in (("airflow", airflow), ("airflow.operators", types.ModuleType("airflow.operators")),
                         ("airflow.operators.bash", bash)):
        monkeypatch.setitem(sys.modules, name, module)
    runpy.run_path(str(DEPLOY / "airflow" / "onec_history_mirror.py"))
    dag = _DAG.current
    assert dag.kwargs["dag_id"] == "onec_history_mirror" and dag.kwargs["catchup"] is False
    by_id = {t.task_id: t for t in dag.tasks}
    assert sorted(by_id) == ["inactive_report", "mirror_msk", "mirror_spb"]
    assert [t.task_id for t in by_id["inactive_report"].upstream] == ["mirror_msk", "mirror_spb"]
    for task in (by_id["mirror_msk"], by_id["mirror_spb"]):
        ran = run(task.bash_command, two_bases)
        assert ran.returncode == 0, ran.stderr
    reports = tmp_path / "reports"
    reports.mkdir()
    command = by_id["inactive_report"].bash_command.replace("{{ ds }}", "2026-12-04").replace("/reports/",
                                                                                             f"{reports}/")
    ran = run(command, two_bases)
    assert ran.returncode == 0, ran.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(reports / "inactive-2026-12-04.xlsx").active
    assert sheet is not None
    bases = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]}
    assert bases == {"msk", "spb"}


def test_the_readme_cron_line_for_all_bases_runs(two_bases: dict[str, str], tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```cron\n(.*?)```", text.split("### Scheduling many bases", 1)[1], re.S)
    assert block is not None
    line = next(x for x in block.group(1).splitlines() if x and not x.startswith("#"))
    fields = line.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["30", "2", "*", "*", "*"]
    command, _, log = fields[5].rpartition(" > ")
    argv = [a for a in shlex.split(command) if not a.startswith("ONEC_CONFIG=")]  # the fixture's config instead
    argv = [two_bases["ONEC_MIRROR_DB"] if a.startswith("postgresql://") else a for a in argv]
    ran = run(shlex.join(argv) + f" > {tmp_path / 'mirror.json'}", two_bases)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads((tmp_path / "mirror.json").read_text(encoding="utf-8"))
    assert [b["base"] for b in summary["bases"]] == ["msk", "spb"] and summary["exit_code"] == 0
    assert log.startswith("/var/log/")

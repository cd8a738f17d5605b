"""Export CLI paths a cron user meets: XLSX into a pipe, an output folder that does not exist."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, tmp: Path) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "XDG_CACHE_HOME": str(tmp / "c"),
           "XDG_DATA_HOME": str(tmp / "d"), "XDG_CONFIG_HOME": str(tmp / "cfg")}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "-q", *args], capture_output=True,
                          env=env, timeout=120, check=False)


def test_xlsx_to_a_pipe_is_a_valid_workbook(tmp_path: Path) -> None:
    res = run("events", "export", "--format", "xlsx", "--since", "2026-01-01", tmp=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    with zipfile.ZipFile(BytesIO(res.stdout)) as book:
        assert "xl/workbook.xml" in book.namelist()
    assert b"Traceback" not in res.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_output_folder_refused_before_the_run(tmp_path: Path, fmt: str) -> None:
    res = run("events", "export", "--format", fmt, "-o", str(tmp_path / "nope" / f"x.{fmt}"), tmp=tmp_path)
    assert res.returncode == 2
    assert b"does not exist" in res.stderr and b"Traceback" not in res.stderr

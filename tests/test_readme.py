"""README's two opening commands stay true, and CI runs the test command README gives."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def opening_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README, re.S)[:2]


def test_readme_opens_with_two_commands() -> None:
    main_cmd, test_cmd = opening_commands()
    assert "pip install" in main_cmd and "onec-history" in main_cmd
    assert "pip install" in test_cmd and "pytest" in test_cmd


def test_ci_runs_readme_test_command_verbatim() -> None:
    _, test_cmd = opening_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()


def test_exit_codes_documented() -> None:
    from onec_history.exitcodes import ExitCode

    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| {code.name} \|", README, re.M), code


def _block(lang: str) -> str:
    found = re.findall(rf"```{lang}\n(.+?)\n```", README, re.S)
    assert found, lang
    return str(found[0])


def test_the_scheduling_examples_run(tmp_path: Path) -> None:
    """The cron line, the systemd unit's ExecStart and the PowerShell script's command run here:
    against the demo base, with their paths moved into a temporary folder."""
    import shlex
    import subprocess
    import sys

    from onec_history.demo.server import start_demo

    cron = next(line for line in _block("crontab").splitlines() if not line.startswith("#"))
    cron_cmd = shlex.split(cron)[5:]  # after the five time fields
    unit = next(line for line in _block("ini").splitlines() if line.startswith("ExecStart="))
    unit_cmd = shlex.split(unit.partition("=")[2])
    ps = next(line for line in _block("powershell").splitlines() if line.startswith("& "))
    ps_args = ps.split(" -m onec_history ", 1)[1].split()
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with start_demo("ut10") as srv:
        env["ONEC_URL"] = srv.url
        for i, argv in enumerate((cron_cmd, unit_cmd, ps_args)):
            args = [a for a in argv if not a.startswith("ONEC_URL=")]
            if args[0].endswith("onec-history"):
                args = args[1:]
            out = tmp_path / f"out{i}"
            args = [str(out) if prev in ("-o", "--output") else a
                    for prev, a in zip(["", *args[:-1]], args, strict=True)]
            done = subprocess.run([sys.executable, "-m", "onec_history", *args], env=env, capture_output=True,
                                  text=True, timeout=120, check=False)
            assert done.returncode == 0, (args, done.stderr)
            # the demo's story ends in June 2026: yesterday's JSONL may well be empty, a CSV has its heading
            assert out.exists() and not out.with_name(out.name + ".tmp").exists()
            if "csv" in args:
                assert out.read_text(encoding="utf-8").splitlines()[0]

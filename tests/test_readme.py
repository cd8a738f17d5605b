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

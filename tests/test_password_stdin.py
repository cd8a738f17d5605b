"""The password from standard input (--password-stdin), and the config-file password on Windows."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onec_history.demo.server import start_demo
from onec_history.exitcodes import ExitCode


def cli(url: str, tmp: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    env.update(XDG_CACHE_HOME=str(tmp / "cache"), XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"))
    return subprocess.run([sys.executable, "-m", "onec_history", "--url", url, "--user", "admin", "-q", *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_password_from_stdin_opens_a_protected_base(tmp_path: Path) -> None:
    with start_demo("ut10", user="admin", password="Пароль 1") as srv:
        ok = cli(srv.url, tmp_path, "Пароль 1\n", "--password-stdin", "counterparties", "search", "Ром")
        assert ok.returncode == 0 and "Ромашка" in ok.stdout, ok.stderr
        wrong = cli(srv.url, tmp_path, "другой\n", "--password-stdin", "counterparties", "search", "Ром")
        assert wrong.returncode == ExitCode.AUTH
        empty = cli(srv.url, tmp_path, "", "--password-stdin", "counterparties", "search", "Ром")
        assert empty.returncode == ExitCode.CONFIG and "no password" in empty.stderr and "Traceback" not in empty.stderr


def test_a_config_password_on_windows_is_warned_about_not_passed_in_silence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from onec_history import config

    path = tmp_path / "config.toml"
    path.write_text('url = "https://1c.example/base/odata/standard.odata/"\npassword = "x"\n', encoding="utf-8")
    monkeypatch.setattr(os, "name", "nt")  # the module reads os.name at the call
    with caplog.at_level(logging.WARNING, logger="onec_history.config"):
        config._check_permissions(path, {"password": "x"})
    assert "cannot check" in caplog.text and "--password-stdin" in caplog.text

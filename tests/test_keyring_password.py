"""The password from the operating system's keyring (issue 17, item 3): stored by 'password set', read
with password_source = "keyring", and every way it can be missing is a clear exit 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onec_history.demo.server import start_demo
from onec_history.exitcodes import ExitCode

TESTS = Path(__file__).resolve().parent


def cli(tmp: Path, *args: str, stdin: str = "", backend: str = "file_keyring.FileKeyring",
        env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEC_", "PYTHON_KEYRING"))}
    env.update(XDG_CACHE_HOME=str(tmp / "cache"), XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"),
               PYTHONPATH=str(TESTS), PYTHON_KEYRING_BACKEND=backend, ONEC_TEST_KEYRING_FILE=str(tmp / "ring.json"),
               **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "onec_history", "--config", str(tmp / "c.toml"), *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False)


def config(tmp: Path, url: str, *, source: bool = True) -> None:
    text = f'url = "{url}"\nuser = "admin"\n' + ('password_source = "keyring"\n' if source else "")
    (tmp / "c.toml").write_text(text, encoding="utf-8")


def test_a_password_stored_once_opens_the_base_from_then_on(tmp_path: Path) -> None:
    with start_demo("ut10", user="admin", password="Пароль 1") as srv:
        config(tmp_path, srv.url)
        before = cli(tmp_path, "-q", "counterparties", "search", "Ром")
        assert before.returncode == ExitCode.CONFIG, before.stderr
        assert "password set" in before.stderr and "Traceback" not in before.stderr
        stored = cli(tmp_path, "--password-stdin", "password", "set", stdin="Пароль 1\n")
        assert stored.returncode == 0, stored.stderr
        ring = json.loads((tmp_path / "ring.json").read_text(encoding="utf-8"))
        assert ring == {f"{srv.url}\nadmin": "Пароль 1"}  # per base URL and user
        ok = cli(tmp_path, "-q", "counterparties", "search", "Ром")
        assert ok.returncode == 0 and "Ромашка" in ok.stdout, ok.stderr
        # A password given otherwise wins over the keyring.
        wrong = cli(tmp_path, "-q", "counterparties", "search", "Ром", env_extra={"ONEC_PASSWORD": "другой"})
        assert wrong.returncode == ExitCode.AUTH
        gone = cli(tmp_path, "password", "forget")
        assert gone.returncode == 0 and "Removed" in gone.stderr
        assert cli(tmp_path, "-q", "counterparties", "search", "Ром").returncode == ExitCode.CONFIG


def test_the_source_by_environment_and_a_reminder_when_the_config_does_not_use_it(tmp_path: Path) -> None:
    with start_demo("ut10", user="admin", password="p") as srv:
        config(tmp_path, srv.url, source=False)
        stored = cli(tmp_path, "--password-stdin", "password", "set", stdin="p\n")
        assert stored.returncode == 0 and 'password_source = "keyring"' in stored.stderr
        ok = cli(tmp_path, "-q", "counterparties", "search", "Ром", env_extra={"ONEC_PASSWORD_SOURCE": "keyring"})
        assert ok.returncode == 0 and "Ромашка" in ok.stdout, ok.stderr


@pytest.mark.parametrize(("backend", "says"), [("keyring.backends.fail.Keyring", "could not be read"),
                                               ("no_such_module.Keyring", "")])
def test_a_machine_without_a_usable_keyring_says_what_to_use_instead(tmp_path: Path, backend: str, says: str) -> None:
    config(tmp_path, "http://127.0.0.1:9/base/odata/standard.odata/")
    done = cli(tmp_path, "-q", "counterparties", "search", "Ром", backend=backend)
    assert done.returncode == ExitCode.CONFIG, done.stderr
    assert "Traceback" not in done.stderr and "--password-stdin" in done.stderr
    assert says in done.stderr


def test_without_the_keyring_package_the_message_names_the_extra(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history import passwords
    from onec_history.errors import ConfigError

    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring raises ImportError
    with pytest.raises(ConfigError) as caught:
        passwords.keyring_password("https://1c/x/odata/standard.odata/", "admin")
    assert "onec-history[keyring]" in caught.value.explain()


def test_no_user_set_is_a_clear_message(tmp_path: Path) -> None:
    text = 'url = "http://127.0.0.1:9/b/odata/standard.odata/"\npassword_source = "keyring"\n'
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    done = cli(tmp_path, "-q", "counterparties", "search", "Ром")
    assert done.returncode == ExitCode.CONFIG and "user" in done.stderr and "Traceback" not in done.stderr

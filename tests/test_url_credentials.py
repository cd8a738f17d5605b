"""Credentials inside the URL (issue 13.4): ``http://Иванов:пароль@host/…`` in --url, ONEC_URL or the
config file is taken apart into the user and the password (percent-decoded UTF-8); the URL goes on
without them, so no output — -v lines, error messages, the demo refusal — can show the password."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from responses import matchers

from onec_history.cli.main import main
from onec_history.config import Settings, load_settings
from onec_history.demo.server import start_demo
from onec_history.errors import ConfigError
from onec_history.exitcodes import ExitCode
from onec_history.transport import RetryPolicy, Transport, redact_url, split_credentials

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "Иванов", "пароль-Зима2024"
ENCODED = "%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2"  # Иванов, as a browser copies it


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def with_credentials(url: str, user: str = USER, password: str = PASSWORD) -> str:
    return url.replace("://", f"://{user}:{password}@", 1)


@pytest.fixture(scope="module")
def secured() -> Iterator[str]:
    with start_demo("ut10", user=USER, password=PASSWORD) as srv:
        yield srv.url


# -- taking the URL apart ---------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "user", "password"), [
    (f"http://{USER}:{PASSWORD}@host/base/odata/standard.odata/", USER, PASSWORD),
    (f"http://{ENCODED}:p%40ss%3Aw%2Frd@host:8080/base/", USER, "p@ss:w/rd"),
    ("https://odata@host/base/", "odata", None),
    ("https://odata:p@ss@host/base/", "odata", "p@ss"),  # an unencoded @ in the password: the last @ ends it
    ("http://:секрет@host/", None, "секрет"),
    ("http://host/base/?a=b@c", None, None),  # an @ after the host is not a login
])
def test_split_credentials(url: str, user: str | None, password: str | None) -> None:
    bare, got_user, got_password = split_credentials(url)
    assert (got_user, got_password) == (user, password)
    assert "@" not in bare.split("/")[2]
    assert bare == redact_url(url)


def test_a_login_that_is_not_utf8_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not as UTF-8") as caught:
        split_credentials("http://%FF%FE:%C3%28x@host/")
    assert "%C3" not in caught.value.explain() and "(x" not in caught.value.explain()


def test_redact_url_survives_a_url_it_cannot_parse() -> None:
    assert redact_url(f"http://{USER}:{PASSWORD}@host:notaport/x") == "http://host:notaport/x"


@pytest.mark.parametrize("where", ["env", "override", "file"])
def test_settings_take_the_user_and_password_out_of_the_url(where: str, tmp_path: Path) -> None:
    url = with_credentials("http://host/base/odata/standard.odata/")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'url = "{url}"\n' if where == "file" else "", encoding="utf-8")
    os.chmod(cfg, 0o600)
    s = load_settings(cfg, env={"ONEC_URL": url} if where == "env" else {},
                      overrides={"url": url} if where == "override" else {})
    assert s.url == "http://host/base/odata/standard.odata/"
    assert s.user == USER and s.password is not None and s.password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(s) and PASSWORD not in str(s.model_dump())


def test_a_url_on_the_command_line_wins_over_the_config_files_user(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('url = "http://other/odata/standard.odata/"\nuser = "odata"\npassword = "старый"\n',
                   encoding="utf-8")
    os.chmod(cfg, 0o600)
    s = load_settings(cfg, env={}, overrides={"url": with_credentials("http://host/odata/standard.odata/")})
    assert (s.url, s.user) == ("http://host/odata/standard.odata/", USER)
    assert s.password is not None and s.password.get_secret_value() == PASSWORD


def test_a_password_from_the_environment_completes_a_url_with_only_a_user() -> None:
    s = load_settings(None, env={"ONEC_URL": "http://odata@host/odata/standard.odata/", "ONEC_PASSWORD": "p"})
    assert s.user == "odata" and s.password is not None and s.password.get_secret_value() == "p"


def test_two_different_users_in_one_place_are_refused() -> None:
    env = {"ONEC_URL": with_credentials("http://host/odata/standard.odata/"), "ONEC_USER": "odata"}
    with pytest.raises(ConfigError, match="two users") as caught:
        load_settings(None, env=env)
    assert PASSWORD not in caught.value.explain()


def test_a_world_readable_config_file_with_a_password_in_its_url_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'url = "{with_credentials("http://host/odata/standard.odata/")}"\n', encoding="utf-8")
    os.chmod(cfg, 0o644)
    with pytest.raises(ConfigError, match="other users can read it") as caught:
        load_settings(cfg, env={})
    assert PASSWORD not in caught.value.explain()


def test_settings_built_in_code_take_them_out_too() -> None:
    s = Settings(url=with_credentials("http://host/odata/standard.odata/"))
    assert s.url == "http://host/odata/standard.odata/" and s.user == USER


def test_a_port_that_is_not_a_number_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="port") as caught:
        load_settings(None, env={"ONEC_URL": "http://odata:Зи/ма@host/odata/standard.odata/"})
    assert "Зи" not in caught.value.explain() and "odata:" not in caught.value.explain()


# -- the transport --------------------------------------------------------------------------------
def test_the_transport_sends_them_as_utf8_basic_and_keeps_them_out_of_the_url() -> None:
    root = "http://srv/ut/odata/standard.odata/"
    with responses.RequestsMock() as mocked:
        mocked.get(root + "Catalog_X", json={"value": []},
                   match=[matchers.header_matcher({"Authorization": basic(USER, PASSWORD)})])
        t = Transport(with_credentials(root), retry=RetryPolicy(attempts=1))
        assert t.get_json("Catalog_X") == {"value": []}
        assert mocked.calls[0].request.url == root + "Catalog_X"
    assert (t.base_url, t.safe_base_url, t.user) == (root, root, USER)


# -- the command line, end to end ------------------------------------------------------------------
def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: -v lines go to its stderr as they do for a person."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=120, check=False)


def assert_no_secret(text: str) -> None:
    assert PASSWORD not in text
    assert "%D0%BF%D0%B0%D1%80" not in text  # nor percent-encoded
    assert f"{USER}:" not in text and f"{USER}@" not in text


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("how", ["--url", "ONEC_URL"])
def test_a_url_with_a_cyrillic_login_works_and_shows_no_password(secured: str, how: str, tmp_path: Path) -> None:
    url = with_credentials(secured)
    args = ["--url", url] if how == "--url" else []
    env = {"ONEC_URL": url} if how == "ONEC_URL" else {}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = cli(*args, "-vv", "counterparties", "search", "Ром", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert "Ромашка" in done.stdout
    assert "GET " in done.stderr  # the -v request lines are there, with the URL redacted
    assert_no_secret(done.stdout + done.stderr)


@pytest.mark.usefixtures("isolated")
def test_a_wrong_password_in_the_url_is_exit_5_without_the_password(secured: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", with_credentials(secured, password="неверный-пароль"), "metadata"])
    err = capsys.readouterr().err
    assert code == ExitCode.AUTH
    assert "Traceback" not in err and "неверный" not in err
    assert_no_secret(err)


@pytest.mark.usefixtures("isolated")
def test_an_unreachable_base_with_a_password_in_the_url_shows_the_redacted_url(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEC_URL", with_credentials("http://127.0.0.1:9/ut/odata/standard.odata/"))
    code = main(["--retries", "1", "-v", "metadata"])
    err = capsys.readouterr().err
    assert code == ExitCode.UNREACHABLE
    assert "http://127.0.0.1:9/ut/odata/standard.odata/" in err
    assert_no_secret(err)


@pytest.mark.usefixtures("isolated")
def test_demo_refused_with_a_configured_url_does_not_print_its_password(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", with_credentials("http://127.0.0.1:9/ut/odata/standard.odata/"), "--demo", "unf",
                 "metadata"])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG and "127.0.0.1:9" in err
    assert_no_secret(err)


@pytest.mark.usefixtures("isolated")
def test_a_broken_login_in_the_url_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", "http://%FF:x@127.0.0.1:9/ut/odata/standard.odata/", "metadata"])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG and "Traceback" not in err and err.startswith("Error: ")

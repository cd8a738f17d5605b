"""The command line as an integrator meets it: failure paths, closed pipes, Ctrl-C, quiet stderr.

Each test pins one thing found wrong in a review of the whole tool against the demo base.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, Faults, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.history import History

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("isolated")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_paragraph(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def secured() -> Iterator[str]:
    with start_demo("ut10", user="Администратор", password="пароль") as srv:
        yield srv.url


def test_ambiguous_name_outside_the_client_resolver_exits_11_and_names_the_candidates(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    # "С" begins two managers' names; this lookup does not go through the CLI's candidate table.
    code, out, err = run(capsys, "--url", ut10.url, "events", "list", "--responsible", "С")
    assert code == ExitCode.AMBIGUOUS
    line = one_paragraph(err)
    assert "Смирнова" in line and "Соколов" in line
    assert out == ""


def test_record_with_an_ambiguous_client_lists_them_instead_of_pointing_above(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "record", "--out", str(tmp_path / "rec"), "--client", "Ром")
    assert code == ExitCode.AMBIGUOUS
    line = one_paragraph(err)
    assert "listed above" not in line and "7701000001" in line


def test_nothing_found_is_not_reported_as_an_answer_from_1c(capsys: pytest.CaptureFixture[str],
                                                            ut10: DemoServer) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "counterparties", "show", "Нетакого")
    assert code == ExitCode.NOT_PUBLISHED
    line = one_paragraph(err)
    assert "No counterparty matches 'Нетакого'" in line and "answered" not in line
    code, _, err = run(capsys, "--url", ut10.url, "events", "list", "--responsible", "Нет")
    assert code == ExitCode.NOT_PUBLISHED
    assert "answered" not in one_paragraph(err)


def test_unknown_demo_dataset_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--demo", "nosuch", "doctor")
    assert code == ExitCode.CONFIG
    assert "--demo ut10" in one_paragraph(err)


def test_ctrl_c_ends_in_one_paragraph_and_130(capsys: pytest.CaptureFixture[str], ut10: DemoServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(History, "events", interrupted)
    code, _, err = run(capsys, "--url", ut10.url, "events", "list")
    assert code == 130
    assert "Interrupted (Ctrl-C)" in one_paragraph(err)


def test_closed_stdout_is_not_a_failure() -> None:
    """``onec-history events list | head -1``: exit 0, nothing on stderr (click alone exits 1)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    with subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "-q", "events", "list", "--limit", "0",
                           "--format", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          cwd=ROOT) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as `head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, err
    assert first.startswith(b"{")
    assert err == ""


def test_retries_are_not_warnings(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with start_demo("ut10", faults=Faults(error_rate=0.4, seed=3)) as srv:
        code, out, _ = run(capsys, "--url", srv.url, "counterparties", "search", "Ром", "--format", "json")
        assert srv.requests_served > 2
    assert code == ExitCode.OK and "7701000001" in out
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


def test_missing_login_is_named(capsys: pytest.CaptureFixture[str], secured: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "--url", secured, "metadata")
    assert code == ExitCode.AUTH
    assert "none was given" in one_paragraph(err)
    monkeypatch.delenv("ONEC_PASSWORD", raising=False)
    code, _, err = run(capsys, "--url", secured, "--user", "Администратор", "metadata")
    assert code == ExitCode.AUTH
    line = one_paragraph(err)
    assert "No password was given for the user 'Администратор'" in line
    assert line.count("HTTP 401") == 1


def test_doctor_names_where_the_settings_came_from(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "doctor")
    assert code == ExitCode.OK
    assert f"configuration: {ut10.url} (no config file)" in out
    code, _, err = run(capsys, "--url", "not-a-url", "doctor")
    assert code == ExitCode.CONFIG
    assert "defaults" not in one_paragraph(err)


def test_an_unusable_mirror_database_is_one_paragraph_without_its_password(
        capsys: pytest.CaptureFixture[str], ut10: DemoServer, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--url", ut10.url, "mirror", "--db", "postgresql://odata:секрет@127.0.0.1:9/mirror")
    assert code == ExitCode.CONFIG
    line = one_paragraph(err)
    assert "mirror database" in line and "секрет" not in line and "127.0.0.1:9" in line
    code, _, err = run(capsys, "--url", ut10.url, "mirror", "--db", str(tmp_path / "missing" / "m.db"))
    assert code == ExitCode.CONFIG
    assert "unable to open database file" in one_paragraph(err)


def test_demo_generate_refuses_what_it_cannot_do_before_writing(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    code, _, err = run(capsys, "demo", "generate", "--events", "-5", "--out", str(tmp_path / "g.sqlite"))
    assert code == ExitCode.USAGE and "-5" in err
    code, _, err = run(capsys, "demo", "generate", "--events", "5", "--counterparties", "3",
                       "--out", str(tmp_path / "missing" / "g.sqlite"))
    assert code == ExitCode.USAGE and "does not exist" in err and "Traceback" not in err
    code, _, err = run(capsys, "-q", "demo", "generate", "--events", "5", "--counterparties", "3",
                       "--out", str(tmp_path / "g.sqlite"))
    assert code == ExitCode.OK and err == ""


def test_a_local_file_error_is_one_paragraph(capsys: pytest.CaptureFixture[str], ut10: DemoServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def unwritable(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/srv/exports/events.csv")

    monkeypatch.setattr(History, "events", unwritable)
    code, _, err = run(capsys, "--url", ut10.url, "events", "list")
    assert code == ExitCode.FAILURE
    assert "Permission denied: /srv/exports/events.csv" in one_paragraph(err)


@pytest.mark.parametrize(("option", "value"), [("--retries", "0"), ("--timeout", "0"), ("--deadline", "-1"),
                                               ("--page-size", "0")])
def test_global_numbers_are_checked_as_the_options_they_are(capsys: pytest.CaptureFixture[str], option: str,
                                                            value: str) -> None:
    code, _, err = run(capsys, option, value, "doctor")
    assert code == ExitCode.USAGE
    assert f"'{option}'" in err and "config file" not in err


@pytest.mark.parametrize(("verbose", "expected"), [
    (0, "warning: Catalog_Пользователи is not published\n"),
    (1, "WARNING onec_history.names: Catalog_Пользователи is not published\n"),
])
def test_warnings_are_worded_for_people_without_v(verbose: int, expected: str) -> None:
    code = ("import logging; from onec_history.cli.app import setup_logging; "
            f"setup_logging({verbose}); "
            "logging.getLogger('onec_history.names').warning('%s is not published', 'Catalog_Пользователи')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stderr == expected

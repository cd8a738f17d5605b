"""The doctor checks as a library (``onec_history.doctor.diagnose``) against the demo bases, and the
``doctor`` command's rendering of them and its exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.config import Settings
from onec_history.demo.server import DemoServer, start_demo
from onec_history.doctor import CheckResult, Diagnosis, Outcome, clock_check, diagnose, publish_snippet
from onec_history.errors import AuthError, NotFoundError, NotPublishedError, ResponseError, TransportError
from onec_history.exitcodes import ExitCode
from onec_history.metadata import Metadata
from onec_history.profiles import ProfileError
from onec_history.transport import RetryPolicy, Transport

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "пароль"
ALL_CHECKS = ["configuration", "reachable", "credentials", "clock", "odata published", "configuration family",
              "published sets", "sets used", "attributes"]


@pytest.fixture(scope="module")
def secured() -> Iterator[DemoServer]:
    with start_demo("ut10", user="Администратор", password=PASSWORD) as server:
        yield server


def run_diagnose(url: str, *, user: str | None = None, password: str | None = None,
                 profile: dict[str, Any] | None = None) -> Diagnosis:
    transport = Transport(url, user=user, password=password, retry=RetryPolicy(attempts=1))
    try:
        return diagnose(Client(transport), Settings(url=url, user=user, profile=profile or {}))
    finally:
        transport.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/demo/odata/standard.odata/"


def outcomes(diagnosis: Diagnosis) -> dict[str, Outcome]:
    return {c.name: c.outcome for c in diagnosis.checks}


# -- diagnose against the demo bases ---------------------------------------------------------------

def test_a_healthy_base_passes_every_check(ut10: DemoServer) -> None:
    diagnosis = run_diagnose(ut10.url)
    assert [c.name for c in diagnosis.checks] == ALL_CHECKS
    assert set(outcomes(diagnosis).values()) == {Outcome.OK}
    assert diagnosis.outcome is Outcome.OK and diagnosis.failures == ()
    assert diagnosis.check("configuration").message == f"{ut10.url} (no config file)"
    assert diagnosis.check("credentials").message == "accepted for user (none)"
    assert "family A" in diagnosis.check("configuration family").message
    assert diagnosis.check("published sets").message == "Document_Событие, Catalog_Контрагенты"
    assert isinstance(diagnosis.metadata, Metadata) and "Document_Событие" in diagnosis.metadata
    assert all(c.error is None and c.hint == "" for c in diagnosis.checks)


def test_the_family_b_base_is_detected(unf: DemoServer) -> None:
    diagnosis = run_diagnose(unf.url)
    assert diagnosis.outcome is Outcome.OK
    assert "family B" in diagnosis.check("configuration family").message


def test_the_right_password_is_accepted(secured: DemoServer) -> None:
    diagnosis = run_diagnose(secured.url, user="Администратор", password=PASSWORD)
    assert diagnosis.outcome is Outcome.OK
    assert diagnosis.check("credentials").message == "accepted for user Администратор"


def test_a_wrong_password_fails_credentials_and_stops(secured: DemoServer) -> None:
    diagnosis = run_diagnose(secured.url, user="Администратор", password="не тот")
    assert outcomes(diagnosis) == {"configuration": Outcome.OK, "reachable": Outcome.OK,
                                   "credentials": Outcome.FAIL}
    assert diagnosis.outcome is Outcome.FAIL and diagnosis.metadata is None
    failed = diagnosis.check("credentials")
    assert diagnosis.failures == (failed,)
    assert isinstance(failed.error, AuthError)
    assert "HTTP 401" in failed.message and failed.hint == failed.error.hint
    assert failed.explain() == failed.error.explain()


def test_an_unreachable_base_fails_reachable_and_stops() -> None:
    diagnosis = run_diagnose(closed_port_url())
    assert outcomes(diagnosis) == {"configuration": Outcome.OK, "reachable": Outcome.FAIL}
    failed = diagnosis.check("reachable")
    assert isinstance(failed.error, TransportError)
    assert "Cannot connect to the base" in failed.message
    assert failed.explain() == failed.error.explain()


def test_a_url_without_odata_fails_odata_published_with_the_configurator_step(ut10: DemoServer) -> None:
    diagnosis = run_diagnose(ut10.url.replace("/demo/", "/nothing/"))
    assert outcomes(diagnosis) == {"configuration": Outcome.OK, "reachable": Outcome.OK,
                                   "odata published": Outcome.FAIL}
    failed = diagnosis.check("odata published")
    assert isinstance(failed.error, NotFoundError)
    assert "HTTP 404" in failed.message
    assert failed.hint.endswith("tick 'Publish standard OData interface'.")
    assert failed.explain().startswith(failed.error.explain() + " In the Configurator:")


def test_an_unpublished_required_set_fails_with_the_1c_code_to_publish_it(ut10: DemoServer) -> None:
    diagnosis = run_diagnose(ut10.url, profile={"event_set": "Document_Нет"})
    assert diagnosis.outcome is Outcome.FAIL
    assert outcomes(diagnosis)["optional sets"] is Outcome.WARN
    failed = diagnosis.check("published sets")
    assert diagnosis.failures == (failed,)
    assert failed.message == "not published: Document_Нет."
    assert isinstance(failed.error, NotPublishedError) and failed.error.entity_set == "Document_Нет"
    assert failed.snippet == publish_snippet(["Document_Нет"])
    assert "Метаданные.Документы.Нет" in failed.snippet
    head, *code = failed.explain().split("\n")
    assert head.startswith("not published: Document_Нет. Ask the 1C administrator")
    assert code == failed.snippet.split("\n")


def test_a_wrong_profile_table_fails_the_family_check(ut10: DemoServer) -> None:
    diagnosis = run_diagnose(ut10.url, profile={"bogus": 1})
    assert [c.name for c in diagnosis.checks][-1] == "configuration family"
    failed = diagnosis.check("configuration family")
    assert failed.outcome is Outcome.FAIL and isinstance(failed.error, ProfileError)
    assert "bogus" in failed.message and failed.hint.startswith("Allowed:")


def test_warnings_alone_make_the_diagnosis_a_warning(ut10: DemoServer) -> None:
    diagnosis = run_diagnose(ut10.url, profile={"family": "B"})
    assert diagnosis.outcome is Outcome.WARN and diagnosis.failures == ()
    assert outcomes(diagnosis)["optional sets"] is Outcome.WARN
    assert outcomes(diagnosis)["attributes"] is Outcome.WARN
    assert "Map them in the config file's [profile] section" in diagnosis.check("attributes").hint


def test_unreadable_metadata_is_its_own_failure(ut10: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Client, *, refresh: bool = False) -> Metadata:
        raise ResponseError("The $metadata document is not XML", url=ut10.url)

    monkeypatch.setattr(Client, "metadata", broken)
    diagnosis = run_diagnose(ut10.url)
    assert [c.name for c in diagnosis.checks] == ["configuration", "reachable", "credentials", "clock", "metadata"]
    failed = diagnosis.check("metadata")
    assert failed.outcome is Outcome.FAIL and isinstance(failed.error, ResponseError)
    assert diagnosis.metadata is None


def test_the_demo_base_is_named_as_such(ut10: DemoServer) -> None:
    transport = Transport(ut10.url)
    diagnosis = diagnose(Client(transport), Settings(), demo=True)
    transport.close()
    assert diagnosis.check("configuration").message == "built-in demo base (no config file)"
    assert diagnosis.outcome is Outcome.OK


# -- the clock check on its own --------------------------------------------------------------------

def date_header(moment: datetime) -> dict[str, str]:
    return {"Date": format_datetime(moment, usegmt=True)}


def test_clock_check() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert clock_check(date_header(now + timedelta(seconds=30)), now=now) == CheckResult(
        "clock", Outcome.OK, "web server clock differs from ours by +30 s")
    skewed = clock_check(date_header(now - timedelta(minutes=10)), now=now)
    assert skewed.outcome is Outcome.WARN and skewed.hint == "sync the clocks (NTP)"
    assert skewed.explain() == ("web server clock differs from ours by -600 s — date filters near 'now' may be off; "
                                "sync the clocks (NTP)")
    assert clock_check(None).outcome is Outcome.WARN
    assert clock_check({"Date": "yesterday"}).message == "unreadable Date header 'yesterday'"


def test_the_library_does_not_need_click() -> None:
    code = "import sys, onec_history.doctor; print('click' in sys.modules, 'onec_history.exitcodes' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.split() == ["False", "False"], done.stderr


# -- the command renders the diagnosis and maps it to an exit code ----------------------------------

def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("isolated")
def test_doctor_command_renders_the_diagnosis(capsys: pytest.CaptureFixture[str], ut10: DemoServer) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "doctor", "--format", "json")
    assert code == ExitCode.OK
    expected = run_diagnose(ut10.url)
    rows = json.loads(out)
    assert [(r["check"], r["status"]) for r in rows] == [(c.name, c.outcome.value) for c in expected.checks]
    assert rows[0]["detail"] == f"{ut10.url} (no config file)"
    code, out, _ = run(capsys, "--url", ut10.url, "doctor")
    assert code == ExitCode.OK
    assert out.splitlines()[0] == f"[OK  ] configuration: {ut10.url} (no config file)"


@pytest.mark.usefixtures("isolated")
def test_doctor_command_exit_codes_follow_the_first_failure(capsys: pytest.CaptureFixture[str],
                                                            secured: DemoServer, ut10: DemoServer,
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONEC_PASSWORD", "не тот")
    code, out, _ = run(capsys, "--url", secured.url, "--user", "Администратор", "doctor")
    assert code == ExitCode.AUTH
    assert out.splitlines()[-1].startswith("[FAIL] credentials: The server answered HTTP 401")
    monkeypatch.delenv("ONEC_PASSWORD")

    code, out, _ = run(capsys, "--url", closed_port_url(), "--retries", "1", "doctor")
    assert code == ExitCode.UNREACHABLE
    assert out.splitlines()[-1].startswith("[FAIL] reachable: Cannot connect to the base")

    config = tmp_path / "c.toml"
    config.write_text(f'url = "{ut10.url}"\n[profile]\nevent_set = "Document_Нет"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "doctor")
    assert code == ExitCode.NOT_PUBLISHED
    lines = out.splitlines()
    at = lines.index("[FAIL] published sets: not published: Document_Нет. Ask the 1C administrator to run, "
                     "in 1C:Enterprise mode (e.g. an external data processor):")
    assert lines[at + 1:at + 4] == ["         " + line for line in publish_snippet(["Document_Нет"]).split("\n")]

"""The command line: expected failures end in one paragraph and a documented exit code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import cli, main
from onec_history.demo.server import start_demo
from onec_history.exitcodes import ExitCode

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(scope="module")
def secured() -> Iterator[str]:
    with start_demo("ut10", user="Администратор", password="пароль") as srv:
        yield srv.url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_paragraph(err: str) -> None:
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")


def test_unreachable_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--url", "http://127.0.0.1:9/ut/odata/standard.odata/", "--retries", "1",
                       "metadata")
    assert code == ExitCode.UNREACHABLE
    assert_one_paragraph(err)
    assert "Cannot connect" in err and "127.0.0.1:9" in err


def test_wrong_password(capsys: pytest.CaptureFixture[str], secured: str,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEC_PASSWORD", "неверный")
    code, _, err = run(capsys, "--url", secured, "--user", "Администратор", "metadata")
    assert code == ExitCode.AUTH
    assert_one_paragraph(err)
    assert "ONEC_PASSWORD" in err
    assert "неверный" not in err


def test_cyrillic_login_accepted(capsys: pytest.CaptureFixture[str], secured: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEC_PASSWORD", "пароль")
    code, out, _ = run(capsys, "--url", secured, "--user", "Администратор", "metadata", "--format", "json")
    assert code == ExitCode.OK
    sets = {row["set"] for row in json.loads(out)}
    assert {"Catalog_Контрагенты", "Document_Событие"} <= sets


def test_odata_not_published(capsys: pytest.CaptureFixture[str]) -> None:
    with start_demo("ut10") as srv:
        wrong = srv.url.replace("/demo/", "/nothing/")
        code, _, err = run(capsys, "--url", wrong, "counterparties", "search", "Ром")
    assert code == ExitCode.NOT_PUBLISHED
    assert_one_paragraph(err)


def test_unpublished_set_named_with_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with start_demo("ut10") as srv:
        code, _, err = run(capsys, "--url", srv.url, "metadata", "Document_ЗаказПоставщику")
    assert code == ExitCode.NOT_PUBLISHED
    assert_one_paragraph(err)
    assert "Document_ЗаказПоставщику" in err and "administrator" in err


def test_unsafe_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('url = "http://x/odata/standard.odata/"\npassword = "p"\n', encoding="utf-8")
    cfg.chmod(0o644)
    code, _, err = run(capsys, "--config", str(cfg), "doctor")
    assert code == ExitCode.CONFIG
    assert_one_paragraph(err)
    assert "chmod 600" in err


def test_demo_fallback_says_so_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "counterparties", "search", "Ром", "--format", "json")
    assert code == ExitCode.OK
    assert err.count("built-in demo base") == 1
    names = [row["name"] for row in json.loads(out)]
    assert "ООО Ромашка" in names


def test_ambiguous_client_lists_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "counterparties", "show", "Ромашк")
    assert code == ExitCode.AMBIGUOUS
    assert "matches several" in err and "7701000001" in err
    assert out == ""


def test_client_card_shows_monitor_story(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "counterparties", "show", "7701000001")
    assert code == ExitCode.OK
    assert "ООО Ромашка" in out and "5 мониторов" in out


def test_doctor_on_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor", "--format", "json")
    assert code == ExitCode.OK
    checks = {c["check"]: c for c in json.loads(out)}
    assert checks["configuration family"]["status"] == "ok"
    assert "family A" in checks["configuration family"]["detail"]


def test_every_command_has_help_and_is_in_readme() -> None:
    import click

    from onec_history.cli import commands

    commands.register(cli)
    missing = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None and command.help, f"{name} has no help text"
        if not re.search(rf"`onec-history {name}\b", README):
            missing.append(name)
    assert not missing, f"commands not documented in README: {missing}"


def test_json_outputs_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "counterparties", "show", "7701000001", "--format", "json")
    assert code == ExitCode.OK
    card = json.loads(out)
    assert card["counterparty"]["inn"] == "7701000001"
    first = card["events"][-1]
    assert first["date"].startswith("2026-03-02T") and "5 мониторов" in first["subject"]
    code, out, _ = run(capsys, "events", "show", first["ref"], "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["ref"] == first["ref"]


# -- commands loaded when asked for (issue 19, item 3) ---------------------------------------------------
def test_help_and_version_start_without_the_library() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom onec_history.cli.main import main\n"
             "codes = [main(['--help']), main(['--version']), main(['events', '--help'])]\n"
             "heavy = [m for m in ('requests', 'pydantic', 'sqlalchemy', 'onec_history.transport', "
             "'onec_history.cli.read_cmds', 'onec_history.cli.export_cmd') if m in sys.modules]\n"
             "print(codes, heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[0, 0, 0] []"
    assert "export  " in done.stdout and "Export events of a period" in done.stdout


def test_the_listing_of_commands_not_loaded_is_what_click_shows_of_them_loaded() -> None:
    """The first paragraph kept in commands.py is the command's own, and the listing of a group whose
    commands are not loaded reads, at 80 and 120 columns, as click's listing of the loaded ones."""
    import click

    from onec_history.cli import commands
    from onec_history.cli.groups import LazyGroup

    for table in (commands.TOP_LEVEL, commands.COUNTERPARTIES, commands.EVENTS):
        loaded = click.Group("loaded")
        for name, (_, _, summary) in table.items():
            command = LazyGroup.load(table, name)
            assert summary == " ".join((command.help or "").split("\n\n")[0].split()), name
            loaded.add_command(command, name)
        lazy = LazyGroup("lazy")
        lazy.lazy = table
        for width in (80, 120):
            shown = []
            for group in (lazy, loaded):
                formatter = click.HelpFormatter(width=width)
                group.format_commands(click.Context(group), formatter)
                shown.append(formatter.getvalue())
            assert shown[0] == shown[1] and shown[0].count("\n") == len(table) + 1
        assert not lazy.commands  # listing loaded nothing

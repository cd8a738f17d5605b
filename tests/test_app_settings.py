"""The command line's settings: loaded once, options over environment over config file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from onec_history import config as config_module
from onec_history.cli.app import App, pass_app
from onec_history.cli.main import cli
from onec_history.config import Settings, load_settings
from onec_history.transport import RetryPolicy

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Settings]]:
    """Every Settings the CLI's App loads, in order."""
    loaded: list[Settings] = []

    def counting(*args: Any, **kwargs: Any) -> Settings:
        loaded.append(load_settings(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(config_module, "load_settings", counting)  # App imports it when first asked
    yield loaded


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> list[App]:
    """A command 'probe' on the real group that asks for the settings twice and builds the client."""
    seen: list[App] = []

    @click.command("probe")
    @pass_app
    def probe_cmd(app: App) -> None:
        app.settings()
        if app.settings().url is not None:
            app.client()  # builds the transport; sends nothing
        seen.append(app)

    monkeypatch.setitem(cli.commands, "probe", probe_cmd)
    return seen


def run(*args: str) -> None:
    cli.main(args=[*args, "probe"], prog_name="onec-history", standalone_mode=False)


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_retries_and_deadline_merge_over_the_file_and_settings_load_once(
        tmp_path: Path, loads: list[Settings], probe: list[App]) -> None:
    cfg = config(tmp_path, 'url = "http://127.0.0.1:9/ut/odata/standard.odata"\n'
                           "[retry]\nattempts = 9\nbackoff = 0.25\nmax_backoff = 4\n")
    run("--config", str(cfg), "--retries", "3", "--deadline", "7")
    assert len(loads) == 1
    expected = RetryPolicy(attempts=3, backoff=0.25, max_backoff=4.0, deadline=7.0)
    assert loads[0].retry == expected
    (app,) = probe
    assert app.client().transport.retry == expected
    assert app.client().transport.base_url == "http://127.0.0.1:9/ut/odata/standard.odata/"


def test_without_retry_options_the_file_decides(tmp_path: Path, loads: list[Settings], probe: list[App]) -> None:
    cfg = config(tmp_path, "[retry]\nattempts = 9\n")
    run("--config", str(cfg))
    assert len(loads) == 1
    assert loads[0].retry == RetryPolicy(attempts=9)


def test_url_flag_beats_environment_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               loads: list[Settings], probe: list[App]) -> None:
    cfg = config(tmp_path, 'url = "http://file/odata/standard.odata/"\nuser = "файл"\n')
    run("--config", str(cfg))
    monkeypatch.setenv("ONEC_URL", "http://env/odata/standard.odata")
    monkeypatch.setenv("ONEC_USER", "среда")
    run("--config", str(cfg))
    run("--config", str(cfg), "--url", "http://flag/odata/standard.odata/", "--user", "флаг")
    assert [(s.url, s.user) for s in loads] == [
        ("http://file/odata/standard.odata/", "файл"),
        ("http://env/odata/standard.odata/", "среда"),
        ("http://flag/odata/standard.odata/", "флаг"),
    ]


def test_onec_config_is_read_and_config_option_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    loads: list[Settings], probe: list[App]) -> None:
    by_env = tmp_path / "env"
    by_env.mkdir()
    env_cfg = config(by_env, 'url = "http://env-file/odata/standard.odata/"\n')
    given = config(tmp_path, 'url = "http://given-file/odata/standard.odata/"\n')
    monkeypatch.setenv("ONEC_CONFIG", str(env_cfg))
    run()
    run("--config", str(given))
    assert [s.url for s in loads] == ["http://env-file/odata/standard.odata/", "http://given-file/odata/standard.odata/"]
    assert [s.source for s in loads] == [str(env_cfg), str(given)]

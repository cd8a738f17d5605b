"""'events export --base all' (issue 18, item 3): a file per base, each the same as that base's own export,
a failed base named in the summary, the exit code 9, nothing of the others lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode


@pytest.fixture
def bases() -> Iterator[dict[str, DemoServer]]:
    servers = {"msk": start_demo("ut10"), "ekb": start_demo("ut11")}
    yield servers
    for s in servers.values():
        s.stop()


def test_every_base_to_its_own_file_and_the_dead_one_named(
        bases: dict[str, DemoServer], tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated: None) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[retry]\nattempts = 2\ndeadline = 3\n"
                   + "".join(f'[bases.{n}]\nurl = "{s.url}"\n' for n, s in bases.items())
                   + '[bases.old]\nurl = "http://127.0.0.1:9/x/odata/standard.odata/"\n', encoding="utf-8")
    pattern = str(tmp_path / "ev-{base}.csv")
    state = str(tmp_path / "st-{base}.sqlite")
    common = ["--since", "2026-01-01", "--until", "2026-06-30"]
    code = main(["--config", str(cfg), "--base", "all", "events", "export", *common, "-o", pattern,
                 "--state-file", state, "--jobs", "2", "--summary", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == ExitCode.PARTIAL == summary["exit_code"]
    by = {b["base"]: b for b in summary["bases"]}
    assert by["old"]["status"] == "failed" and by["old"]["exit_code"] == ExitCode.UNREACHABLE
    assert not (tmp_path / "ev-old.csv").exists()
    for name in bases:
        assert by[name]["status"] == "ok" and by[name]["rows"] > 10
        alone = tmp_path / f"alone-{name}.csv"
        assert main(["--config", str(cfg), "--base", name, "events", "export", *common, "-o", str(alone),
                     "--state-file", str(tmp_path / f"alone-{name}.sqlite")]) == 0  # a first run: the same rows
        assert (tmp_path / f"ev-{name}.csv").read_bytes() == alone.read_bytes()
        assert by[name]["bytes"] == alone.stat().st_size
    # The next run is incremental per base: its own state, nothing new.
    code = main(["--config", str(cfg), "--base", "msk", "events", "export", *common, "-o", pattern.replace(
        "{base}", "msk"), "--state-file", state.replace("{base}", "msk")])
    assert code == ExitCode.NOTHING_TO_DO
    capsys.readouterr()
    assert main(["--config", str(cfg), "--base", "all", "events", "export", "-o", str(tmp_path / "one.csv")]) == 2
    assert "{base}" in capsys.readouterr().err

"""Named bases (issue 18, item 1): [bases.NAME] tables of the config file, --base / ONEC_BASE on every
command, and 'onec-history bases' (doctor for all of them at once)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.config import base_names, load_settings, password_variable
from onec_history.demo.server import DemoServer, start_demo
from onec_history.errors import ConfigError
from onec_history.exitcodes import ExitCode

SHARED = 'read_timeout = 7\npage_size = 300\n[retry]\nattempts = 2\ndeadline = 3\n'


def write(tmp: Path, text: str) -> Path:
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_base_table_lies_over_the_shared_keys(tmp_path: Path) -> None:
    cfg = write(tmp_path, SHARED + '[bases.msk]\nurl = "https://msk.local/ut/odata/standard.odata/"\nuser = "odata"\n'
                                   'read_timeout = 60\n[bases.msk.retry]\nattempts = 5\n'
                                   '[bases.spb]\nurl = "https://spb.local/unf/odata/standard.odata/"\n')
    msk = load_settings(cfg, env={}, base="msk")
    assert (msk.base, msk.url, msk.user, msk.read_timeout, msk.page_size) == \
           ("msk", "https://msk.local/ut/odata/standard.odata/", "odata", 60.0, 300)
    assert (msk.retry.attempts, msk.retry.deadline) == (5, 3.0)  # a table merges key by key
    spb = load_settings(cfg, env={"ONEC_BASE": "spb"})
    assert (spb.base, spb.url, spb.read_timeout, spb.retry.attempts) == \
           ("spb", "https://spb.local/unf/odata/standard.odata/", 7.0, 2)
    assert base_names(cfg, env={}) == ["msk", "spb"]  # the file's order


def test_default_base_and_a_file_without_bases(tmp_path: Path) -> None:
    cfg = write(tmp_path, 'default_base = "spb"\n[bases.msk]\nurl = "https://msk.local/a/odata/standard.odata/"\n'
                          '[bases.spb]\nurl = "https://spb.local/b/odata/standard.odata/"\n')
    assert load_settings(cfg, env={}).base == "spb"
    assert load_settings(cfg, env={}, base="msk").base == "msk"  # --base wins over the default
    plain = write(tmp_path, 'url = "https://one.local/a/odata/standard.odata/"\n')
    one = load_settings(plain, env={})
    assert one.base is None and one.url == "https://one.local/a/odata/standard.odata/"
    with pytest.raises(ConfigError, match=r"no \[bases\.NAME\] tables"):
        load_settings(plain, env={}, base="msk")


def test_an_unknown_name_lists_the_known_ones_and_all_is_for_the_many_base_commands(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[bases.msk]\nurl = "https://msk.local/a/odata/standard.odata/"\n'
                          '[bases.spb]\nurl = "https://spb.local/b/odata/standard.odata/"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, env={}, base="nsk")
    assert "Known bases: msk, spb" in caught.value.explain()
    with pytest.raises(ConfigError, match="works on one base"):
        load_settings(cfg, env={}, base="all")


def test_a_stale_onec_url_never_redirects_a_named_base(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[bases.msk]\nurl = "https://msk.local/a/odata/standard.odata/"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, env={"ONEC_URL": "https://other.local/x/odata/standard.odata/"}, base="msk")
    assert "ONEC_URL" in caught.value.message and "msk" in caught.value.message
    with pytest.raises(ConfigError, match="--url"):
        load_settings(cfg, env={}, base="msk", overrides={"url": "https://other.local/x/odata/standard.odata/"})
    same = load_settings(cfg, env={"ONEC_URL": "https://msk.local/a/odata/standard.odata"}, base="msk")
    assert same.url == "https://msk.local/a/odata/standard.odata/"


def test_each_base_may_have_its_own_password_variable(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[bases.msk]\nurl = "https://msk.local/a/odata/standard.odata/"\n'
                          '[bases.spb-2]\nurl = "https://spb.local/b/odata/standard.odata/"\n')
    assert password_variable("spb-2") == "ONEC_PASSWORD_SPB_2"
    env = {"ONEC_PASSWORD": "shared", "ONEC_PASSWORD_SPB_2": "own"}
    spb = load_settings(cfg, env=env, base="spb-2")
    msk = load_settings(cfg, env=env, base="msk")
    assert spb.password is not None and spb.password.get_secret_value() == "own"
    assert msk.password is not None and msk.password.get_secret_value() == "shared"


def test_a_typo_in_a_base_table_names_the_base(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[bases.msk]\nurl = "https://msk.local/a/odata/standard.odata/"\nread_timout = 5\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, env={}, base="msk")
    assert "base 'msk'" in caught.value.message and "read_timout" in caught.value.message


@pytest.fixture
def three() -> Iterator[list[DemoServer]]:
    servers = [start_demo(name) for name in ("ut10", "unf", "ut11")]
    yield servers
    for s in servers:
        s.stop()


def many_config(tmp: Path, servers: list[DemoServer], *, dead: bool = True) -> Path:
    text = "read_timeout = 5\n[retry]\nattempts = 2\ndeadline = 3\n"
    for name, srv in zip(("msk", "spb", "ekb"), servers, strict=True):
        text += f'[bases.{name}]\nurl = "{srv.url}"\n'
    if dead:
        text += '[bases.old]\nurl = "http://127.0.0.1:9/old/odata/standard.odata/"\n'
    return write(tmp, text)


def test_bases_names_each_family_and_the_one_that_does_not_answer(
        tmp_path: Path, three: list[DemoServer], capsys: pytest.CaptureFixture[str], isolated: None) -> None:
    cfg = many_config(tmp_path, three)
    code = main(["--config", str(cfg), "bases", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == ExitCode.PARTIAL == summary["exit_code"]
    by = {b["base"]: b for b in summary["bases"]}
    assert [b["base"] for b in summary["bases"]] == ["msk", "spb", "ekb", "old"]
    assert {n: by[n].get("family") for n in ("msk", "spb", "ekb")} == {"msk": "A", "spb": "B", "ekb": "C"}
    assert by["old"]["status"] == "failed" and by["old"]["error_class"] == "ConnectError"
    assert by["old"]["exit_code"] == ExitCode.UNREACHABLE and "Connection refused" in by["old"]["message"]
    assert (summary["ok"], summary["failed"]) == (3, 1)


def test_bases_table_and_doctor_for_all_agree(
        tmp_path: Path, three: list[DemoServer], capsys: pytest.CaptureFixture[str], isolated: None) -> None:
    cfg = many_config(tmp_path, three, dead=False)
    assert main(["--config", str(cfg), "bases"]) == 0
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["msk", "spb", "ekb"]
    assert "3 of 3 bases ok" in err
    assert main(["--config", str(cfg), "--base", "all", "doctor", "--format", "json"]) == 0
    assert [b["family"] for b in json.loads(capsys.readouterr().out)["bases"]] == ["A", "B", "C"]
    assert main(["--config", str(cfg), "bases", "--no-check", "--format", "json"]) == 0
    assert [b["base"] for b in json.loads(capsys.readouterr().out)["listed"]] == ["msk", "spb", "ekb"]


def test_every_command_takes_base_and_a_named_base_never_falls_back_to_the_demo(
        tmp_path: Path, three: list[DemoServer], capsys: pytest.CaptureFixture[str], isolated: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = many_config(tmp_path, three, dead=False)
    assert main(["--config", str(cfg), "--base", "spb", "events", "list", "--limit", "3", "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert len(events) == 3 and all(e["ref"] for e in events)
    monkeypatch.setenv("ONEC_BASE", "ekb")
    assert main(["--config", str(cfg), "counterparties", "search", "Ром", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all(c.get("partner") for c in found)  # family C's counterparties: the ut11 base
    monkeypatch.delenv("ONEC_BASE")
    nourl = write(tmp_path, '[bases.empty]\nuser = "x"\n')
    assert main(["--config", str(nourl), "--base", "empty", "events", "list"]) == ExitCode.CONFIG
    assert "has no url" in capsys.readouterr().err
    assert main(["--config", str(cfg), "--base", "all", "events", "list"]) == ExitCode.CONFIG
    assert "works on one base" in capsys.readouterr().err


def test_the_readme_example_loads_as_it_says(tmp_path: Path) -> None:
    import re

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Many bases", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    cfg = write(tmp_path, block.group(1))
    msk = load_settings(cfg, env={"ONEC_PASSWORD_MSK": "m"}, base="msk")
    spb = load_settings(cfg, env={"ONEC_PASSWORD": "shared"}, base="spb")
    assert msk.password is not None and msk.password.get_secret_value() == "m"  # the keyring is not asked
    assert (msk.read_timeout, spb.read_timeout, msk.retry.deadline, spb.retry.deadline) == (120.0, 300.0, 300.0, 300.0)
    assert spb.profile == {"event": {"subject": "Тема"}} and msk.profile == {}

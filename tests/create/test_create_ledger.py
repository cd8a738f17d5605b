"""The ledger: intents survive the process, results replace them, one run per base at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.local.ledger import Ledger, LedgerLocked, base_key, default_ledger_path

URL = "http://Host:8080/ut/odata/standard.odata/"


def test_default_path_honours_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_ledger_path() == tmp_path / "xdg" / "onec-history" / "ledger.sqlite"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # invalid per the spec: ignored
    assert default_ledger_path() == Path.home() / ".local" / "share" / "onec-history" / "ledger.sqlite"


def test_base_key_ignores_host_case_and_trailing_slash() -> None:
    assert base_key(URL) == base_key("http://host:8080/ut/odata/standard.odata")
    assert base_key(URL) != base_key("http://host:8080/other/odata/standard.odata/")


def test_intent_then_result_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path, URL) as led:
        led.intend("ext::1", "k1", content="c1", source="a.csv", line=2, marker=True)
        led.intend("ext::2", "k2", content="c2", source="a.csv", line=3, marker=False)
        led.done("ext::2", "r2", "created", ref_key="k2")
        led.set_honours_keys(True)
    with Ledger(path, URL) as led:
        e1, e2 = led.get("ext::1"), led.get("ext::2")
        assert e1 is not None and e1.state == "pending" and e1.marker and e1.attempts == 1 and e1.line == 2
        assert e2 is not None and e2.state == "done" and e2.created_ref == "r2" and e2.how == "created"
        assert led.honours_keys() is True
        led.intend("ext::1", "k1", content="c1", source="a.csv", line=2, marker=False)
        again = led.get("ext::1")
        assert again is not None and again.attempts == 2 and again.marker  # a marker once sent stays known
        led.failed("ext::1", "1C refused")
        failed = led.get("ext::1")
        assert failed is not None and failed.state == "failed" and failed.message == "1C refused"
        assert led.counts() == {"failed": 1, "done": 1}


def test_bases_are_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path, URL) as a:
        a.done("ext::1", "r", "created")
        a.set_honours_keys(False)
    with Ledger(path, "http://host:8080/other/odata/standard.odata/") as b:
        assert b.get("ext::1") is None and b.honours_keys() is None


def test_get_many_in_chunks(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite", URL) as led:
        for i in range(1200):
            led.done(f"id{i}", f"r{i}", "created")
        found = led.get_many(f"id{i}" for i in range(0, 1300, 3))
        assert len(found) == 400 and found["id999"].created_ref == "r999"


def test_one_run_per_base(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path, URL) as first, Ledger(path, URL) as second, first.exclusive():
        with first.exclusive():  # re-entrant for the holder
            pass
        with pytest.raises(LedgerLocked, match="Another onec-history run"), second.exclusive():
            pass
        with Ledger(path, "http://other/odata/standard.odata/") as other, other.exclusive():
            pass  # another base: its own lock
    with Ledger(path, URL) as again, again.exclusive():
        pass  # released


def test_unwritable_place_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from onec_history.errors import ConfigError

    with pytest.raises(ConfigError):
        Ledger(blocker / "sub" / "l.sqlite", URL)

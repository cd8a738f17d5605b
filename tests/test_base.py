"""One base, one identity: Base.open merges the profile's lengths explicitly, base_key is the one key."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_history.base import Base
from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.errors import ConfigError
from onec_history.export.state import StateFile
from onec_history.history import History
from onec_history.local.ledger import Ledger
from onec_history.transport import Transport, base_key

URL = "HTTP://Host:8080/ut/odata/standard.odata/"


def test_base_key_folds_scheme_and_host_case_and_the_slash_and_keeps_the_user() -> None:
    assert base_key(URL, "Иванов") == "http://host:8080/ut/odata/standard.odata#Иванов"
    assert base_key(URL, "Иванов") != base_key(URL, "Петров") != base_key(URL)
    assert base_key(URL) != base_key("http://host:8080/other/odata/standard.odata/")


def test_base_key_of_a_key_is_the_same_key() -> None:
    key = base_key(URL, "odata")
    assert base_key(key) == key
    assert Ledger(":memory:", key).base == key and Ledger(":memory:", key).url == "http://host:8080/ut/odata/standard.odata"


def test_every_store_files_the_base_under_one_key(ut10: DemoServer) -> None:
    client = Client(Transport(ut10.url, user="odata", password="x"))
    history = History(client)
    assert client.key == history.base.key == base_key(ut10.url, "odata")
    assert Ledger(":memory:", history.base.key).base == history.base.key


def test_a_given_key_wins(ut10: DemoServer) -> None:
    history = History(Client(Transport(ut10.url)), key="demo:ut10")
    assert history.base.key == "demo:ut10"


def test_open_merges_the_profiles_lengths_but_settings_win(ut10: DemoServer) -> None:
    base = Base.open(Client(Transport(ut10.url)))
    profile_lengths = {s: dict(p) for s, p in base.profile.lengths.items() if p}
    assert profile_lengths, "the ut10 profile knows lengths 1C does not publish"
    set_name, props = next(iter(profile_lengths.items()))
    prop = next(iter(props))
    assert base.client.lengths[set_name][prop] == props[prop]
    mine = Client(Transport(ut10.url), lengths={set_name: {prop: 7}})
    Base.open(mine)
    assert mine.lengths[set_name][prop] == 7


def test_building_a_history_sends_no_request(ut10: DemoServer) -> None:
    client = Client(Transport(ut10.url))
    History(client)
    assert client.transport.stats.requests == 0


def test_an_export_state_from_before_the_user_was_in_the_key_is_the_same_base(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.sqlite")
    run = state.begin({"base": "http://Host:8080/ut/odata/standard.odata/", "event_set": "E", "scope": "s"})
    run.commit()
    state.begin({"base": base_key(URL, "odata"), "event_set": "E", "scope": "s"})  # no refusal
    with pytest.raises(ConfigError, match="another base"):
        state.begin({"base": base_key("http://host:8080/other/odata/standard.odata", "odata"),
                     "event_set": "E", "scope": "s"})

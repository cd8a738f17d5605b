"""record → anonymized fixtures → replay (strict `responses` mocks and the replay server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from onec_history.client import Client
from onec_history.demo.replay import ReplayServer
from onec_history.demo.server import start_demo
from onec_history.history import EventFilter, History
from onec_history.recording import Anonymizer, Recorder, load_recording, record_scenario, save_recording
from onec_history.transport import RetryPolicy, Transport

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BASE = "http://1c.example/ut/odata/standard.odata/"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def make_history(url: str) -> History:
    return History(Client(Transport(url, retry=RetryPolicy(attempts=1)), page_size=200))


def test_record_anonymizes_and_replays_identically(tmp_path: Path) -> None:
    with start_demo("ut10") as srv:
        history = make_history(srv.url)
        recorder = Recorder()
        history.client.transport.observers.append(recorder)
        done = record_scenario(history, "ООО Ромашка")
        users = {e.responsible_name for e in history.events(limit=50)}
    n = save_recording(recorder, tmp_path / "rec", family="A", anonymizer=Anonymizer(b"k" * 16))
    assert n == len(recorder.items) > 5
    text = (tmp_path / "rec" / "exchanges.jsonl").read_text(encoding="utf-8")
    assert "7701000001" not in text  # Ромашка's ИНН
    assert "ООО Ромашка" in text  # company names are not personal data
    assert not any(u and u in text for u in users)  # managers' names replaced
    with ReplayServer(tmp_path / "rec").start() as replay:
        again = record_scenario(make_history(replay.url), "ООО Ромашка")
    assert again == done


def replay_into(rsps: responses.RequestsMock, directory: Path) -> None:
    metadata, items = load_recording(directory)
    rsps.get(BASE + "$metadata", body=metadata, content_type="application/xml")
    for item in items:
        rsps.add(item.method, BASE + item.target, body=item.body.encode("utf-8"), status=item.status,
                 content_type=item.content_type, match=[responses.matchers.query_string_matcher(
                     item.target.partition("?")[2])])


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_committed_fixtures_replay_with_strict_mocks(family: str) -> None:
    directory = FIXTURES / family
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        replay_into(rsps, directory)
        history = make_history(BASE)
        steps = record_scenario(history, "ООО Ромашка")
        calls = len(rsps.calls)
    assert steps[1] == "client: ООО Ромашка"
    assert manifest["family"] == history.profile.family.value
    assert manifest["exchanges"] == calls - 1  # every recorded answer used once, plus $metadata


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_fixture_card_tells_the_monitor_story(family: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        replay_into(rsps, FIXTURES / family)
        history = make_history(BASE)
        history.client.metadata()
        history.state_lookup()
        cp = history.find_counterparty("ООО Ромашка")
        card = list(history.events(EventFilter(counterparty=cp.ref), limit=100))
    assert cp.inn is not None and cp.inn != "7701000001" and len(cp.inn) == 10
    assert any(e.subject and "5 мониторов" in e.subject for e in card)
    assert all(e.responsible_name for e in card)


@pytest.mark.parametrize("family", ["ut10", "unf"])
def test_no_recorded_query_string_passes_the_budget(family: str) -> None:
    _, items = load_recording(FIXTURES / family)
    longest = max(len(item.target.partition("?")[2]) for item in items)
    assert longest <= 1500  # IIS answers an HTML 404 past 2,048; we keep a margin

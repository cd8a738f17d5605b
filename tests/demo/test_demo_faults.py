"""Basic auth, fault injection and counters of the demo server."""

from __future__ import annotations

import base64
import http.client
import time
import uuid

import pytest
from demo_http import call

from onec_history.demo.server import DemoServer, Faults, start_demo


def basic(login: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()  # UTF-8, as 1C expects
    return {"Authorization": f"Basic {token}"}


def test_basic_auth_with_cyrillic_login() -> None:
    with start_demo("ut10", user="Менеджер", password="пароль") as server:
        assert call(server, "GET", "Catalog_Валюты?$format=json", headers=basic("Менеджер", "пароль")).status == 200
        wrong = call(server, "GET", "Catalog_Валюты?$format=json", headers=basic("Менеджер", "не тот"))
        assert wrong.status == 401 and wrong.headers["www-authenticate"].startswith("Basic")
        assert call(server, "GET", "Catalog_Валюты?$format=json").status == 401
        latin1 = base64.b64encode("Менеджер:пароль".encode("cp1251")).decode()
        assert call(server, "GET", "Catalog_Валюты", headers={"Authorization": f"Basic {latin1}"}).status == 401


def test_faults_parse() -> None:
    faults = Faults.parse("503=0.1,drop=0.05,latency=0.2,cold=3,seed=7")
    assert (faults.error_rate, faults.drop_rate, faults.latency, faults.cold_start, faults.seed) == (
        0.1,
        0.05,
        0.2,
        3.0,
        7,
    )
    assert Faults.parse("") == Faults()
    for bad in ("503", "boom=1", "503=x", "drop=2", "latency=-1"):
        with pytest.raises(ValueError):
            Faults.parse(bad)


def test_dropped_read_closes_without_answer(fresh: DemoServer) -> None:
    fresh.faults = Faults(drop_rate=1.0, seed=1)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        call(fresh, "GET", "Catalog_Валюты?$format=json")
    fresh.faults = Faults()
    assert call(fresh, "GET", "Catalog_Валюты?$format=json").status == 200


def test_write_applied_but_answer_lost(fresh: DemoServer) -> None:
    key = str(uuid.uuid4())
    fresh.faults = Faults(drop_rate=1.0, drop_after=1.0, seed=1)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        call(fresh, "POST", "Document_Событие?$format=json", body={"Ref_Key": key, "ОписаниеСобытия": "потерян ответ"})
    fresh.faults = Faults()
    stored = call(fresh, "GET", f"Document_Событие(guid'{key}')?$format=json")
    assert stored.status == 200 and stored.json["ОписаниеСобытия"] == "потерян ответ"
    # the retry a careful client makes with the same key is refused as a duplicate, not created twice
    again = call(fresh, "POST", "Document_Событие?$format=json", body={"Ref_Key": key})
    assert again.status == 400 and again.json["odata.error"]["code"] == "15"


def test_dropped_write_before_applying(fresh: DemoServer) -> None:
    key = str(uuid.uuid4())
    fresh.faults = Faults(drop_rate=1.0, drop_after=0.0, seed=1)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        call(fresh, "POST", "Document_Событие?$format=json", body={"Ref_Key": key})
    fresh.faults = Faults()
    assert call(fresh, "GET", f"Document_Событие(guid'{key}')?$format=json").status == 404


def test_503_share(fresh: DemoServer) -> None:
    fresh.faults = Faults(error_rate=1.0, seed=3)
    replies = [call(fresh, "GET", "Catalog_Валюты?$format=json") for _ in range(8)]
    assert {r.status for r in replies} == {503}
    assert {r.content_type.split(";")[0] for r in replies if r.body} <= {"text/html"}
    fresh.faults = Faults(error_rate=0.5, seed=3)
    statuses = [call(fresh, "GET", "Catalog_Валюты/$count").status for _ in range(40)]
    assert 5 < statuses.count(503) < 35 and statuses.count(200) == 40 - statuses.count(503)


def test_latency_and_cold_start() -> None:
    with start_demo("ut10", faults=Faults(cold_start=0.4)) as server:
        started = time.perf_counter()
        call(server, "GET", "Catalog_Валюты/$count")
        first = time.perf_counter() - started
        started = time.perf_counter()
        call(server, "GET", "Catalog_Валюты/$count")
        second = time.perf_counter() - started
        assert first >= 0.4 > second
        server.faults = Faults(latency=0.2)
        started = time.perf_counter()
        call(server, "GET", "Catalog_Валюты/$count")
        assert time.perf_counter() - started >= 0.2


def test_counters(fresh: DemoServer) -> None:
    served, sent = fresh.requests_served, fresh.bytes_sent
    reply = call(fresh, "GET", "Catalog_Контрагенты?$format=json")
    assert fresh.requests_served == served + 1
    assert fresh.bytes_sent - sent == len(reply.body)


def test_binds_loopback_and_root_url() -> None:
    with start_demo("unf", base="trade") as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/trade/odata/standard.odata/")
        assert call(server, "GET", "Document_Событие/$count").status == 200

"""The client on the wire: a raw HTTP server records exactly what it receives."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from onec_history import errors
from onec_history import query as q
from onec_history.client import Client
from onec_history.transport import RetryPolicy, Transport

METADATA = (Path(__file__).parent / "data" / "metadata" / "ut10.xml").read_bytes()
ROWS = [{"Ref_Key": f"00000000-0000-0000-0000-{i:012d}", "Description": f"К{i}"} for i in range(1, 8)]


class Recorder(BaseHTTPRequestHandler):
    lines: ClassVar[list[str]] = []
    headers_seen: ClassVar[list[dict[str, str]]] = []
    bodies: ClassVar[list[bytes]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self) -> None:
        type(self).lines.append(self.requestline)
        type(self).headers_seen.append({k: v for k, v in self.headers.items()})
        length = int(self.headers.get("Content-Length") or 0)
        type(self).bodies.append(self.rfile.read(length) if length else b"")

    def do_GET(self) -> None:
        self._record()
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path.endswith("$metadata"):
            self._answer(200, METADATA, "application/xml")
        elif path.endswith("/$count"):
            self._answer(200, b"7", "text/plain")
        elif path.endswith("Catalog_Контрагенты"):
            top, skip = int(params.get("$top", 100)), int(params.get("$skip", 0))
            body = json.dumps({"odata.metadata": "x", "value": ROWS[skip: skip + top]}, ensure_ascii=False)
            self._answer(200, body.encode(), "application/json;charset=utf-8")
        else:
            self._answer(200, json.dumps({"Ref_Key": ROWS[0]["Ref_Key"], "DataVersion": "AAA="}).encode(),
                         "application/json")

    def do_POST(self) -> None:
        self._record()
        self._answer(200, b"", "application/json")

    def do_PATCH(self) -> None:
        self._record()
        self._answer(200, json.dumps({"Ref_Key": ROWS[0]["Ref_Key"], "DataVersion": "BBB="}).encode(),
                     "application/json")


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.lines, Recorder.headers_seen, Recorder.bodies = [], [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/ut/odata/standard.odata/"
    httpd.shutdown()
    httpd.server_close()


def make_client(url: str, **kw: Any) -> Client:
    transport = Transport(url, user="Иванов", password="секрет", retry=RetryPolicy(attempts=1))
    return Client(transport, **kw)


def test_paging_on_the_wire(server: str) -> None:
    client = make_client(server, page_size=3)
    flt = q.eq("Description", "Ромашка & Ко's +#1")
    got = list(client.iterate("Catalog_Контрагенты", q.Query(filter=flt, select=("Ref_Key", "Description"))))
    assert [r["Ref_Key"] for r in got] == [r["Ref_Key"] for r in ROWS]
    data_lines = [ln for ln in Recorder.lines if "Catalog_" in ln]
    assert len(data_lines) == 3  # 3 + 3 + 1 (short page ends it)
    for line in data_lines:
        method, target, _ = line.split(" ")
        assert method == "GET"
        assert target.startswith(
            "/ut/odata/standard.odata/Catalog_%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%D1%8B?"
        )
        assert "$format=json" in target
        assert "+" not in target and " " not in target and "#" not in target
        assert "%20eq%20'%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0%20%26%20%D0%9A%D0%BE''s%20%2B%231'" in target
        assert "$orderby=Ref_Key" in target
    assert ["$top=3&$skip=3" in ln for ln in data_lines] == [False, True, False]
    assert "$skip=" not in data_lines[0]
    assert "$top=3&$skip=6" in data_lines[2]
    token = base64.b64encode("Иванов:секрет".encode()).decode()
    assert all(h["Authorization"] == f"Basic {token}" for h in Recorder.headers_seen)


def test_orderby_is_made_stable(server: str) -> None:
    client = make_client(server, page_size=50)
    list(client.iterate("Catalog_Контрагенты", q.Query(orderby=("Description desc",))))
    assert "$orderby=Description%20desc,Ref_Key" in Recorder.lines[-1]


def test_top_limits_total(server: str) -> None:
    client = make_client(server, page_size=3)
    got = list(client.iterate("Catalog_Контрагенты", q.Query(top=4)))
    assert len(got) == 4
    assert "$top=1&$skip=3" in Recorder.lines[-1]


def test_count_uses_dollar_count(server: str) -> None:
    client = make_client(server)
    assert client.count("Catalog_Контрагенты", q.startswith("Description", "Ром")) == 7
    line = Recorder.lines[-1]
    assert "/$count?$filter=startswith(Description,'%D0%A0%D0%BE%D0%BC')" in line
    assert "inlinecount" not in line


def test_post_sends_content_length_zero(server: str) -> None:
    client = make_client(server)
    client.post_document("Document_Событие", ROWS[0]["Ref_Key"])
    line = Recorder.lines[-1]
    assert line.startswith("POST /ut/odata/standard.odata/Document_%D0%A1%D0%BE%D0%B1%D1%8B%D1%82%D0%B8%D0%B5(guid'")
    assert "/Post?PostingModeOperational=false" in line
    assert Recorder.headers_seen[-1]["Content-Length"] == "0"
    assert Recorder.bodies[-1] == b""


def test_patch_checks_data_version_and_sends_if_match(server: str) -> None:
    client = make_client(server)
    client.patch("Document_Событие", ROWS[0]["Ref_Key"], {"Комментарий": "ок"}, data_version="AAA=")
    assert Recorder.lines[-1].startswith("PATCH ")
    assert Recorder.headers_seen[-1]["If-Match"] == "AAA="
    assert json.loads(Recorder.bodies[-1]) == {"Комментарий": "ок"}
    with pytest.raises(errors.ConflictError):
        client.patch("Document_Событие", ROWS[0]["Ref_Key"], {"Комментарий": "x"}, data_version="OLD=")
    assert not Recorder.lines[-1].startswith("PATCH ")


def test_writes_validated_before_sending(server: str) -> None:
    client = make_client(server, lengths={"Document_Событие": {"ОписаниеСобытия": 200}})
    with pytest.raises(errors.ValidationError, match="not a property"):
        client.create("Document_Событие", {"ОписаниеСобытиЯ": "typo"})
    with pytest.raises(errors.ValidationError, match="201 characters long"):
        client.create("Document_Событие", {"ОписаниеСобытия": "x" * 201})
    with pytest.raises(errors.ValidationError, match=r"Edm\.DateTime"):
        client.create("Document_Событие", {"НачалоСобытия": "31.01.2024"})
    with pytest.raises(errors.ValidationError, match=r"Edm\.Guid"):
        client.create("Document_Событие", {"Ответственный_Key": "nobody"})
    with pytest.raises(errors.ValidationError, match="needs both"):
        client.create("Document_Событие", {"Контрагент": ROWS[0]["Ref_Key"]})
    with pytest.raises(errors.ValidationError, match=r"Edm\.Boolean"):
        client.create("Document_Событие", {"Posted": "yes"})
    assert not any(ln.startswith("POST") for ln in Recorder.lines)


def test_allowed_only_on_every_read(server: str) -> None:
    client = make_client(server, page_size=50, allowed_only=True)
    list(client.iterate("Catalog_Контрагенты"))
    client.count("Catalog_Контрагенты")
    data = [ln for ln in Recorder.lines if "Catalog_" in ln]
    assert len(data) == 2
    assert all("allowedOnly=true" in ln for ln in data)


def test_long_select_is_widened_to_fit_the_url(server: str) -> None:
    client = make_client(server, page_size=50)
    wide = tuple(f"Реквизит{i}" for i in range(40))  # ~40 Cyrillic names: far over 1,500 bytes encoded
    list(client.iterate("Catalog_Контрагенты", q.Query(select=("Ref_Key", *wide))))
    line = [ln for ln in Recorder.lines if "Catalog_" in ln][-1]
    assert "$select=**" in line
    assert len(line) < 1500


def test_filter_too_long_even_without_select_is_refused(server: str) -> None:
    client = make_client(server)
    flt = q.or_(*(q.eq("Description", f"Контрагент номер {i}") for i in range(60)))
    with pytest.raises(errors.QueryError, match="longer than"):
        list(client.iterate("Catalog_Контрагенты", q.Query(filter=flt)))
    assert not [ln for ln in Recorder.lines if "Catalog_" in ln]

"""Answers of the wrong shape (issue 13.4): JSON that is not OData's, rows that are not objects.

Each ends in a ResponseError that names what was found (exit code 8), never a traceback from code
that expected an object.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import responses

from onec_history import errors
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.exitcodes import ExitCode, exit_code_for
from onec_history.transport import RetryPolicy, Transport

METADATA = (Path(__file__).parent / "data" / "metadata" / "ut10.xml").read_bytes()
BASE = "http://srv/ut/odata/standard.odata/"
SET = "Catalog_Контрагенты"
GOOD = {"Ref_Key": "00000000-0000-0000-0000-000000000001", "Description": "ООО Ромашка"}


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(BASE + "$metadata", body=METADATA, content_type="application/xml")
        yield rsps


def client() -> Client:
    return Client(Transport(BASE, retry=RetryPolicy(attempts=1)))


@pytest.mark.parametrize(("bad", "named"), [
    ("Ромашка", "a string ('Ромашка')"),
    (42, "a number (42)"),
    (None, "null"),
    ([1, 2], "a list of 2 items"),
    (True, "true"),
])
def test_a_row_that_is_not_an_object_is_named(mocked: responses.RequestsMock, bad: Any, named: str) -> None:
    mocked.get(BASE + SET, json={"odata.metadata": "x", "value": [GOOD, bad]})
    with pytest.raises(errors.ResponseError) as caught:
        list(client().iterate(SET))
    message = caught.value.explain()
    assert f"row 2 of the page is {named}" in message
    assert "Catalog_Контрагенты" in message  # where: the set's URL, readable
    assert exit_code_for(caught.value) is ExitCode.BAD_RESPONSE


@pytest.mark.parametrize(("body", "named"), [
    ([GOOD], "a list of 1 item"),
    ("value", "a string ('value')"),
    (7, "a number (7)"),
    (None, "null"),
    ({"odata.metadata": "x", "rows": []}, "an object without 'value' (keys: odata.metadata, rows)"),
    ({"value": {"Ref_Key": "x"}}, "an object whose 'value' is an object"),
    ({"value": "abc"}, "an object whose 'value' is a string ('abc')"),
])
def test_a_body_that_is_not_a_collection_is_named(mocked: responses.RequestsMock, body: Any, named: str) -> None:
    mocked.get(BASE + SET, body=json.dumps(body), content_type="application/json")
    with pytest.raises(errors.ResponseError) as caught:
        list(client().iterate(SET))
    assert f"got {named}" in caught.value.explain()
    assert exit_code_for(caught.value) is ExitCode.BAD_RESPONSE


def test_a_long_or_hostile_value_is_cut_and_cleaned(mocked: responses.RequestsMock) -> None:
    mocked.get(BASE + SET, json={"value": ["\x1b]0;owned\x07" + "я" * 5000]})
    with pytest.raises(errors.ResponseError) as caught:
        list(client().iterate(SET))
    message = caught.value.explain()
    assert "\x1b" not in message and "\x07" not in message and len(message) < 600


@pytest.mark.parametrize(("body", "named"), [
    ([GOOD], "a list of 1 item"),
    ("text", "a string ('text')"),
    (None, "null"),
])
def test_one_entity_that_is_not_an_object_is_named(mocked: responses.RequestsMock, body: Any, named: str) -> None:
    key = GOOD["Ref_Key"]
    mocked.get(f"{BASE}{SET}(guid'{key}')", body=json.dumps(body), content_type="application/json")
    with pytest.raises(errors.ResponseError) as caught:
        client().get(SET, key)
    message = caught.value.explain()
    assert f"Expected one object from 1C, got {named}" in message
    assert f"{SET}(guid'{key}')" in message  # the entity's own URL, not just the service root


def test_a_created_object_that_is_not_an_object_is_named(mocked: responses.RequestsMock) -> None:
    mocked.post(BASE + SET, body="[]", content_type="application/json", status=201)
    with pytest.raises(errors.ResponseError, match="Expected the created object from 1C, got a list of 0 items"):
        client().create(SET, {"Description": "ООО Ромашка"})


class _Odd(BaseHTTPRequestHandler):
    """A publication whose collections hold a bare string among the rows."""

    body: ClassVar[bytes] = b""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith("$metadata"):
            data, ctype = METADATA, "application/xml"
        else:
            data, ctype = type(self).body, "application/json;charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def odd_base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Odd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ut/odata/standard.odata/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("rows", [["not a row"], [None], [GOOD, 5]])
def test_the_command_line_exits_8_with_one_paragraph(odd_base: str, rows: list[Any], isolated: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _Odd.body = json.dumps({"value": rows}).encode()
    code = main(["--url", odd_base, "--retries", "1", "counterparties", "search", "Ром"])
    err = capsys.readouterr().err
    assert code == int(ExitCode.BAD_RESPONSE) == 8
    assert "Traceback" not in err and err.startswith("Error: Expected")
    assert "of the page is" in err and len(err.strip().splitlines()) == 1

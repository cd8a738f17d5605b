"""Connecting as admins do (issue 12.13): the publication root is pointed at its OData root; a web
server that is not 1C is not taken for one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from onec_history.client import Client
from onec_history.config import Settings
from onec_history.demo.server import DemoServer
from onec_history.doctor import Outcome, diagnose
from onec_history.errors import NotFoundError
from onec_history.transport import RetryPolicy, Transport


def publication_root(srv: DemoServer) -> str:
    assert srv.url.endswith("odata/standard.odata/")
    return srv.url.removesuffix("odata/standard.odata/")


def test_the_publication_root_suggests_the_service_root(ut10: DemoServer) -> None:
    client = Client(Transport(publication_root(ut10), retry=RetryPolicy(attempts=1)))
    assert client.service_root_under() == ut10.url
    with pytest.raises(NotFoundError) as info:
        client.metadata()
    assert f"Did you mean {ut10.url}?" in info.value.explain()
    diagnosis = diagnose(client, Settings(url=publication_root(ut10)))
    assert diagnosis.check("odata published").outcome is Outcome.FAIL
    assert f"Did you mean {ut10.url}?" in diagnosis.check("odata published").explain()


def test_the_service_root_itself_suggests_nothing(ut10: DemoServer) -> None:
    assert Client(Transport(ut10.url)).service_root_under() is None


class _Plain(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<html><head><title>It works!</title></head><body>Apache</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def plain_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Plain)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/base/odata/standard.odata/"
    httpd.shutdown()
    httpd.server_close()


def test_a_plain_web_server_is_not_a_1c_publication(plain_server: str) -> None:
    diagnosis = diagnose(Client(Transport(plain_server, retry=RetryPolicy(attempts=1))), Settings(url=plain_server))
    names = [c.name for c in diagnosis.checks]
    assert "credentials" not in names  # nothing says the credentials were accepted
    check = diagnosis.check("odata published")
    assert check.outcome is Outcome.FAIL and "not as a 1C OData publication" in check.explain()


def test_demo_with_a_configured_base_is_refused_and_the_demo_says_writes_vanish(
        ut10: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history.cli.main import main
    from onec_history.exitcodes import ExitCode

    monkeypatch.delenv("ONEC_URL", raising=False)
    assert main(["--url", ut10.url, "--demo", "unf", "doctor"]) == ExitCode.CONFIG
    assert "--demo unf asks for the built-in demo base" in capsys.readouterr().err
    monkeypatch.setenv("ONEC_URL", ut10.url)
    assert main(["--demo", "unf", "doctor"]) == ExitCode.CONFIG
    monkeypatch.delenv("ONEC_URL")
    assert main(["--demo", "unf", "counterparties", "search", "Ром"]) == ExitCode.OK
    assert "gone afterwards" in capsys.readouterr().err

"""Which trust store a base's certificate is checked against (issue 13.10).

A loopback HTTPS server with a certificate of a private CA made by ``openssl`` for the test: the
default trust refuses it and says so, a bundle in ``verify_tls`` or in ``REQUESTS_CA_BUNDLE`` accepts
it, and ``verify_tls = "system"`` asks the operating system's store (here: OpenSSL's, pointed at the
CA by ``SSL_CERT_FILE``) — never the environment's bundle.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import HostileServer, hostile, ok

from onec_history import errors, trust
from onec_history.cli.exitcodes import ExitCode
from onec_history.transport import RetryPolicy, Transport

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private CA and a certificate for 127.0.0.1 that it signed."""
    where = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=where, check=True, capture_output=True)

    # The extensions a real CA's certificates carry (Python 3.13 verifies strictly: X509_STRICT)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Corporate Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr")
    (where / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n"
                                   "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
    return where


@pytest.fixture
def server(pki: Path) -> Iterator[HostileServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    with hostile(ok(), tls=context) as running:
        yield running


@pytest.fixture(autouse=True)
def no_environment_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(variable, raising=False)


def read(server: HostileServer, verify: bool | str) -> str:
    with Transport(server.url, verify=verify, retry=RetryPolicy(attempts=1)) as tr:
        return str(tr.get_json("Catalog_Контрагенты")["value"][0]["Description"])


def test_the_default_trust_refuses_a_private_ca_and_names_the_store(server: HostileServer) -> None:
    with pytest.raises(errors.ConnectError) as caught:
        read(server, True)
    message = caught.value.message
    assert message.startswith("TLS failed: certificate verify failed: unable to get local issuer certificate;")
    assert "Max retries" not in message and "_ssl.c" not in message
    assert "certifi's bundle" in message and "cacert.pem" in message
    assert '"system"' in (caught.value.hint or "")


def test_a_bundle_in_verify_tls_is_used(server: HostileServer, pki: Path) -> None:
    assert read(server, str(pki / "ca.pem")) == "Ромашка"


def test_the_environment_bundle_applies_without_a_setting(server: HostileServer, pki: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki / "ca.pem"))
    assert read(server, True) == "Ромашка"


def test_the_system_store_is_asked_and_the_environment_bundle_is_not(
        server: HostileServer, pki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))  # OpenSSL's system store, for this process
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    assert read(server, trust.SYSTEM) == "Ромашка"


def test_a_certificate_the_system_does_not_trust_is_refused_naming_the_system_store(
        server: HostileServer, pki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki / "ca.pem"))  # would accept it: must not be asked
    with pytest.raises(errors.ConnectError) as caught:
        read(server, trust.SYSTEM)
    assert "the operating system's trust store" in caught.value.message


def test_a_bundle_that_does_not_exist_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError) as caught:
        Transport("https://1c.example/ut/odata/standard.odata/", verify="/etc/ssl/no-such-ca.pem")
    assert "/etc/ssl/no-such-ca.pem" in caught.value.message


def test_the_system_store_without_truststore_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "truststore", None)  # import truststore now raises ImportError
    with pytest.raises(errors.ConfigError) as caught:
        Transport("https://1c.example/ut/odata/standard.odata/", verify=trust.SYSTEM)
    assert "onec-history[system-tls]" in (caught.value.hint or "")


def test_the_cli_reads_verify_tls_from_the_config_and_fails_in_one_paragraph(
        server: HostileServer, pki: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'url = "{server.url}"\nverify_tls = "system"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEC_", "SSL_CERT", "REQUESTS_CA"))}
    run = [sys.executable, "-m", "onec_history.cli.main", "--config", str(config), "counterparties", "search", "Р"]
    refused = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=60)
    assert refused.returncode == ExitCode.UNREACHABLE, refused.stderr
    assert "operating system's trust store" in refused.stderr and "Traceback" not in refused.stderr
    trusted = subprocess.run(run, capture_output=True, text=True, env={**env, "SSL_CERT_FILE": str(pki / "ca.pem")},
                             cwd=ROOT, check=False, timeout=60)
    # TLS passed: the loopback server's answer itself (JSON where $metadata XML belongs) is refused.
    assert trusted.returncode == ExitCode.BAD_RESPONSE, trusted.stderr
    assert "got application/json with HTTP 200" in trusted.stderr and "Traceback" not in trusted.stderr

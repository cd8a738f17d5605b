"""verify_tls wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (issue 13.10)."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from onec_history.transport import RetryPolicy, Transport

BASE = "https://1c.example/ut/odata/standard.odata/"


def sent_verify(mocked: responses.RequestsMock) -> object:
    """The ``verify`` the request went out with (responses keeps the request's keyword arguments)."""
    return vars(mocked.calls[0].request)["req_kwargs"]["verify"]


@pytest.mark.parametrize("setting", [False, "corporate-ca.pem"])
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_configured_trust_is_what_requests_use(setting: bool | str, variable: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(setting, str):  # a bundle must exist (a missing one is a ConfigError: test_tls_trust)
        (tmp_path / setting).write_text("-----BEGIN CERTIFICATE-----\n")
        setting = str(tmp_path / setting)
    monkeypatch.setenv(variable, "/from/the/environment.pem")
    with responses.RequestsMock() as mocked:
        mocked.get(BASE + "Catalog_X", json={"value": []})
        Transport(BASE, verify=setting, retry=RetryPolicy(attempts=1)).get_json("Catalog_X")
        assert sent_verify(mocked) == setting


def test_without_a_setting_the_environment_trust_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/from/the/environment.pem")
    with responses.RequestsMock() as mocked:
        mocked.get(BASE + "Catalog_X", json={"value": []})
        Transport(BASE, retry=RetryPolicy(attempts=1)).get_json("Catalog_X")
        assert sent_verify(mocked) == "/from/the/environment.pem"

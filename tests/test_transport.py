from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
import requests
import responses
from responses import matchers

from onec_history import errors
from onec_history.transport import RetryPolicy, Transport, redact_url, service_root

BASE = "http://srv/ut/odata/standard.odata/"
FAST = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002, deadline=5)


def odata_error(code: str, message: str) -> str:
    return json.dumps({"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}, ensure_ascii=False)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_cyrillic_login_is_utf8_in_basic_header(mocked: responses.RequestsMock) -> None:
    token = base64.b64encode("Администратор:пароль".encode()).decode()
    mocked.get(
        BASE + "Catalog_Контрагенты",
        json={"value": []},
        match=[matchers.header_matcher({"Authorization": f"Basic {token}"})],
    )
    t = Transport(BASE, user="Администратор", password="пароль")
    assert t.get_json("Catalog_Контрагенты", "$format=json") == {"value": []}


def test_retry_503_then_200(mocked: responses.RequestsMock) -> None:
    url = BASE + "Document_Событие"
    mocked.get(url, status=503, body="<html><title>Service Unavailable</title></html>", content_type="text/html")
    mocked.get(url, json={"value": [{"Ref_Key": "x"}]})
    t = Transport(BASE, retry=FAST)
    assert t.get_json("Document_Событие")["value"][0]["Ref_Key"] == "x"
    assert t.stats.retries == 1
    assert t.stats.requests == 2


def test_retry_gives_up_after_attempts(mocked: responses.RequestsMock) -> None:
    url = BASE + "Document_Событие"
    for _ in range(3):
        mocked.get(url, status=502, body="")
    t = Transport(BASE, retry=FAST)
    with pytest.raises(errors.ServerUnavailable) as info:
        t.get_json("Document_Событие")
    assert info.value.status == 502


def test_post_is_not_retried(mocked: responses.RequestsMock) -> None:
    mocked.post(BASE + "Document_Событие", status=503, body="")
    t = Transport(BASE, retry=FAST)
    with pytest.raises(errors.ServerUnavailable):
        t.request("POST", "Document_Событие", body=b"{}")
    assert t.stats.requests == 1


def test_connection_error_retried_for_get(mocked: responses.RequestsMock) -> None:
    url = BASE + "Catalog_Контрагенты"
    mocked.get(url, body=requests.ConnectionError("Connection aborted"))
    mocked.get(url, json={"value": []})
    t = Transport(BASE, retry=FAST)
    assert t.get_json("Catalog_Контрагенты") == {"value": []}


def test_deadline_is_honoured(mocked: responses.RequestsMock) -> None:
    url = BASE + "Catalog_Контрагенты"
    mocked.get(url, status=503, body="")
    mocked.get(url, status=503, body="")
    t = Transport(BASE, retry=RetryPolicy(attempts=50, backoff=0.2, max_backoff=0.2, deadline=0.3))
    started = time.monotonic()
    with pytest.raises((errors.ServerUnavailable, errors.RequestTimeout)):
        t.get_json("Catalog_Контрагенты")
    assert time.monotonic() - started < 2.0
    mocked.assert_all_requests_are_fired = False


@pytest.mark.parametrize(
    ("status", "body", "ctype", "cls", "code", "message"),
    [
        (400, odata_error("14", "Ошибка разбора параметра $filter"), "application/json", errors.BadQueryError, "14",
         "Ошибка разбора параметра $filter"),
        (500, odata_error("-1", "Не заполнен контрагент!"), "application/json;charset=utf-8", errors.BusinessError,
         "-1", "Не заполнен контрагент!"),
        (404, odata_error("9", "Экземпляр сущности не найден"), "application/json", errors.NotFoundError, "9",
         "Экземпляр сущности не найден"),
        (400, odata_error("15", "Сущность с таким ключом уже существует"), "application/json", errors.KeyExistsError,
         "15", "Сущность с таким ключом уже существует"),
        (401, "", "text/plain", errors.AuthError, None, "HTTP 401 with no explanation"),
        (403, odata_error("20", "Недостаточно прав"), "application/json", errors.AuthError, "20", "Недостаточно прав"),
        (501, odata_error("0", "Не поддерживается"), "application/json", errors.UnsupportedError, "0",
         "Не поддерживается"),
        (
            400,
            '<?xml version="1.0" encoding="utf-8"?><m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/'
            'dataservices/metadata"><m:code>14</m:code><m:message xml:lang="ru">Неверный запрос</m:message></m:error>',
            "application/xml",
            errors.BadQueryError,
            "14",
            "Неверный запрос",
        ),
        (404, "<html><head><title>404 - File or directory not found.</title></head><body>x</body></html>",
         "text/html", errors.NotFoundError, None, "404 - File or directory not found."),
        (500, "Internal failure", "text/plain", errors.ODataError, None, "Internal failure"),
    ],
)
def test_error_parsing(
    mocked: responses.RequestsMock,
    status: int,
    body: str,
    ctype: str,
    cls: type[errors.ODataError],
    code: str | None,
    message: str,
) -> None:
    mocked.get(BASE + "Catalog_Контрагенты", status=status, body=body.encode(), content_type=ctype)
    t = Transport(BASE, retry=FAST)
    with pytest.raises(cls) as info:
        t.get_json("Catalog_Контрагенты")
    err = info.value
    assert type(err) is cls
    assert err.status == status
    assert err.code == code
    assert err.message == message
    assert err.url == BASE + "Catalog_%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%D1%8B"


def test_html_with_200_is_an_error_not_data(mocked: responses.RequestsMock) -> None:
    mocked.get(BASE + "Catalog_Контрагенты", status=200, content_type="text/html",
               body="<html><title>Вход в систему</title><form>login</form></html>".encode())
    t = Transport(BASE)
    with pytest.raises(errors.ResponseError, match="HTML page") as info:
        t.get_json("Catalog_Контрагенты")
    assert "Вход в систему" in info.value.explain()


def test_atom_answer_is_an_error_for_json(mocked: responses.RequestsMock) -> None:
    mocked.get(BASE + "Catalog_Контрагенты", status=200, content_type="application/atom+xml",
               body=b"<?xml version='1.0'?><feed/>")
    with pytest.raises(errors.ResponseError, match="Expected JSON"):
        Transport(BASE).get_json("Catalog_Контрагенты")


def test_body_decoded_as_utf8_whatever_the_header_says(mocked: responses.RequestsMock) -> None:
    payload = json.dumps({"value": [{"Description": "ООО «Ромашка»"}]}, ensure_ascii=False).encode()
    mocked.get(BASE + "Catalog_Контрагенты", body=payload, content_type="application/json; charset=windows-1251")
    assert Transport(BASE).get_json("Catalog_Контрагенты")["value"][0]["Description"] == "ООО «Ромашка»"


def test_invalid_json(mocked: responses.RequestsMock) -> None:
    mocked.get(BASE + "X", body=b"{not json", content_type="application/json")
    with pytest.raises(errors.ResponseError, match="invalid JSON"):
        Transport(BASE).get_json("X")


def test_credentials_never_in_error_urls() -> None:
    assert redact_url("http://user:secret@srv:8080/a?b=1") == "http://srv:8080/a?b=1"
    t = Transport("http://user:secret@127.0.0.1:9/ut/odata/standard.odata/",
                  retry=RetryPolicy(attempts=1), connect_timeout=0.5)
    with pytest.raises(errors.ConnectError) as info:
        t.get_json("Catalog_Контрагенты")
    assert "secret" not in info.value.explain()
    assert "127.0.0.1:9" in info.value.explain()


def test_timeout_maps_to_request_timeout(mocked: responses.RequestsMock) -> None:
    mocked.get(BASE + "X", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(errors.RequestTimeout, match="did not answer"):
        Transport(BASE, retry=RetryPolicy(attempts=1)).get_json("X")


@pytest.mark.parametrize("url", [BASE, BASE.rstrip("/")])
def test_base_url_with_or_without_slash_is_the_same(mocked: responses.RequestsMock, url: str) -> None:
    mocked.get(BASE + "Catalog_X", json={"value": []})
    t = Transport(url)
    assert t.base_url == t.safe_base_url == BASE == service_root(url)
    assert t.url_for("Catalog_X") == BASE + "Catalog_X"
    assert t.get_json("Catalog_X") == {"value": []}


def test_the_settings_url_gives_the_same_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    from onec_history.config import load_settings

    for url in (BASE, BASE.rstrip("/")):
        settings_url = load_settings(None, env={"ONEC_URL": url}).url
        assert settings_url is not None
        assert Transport(settings_url).base_url == Transport(url).base_url == BASE


def test_retry_policy_bounds_apply_only_when_validated() -> None:
    from pydantic import TypeAdapter, ValidationError

    assert RetryPolicy(attempts=0).attempts == 0  # a library caller's dataclass, checked by nobody
    with pytest.raises(ValidationError, match="attempts"):
        TypeAdapter(RetryPolicy).validate_python({"attempts": 0})
    assert TypeAdapter(RetryPolicy).validate_python({"backoff": 1}) == RetryPolicy(backoff=1.0)

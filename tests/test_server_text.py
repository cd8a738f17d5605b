"""Server text shown to the user is safe and short (issue 13.3)."""

from __future__ import annotations

import json

import pytest
import responses

from onec_history import errors
from onec_history.transport import SERVER_TEXT_LIMIT, RetryPolicy, Transport, server_text

BASE = "http://1c.example/ut/odata/standard.odata/"


def test_escape_sequences_and_controls_are_removed() -> None:
    hostile = "\x1b]0;owned\x07Ошибка \x1b[31mкрасным\x1b[0m\r\nвторая\x00 строка\x9b"
    assert server_text(hostile) == "Ошибка красным вторая строка"


def test_a_long_text_is_cut_and_says_how_much_is_left() -> None:
    text = server_text("слово " * 100_000)
    assert len(text) < SERVER_TEXT_LIMIT + 40 and text.endswith("more characters)")


@pytest.mark.parametrize("ctype", ["application/json", "text/html", "text/plain"])
def test_an_error_page_of_megabytes_gives_a_short_clean_message(ctype: str) -> None:
    huge = "\x1b]2;title\x07" + "Ошибка сервера. " * 300_000
    body = json.dumps({"odata.error": {"code": "-1", "message": {"lang": "ru", "value": huge}}}) \
        if ctype == "application/json" else (f"<html><title>{huge}</title></html>" if "html" in ctype else huge)
    with responses.RequestsMock() as mocked:
        mocked.get(BASE + "Catalog_X", status=500, body=body.encode(), content_type=ctype)
        with pytest.raises(errors.ODataError) as info:
            Transport(BASE, retry=RetryPolicy(attempts=1)).get_json("Catalog_X")
    text = info.value.explain()
    assert "\x1b" not in text and "\x07" not in text
    assert len(text) < 1500

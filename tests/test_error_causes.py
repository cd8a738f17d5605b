"""The more specific cause wins: HTTP status against 1C's error code (issue 12.6)."""

from __future__ import annotations

import json

import pytest
import responses

from onec_history import errors
from onec_history.exitcodes import ExitCode, exit_code_for
from onec_history.transport import RetryPolicy, Transport

BASE = "http://1c.example/ut/odata/standard.odata/"


def odata_error(code: str, message: str) -> str:
    return json.dumps({"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}},
                      ensure_ascii=False)


@pytest.mark.parametrize(("status", "code", "cls"), [
    (412, "-1", errors.ConflictError),  # the object changed: a conflict, not a business rule
    (404, "-1", errors.NotFoundError),
    (503, "-1", errors.ServerUnavailable),
    (500, "-1", errors.BusinessError),  # 1C's application refused: the code says more than 500
    (400, "-1", errors.BusinessError),
    (400, "15", errors.KeyExistsError),
    (403, "20", errors.AuthError),
    (400, "14", errors.BadQueryError),
])
def test_error_class(status: int, code: str, cls: type[errors.ODataError]) -> None:
    assert errors.error_for_status(status, code) is cls


def test_a_412_with_code_minus_one_ends_as_the_conflict_exit() -> None:
    with responses.RequestsMock() as mocked:
        mocked.patch(BASE + "Document_Событие(guid'00000000-0000-0000-0000-000000000001')", status=412,
                     body=odata_error("-1", "Объект изменен или удален другим пользователем"),
                     content_type="application/json")
        t = Transport(BASE, retry=RetryPolicy(attempts=1))
        with pytest.raises(errors.ConflictError) as info:
            t.request("PATCH", "Document_Событие(guid'00000000-0000-0000-0000-000000000001')", body=b"{}")
    assert exit_code_for(info.value) is ExitCode.CONFLICT
    assert "изменен" in info.value.message

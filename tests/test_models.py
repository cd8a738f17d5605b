"""Small value helpers of the models module."""

from __future__ import annotations

import pytest

from onec_history.models import is_guid


@pytest.mark.parametrize(("text", "expected"), [
    ("5a1f0c3e-0b7d-11ef-8a3c-0050569f1a2b", True),
    ("5A1F0C3E-0B7D-11EF-8A3C-0050569F1A2B", True),
    ("5a1f0c3e0b7d11ef8a3c0050569f1a2b", True),
    ("{5a1f0c3e-0b7d-11ef-8a3c-0050569f1a2b}", False),
    ("urn:uuid:5a1f0c3e-0b7d-11ef-8a3c-0050569f1a2b", False),
    ("5a1f0c3e-0b7d-11ef-8a3c-0050569f1a2", False),
    ("ООО Ромашка", False),
    ("", False),
])
def test_is_guid(text: str, expected: bool) -> None:
    assert is_guid(text) is expected

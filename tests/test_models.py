"""Small value helpers of the models module."""

from __future__ import annotations

import pytest

from onec_history.models import DocKey, DocumentRef, is_guid


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


REF = "003dabbd-e398-5b91-95f9-e4779d6546c2"


@pytest.mark.parametrize("text", [f"Document_Событие(guid'{REF}')", f" Document_Событие(guid'{REF.upper()}') ",
                                  f"Document_Событие({REF})", f"Document_Событие('{REF}')",
                                  f"Document_Событие(guid'{REF.replace('-', '')}')"])
def test_dockey_parses_every_spelling_of_an_odata_address(text: str) -> None:
    key = DocKey.parse(text)
    assert key == DocKey("Document_Событие", REF)
    assert key is not None and DocKey.parse(key.id) == key and key.type_name == "Событие"


@pytest.mark.parametrize("text", ["Событие", "Событие 270", f"Событие({REF})", "Document_X(guid'nope')",
                                  f"Document_X(guid'{REF}'", f"{{{REF}}}"])
def test_dockey_rejects_what_is_not_an_address(text: str) -> None:
    assert DocKey.parse(text) is None


def test_dockey_of_a_bare_reference_needs_its_type() -> None:
    assert DocKey.of(REF, "ЗаказПокупателя") == DocKey("Document_ЗаказПокупателя", REF)
    assert DocKey.of(REF.upper(), "StandardODATA.Catalog_Контрагенты") == DocKey("Catalog_Контрагенты", REF)
    assert DocKey.of(f"Document_Событие(guid'{REF}')", "ignored").entity_set == "Document_Событие"
    with pytest.raises(ValueError, match="needs its type"):
        DocKey.of(REF)
    with pytest.raises(ValueError, match="not a document reference"):
        DocKey.of("Заказ 15 от вчера", "ЗаказПокупателя")
    ref = DocumentRef(entity_set="Document_Событие", ref=REF)
    assert ref.key == DocKey("Document_Событие", REF)

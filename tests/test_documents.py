"""documents.py: one document-address parser for chain, events show and create --basis (issue 12.10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.demo.server import DemoServer
from onec_history.documents import DocAddress, Documents, fold_type_name
from onec_history.errors import NoMatchError, QueryError
from onec_history.exitcodes import ExitCode
from onec_history.models import DocKey
from onec_history.transport import Transport

REF = "003dabbd-e398-5b91-95f9-e4779d6546c2"


@pytest.mark.parametrize(("text", "number", "expected"), [
    (f"Document_Событие(guid'{REF}')", None, DocAddress(key=DocKey("Document_Событие", REF))),
    (REF.upper(), None, DocAddress(ref=REF)),
    ("Событие 270", None, DocAddress(type_name="Событие", number="270")),
    ("  Заказ покупателя   ТД000000035 ", None, DocAddress(type_name="Заказ покупателя", number="ТД000000035")),
    ("Заказ покупателя", "35", DocAddress(type_name="Заказ покупателя", number="35")),
    ("270", None, DocAddress(number="270")),
])
def test_forms(text: str, number: str | None, expected: DocAddress) -> None:
    assert DocAddress.parse(text, number) == expected


@pytest.mark.parametrize("text", ["Событие", "Ромашка звонила", ""])
def test_not_an_address(text: str) -> None:
    with pytest.raises(QueryError):
        DocAddress.parse(text)


def test_synonyms_fold_to_the_object_name() -> None:
    assert fold_type_name("Заказ покупателя") == fold_type_name("Document_ЗаказПокупателя")
    assert fold_type_name("Счёт на оплату покупателю") == fold_type_name("СчетНаОплатуПокупателю")
    assert fold_type_name("Реализация товаров и услуг", drop_filler=True) == fold_type_name(
        "РеализацияТоваровУслуг", drop_filler=True)


@pytest.fixture
def documents(ut10: DemoServer) -> Documents:
    return Documents(Client(Transport(ut10.url)))


def test_every_spelling_finds_the_same_document(documents: Documents) -> None:
    found = {documents.resolve(DocAddress.parse(text, number)) for text, number in [
        ("Событие 270", None), ("Событие", "270"), ("Событие", "00000000270"), ("Document_Событие 270", None),
        ("событие 270", None)]}
    assert len(found) == 1
    [key] = found
    assert documents.resolve(DocAddress.parse(key.id)) == key
    assert documents.resolve(DocAddress.parse(key.ref), search_sets=("Document_ЗаказПокупателя",
                                                                     "Document_Событие")) == key
    assert documents.resolve(DocAddress.parse("270"), default_set="Document_Событие") == key


def test_a_synonym_names_the_document_type(documents: Documents) -> None:
    assert documents.document_set("Заказ покупателя") == "Document_ЗаказПокупателя"
    assert documents.document_set("Реализация товаров и услуг") == "Document_РеализацияТоваровУслуг"
    assert documents.document_set("счёт на оплату покупателю") == "Document_СчетНаОплатуПокупателю"
    with pytest.raises(NoMatchError, match="No published document type"):
        documents.document_set("Заказ поставщику")


def test_a_number_without_a_type_says_so(documents: Documents) -> None:
    with pytest.raises(QueryError, match="needs the document's type"):
        documents.resolve(DocAddress.parse("270"))


def test_chain_takes_the_address_as_one_argument_and_create_takes_it_as_a_basis(
        fresh: DemoServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--url", fresh.url, "chain", "Событие 270", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err
    start = json.loads(out)["start"]
    code = main(["--url", fresh.url, "chain", "Событие", "00000000270", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["start"] == start
    source = tmp_path / "rows.csv"
    source.write_text("counterparty,kind,start,subject,basis\n"
                      "7701000001,call,2026-03-20 10:00,Перезвонили,Событие 276\n"
                      "7701000001,call,2026-03-20 11:00,По заказу,«Заказ покупателя» ТД000000035\n", encoding="utf-8")
    code = main(["--url", fresh.url, "events", "import", str(source), "--ledger", str(tmp_path / "l.sqlite"),
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, out + err

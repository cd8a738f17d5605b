"""Family C (УТ 11 / КА 2 / ERP) is recognised whatever is published, and doctor names the sets to publish."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from onec_history import family_c
from onec_history.doctor import Outcome, profile_checks, publish_snippet
from onec_history.errors import NotPublishedError
from onec_history.metadata import Metadata, parse_metadata
from onec_history.profiles import Family, detect_family, detect_profile

DATA = Path(__file__).parent / "data" / "metadata"
SYSTEM = {"Catalog": ("Ref_Key", "DataVersion", "DeletionMark", "Predefined", "PredefinedDataName", "Description"),
          "Document": ("Ref_Key", "DataVersion", "DeletionMark", "Number", "Date", "Posted"),
          "InformationRegister": ("Взаимодействие", "Взаимодействие_Type", "Контакт", "Контакт_Type"),
          "DocumentJournal": ("Ref", "Ref_Type")}
GUIDS = {"Ref_Key", "Партнер_Key", "Owner_Key", "Ответственный_Key"}


def edmx(sets: Mapping[str, tuple[str, ...]]) -> Metadata:
    """A ``$metadata`` in 1C's shape (StandardODATA, one EntityType per set) publishing ``sets``."""
    types, entries = [], []
    for name, extra in sets.items():
        props = (*SYSTEM[name.partition("_")[0]], *extra)
        key = props[0]
        body = "".join(f'<Property Name="{p}" Type="{"Edm.Guid" if p in GUIDS else "Edm.String"}" Nullable="true"/>'
                       for p in props)
        types.append(f'<EntityType Name="{name}"><Key><PropertyRef Name="{key}"/></Key>{body}</EntityType>')
        entries.append(f'<EntitySet Name="{name}" EntityType="StandardODATA.{name}"/>')
    xml = ('<?xml version="1.0" encoding="UTF-8"?><edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"'
           ' Version="1.0"><edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
           ' m:DataServiceVersion="3.0"><Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" '
           'Namespace="StandardODATA">' + "".join(types) + '<EntityContainer Name="StandardODATA" '
           'm:IsDefaultEntityContainer="true">' + "".join(entries) + "</EntityContainer></Schema>"
           "</edmx:DataServices></edmx:Edmx>")
    return parse_metadata(xml.encode("utf-8"))


# УТ 11's counterparty: no Code, no Parent_Key, a partner (family-c.md, checked details).
UT11_COUNTERPARTY: dict[str, tuple[str, ...]] = {"Catalog_Контрагенты": ("ИНН", "КПП", "Партнер_Key")}


def test_a_ut11_base_with_only_its_counterparties_published_is_family_c() -> None:
    md = edmx(UT11_COUNTERPARTY)
    assert family_c.marks(md) == ["Catalog_Контрагенты.Партнер_Key"]
    assert detect_family(md) is Family.C
    # Nothing of the client history is published yet: said so (exit NOT_PUBLISHED), pointing at doctor.
    with pytest.raises(NotPublishedError, match="Взаимодействия") as caught:
        detect_profile(md)
    assert "doctor" in caught.value.hint and "Document_Событие" not in caught.value.hint


@pytest.mark.parametrize("mark", ["Catalog_Партнеры", "Document_ЗаказКлиента", "Document_СообщениеSMS",
                                  "InformationRegister_КонтактыВзаимодействий", "DocumentJournal_Взаимодействия"])
def test_any_mark_of_the_family_is_enough(mark: str) -> None:
    assert detect_family(edmx({"Catalog_Контрагенты": ("ИНН",), mark: ()})) is Family.C


def test_families_a_and_b_and_a_bare_base_are_told_as_before() -> None:
    assert detect_family(parse_metadata((DATA / "ut10.xml").read_bytes())) is Family.A
    assert detect_family(parse_metadata((DATA / "unf16.xml").read_bytes())) is Family.B
    with pytest.raises(NotPublishedError) as caught:
        detect_family(edmx({"Catalog_Контрагенты": ("ИНН", "КПП")}))  # no mark of any family: publish Событие
    assert caught.value.entity_set == "Document_Событие"
    # A family A/B base that also has a catalog named Партнеры stays A/B.
    assert not family_c.is_family_c(edmx({"Document_Событие": ("ВидСобытия",), "Catalog_Партнеры": ()}))


def test_doctor_names_every_set_family_c_needs_with_its_purpose_and_the_code() -> None:
    checks = {c.name: c for c in profile_checks(edmx(UT11_COUNTERPARTY))}
    family = checks["configuration family"]
    assert family.outcome is Outcome.FAIL and "УТ 11" in family.message and "publish the sets below" in family.hint
    published = checks["published sets"]
    assert published.outcome is Outcome.FAIL
    required = [s.name for s in family_c.SETS if s.required]
    assert [u.name for u in published.sets if not u.published] == [s.name for s in family_c.SETS][1:]
    assert f"not published: {len(required) - 1} of the {len(required)} sets" in published.message
    assert all(u.purpose for u in published.sets)
    code = published.snippet
    assert code == publish_snippet([s.name for s in family_c.SETS][1:])
    for line in ("Метаданные.Документы.ТелефонныйЗвонок", "Метаданные.Справочники.Партнеры",
                 "Метаданные.РегистрыСведений.КонтактыВзаимодействий", "Метаданные.Документы.ЗаказКлиента"):
        assert line in code
    text = "\n".join(c.explain() for c in checks.values())
    assert "Событие" not in text and "✗ Document_Встреча — meetings" in text and "✓ Catalog_Контрагенты" in text
    assert isinstance(published.error, NotPublishedError) and published.error.entity_set == "Catalog_Партнеры"


def test_doctor_on_a_fully_published_family_c_base_only_warns_of_the_optional_sets() -> None:
    sets: dict[str, tuple[str, ...]] = {s.name: () for s in family_c.SETS if s.required}
    sets.update(UT11_COUNTERPARTY)
    checks = {c.name: c for c in profile_checks(edmx(sets))}
    assert checks["published sets"].outcome is Outcome.OK
    assert checks["optional sets"].outcome is Outcome.WARN
    assert "InformationRegister_СостоянияКонтактовВзаимодействий" in checks["optional sets"].message


def test_the_ut11_demo_base_is_family_c_with_every_needed_set_published() -> None:
    from onec_history.client import Client
    from onec_history.demo.server import start_demo
    from onec_history.transport import Transport

    with start_demo("ut11") as srv:
        md = Client(Transport(srv.url)).metadata()
    assert detect_family(md) is Family.C
    assert {"Catalog_Партнеры", "Catalog_Контрагенты.Партнер_Key"} <= set(family_c.marks(md))
    checks = {c.name: c for c in profile_checks(md)}
    assert checks["configuration family"].outcome is Outcome.OK  # family C is read
    assert checks["published sets"].outcome is Outcome.OK, checks["published sets"].message
    assert family_c.missing(md)[0] == []

"""record → anonymized recordings (issue 12.9): no personal value of the base is left in them, the
fakes keep the originals' shape, and the committed fixtures replay every command they list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from recording_helpers import Recording, isolated_env, personal_values, record, recording_text, run

from onec_history.counterparties.inn import is_valid_inn
from onec_history.demo.replay import ReplayServer
from onec_history.demo.server import DemoServer, start_demo
from onec_history.exitcodes import ExitCode
from onec_history.query import encode
from onec_history.recording import Anonymizer, Recorded, Recorder, load_recording, save_recording

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROMASHKA = "ООО Ромашка"
KUZNETSOVA = "ИП Кузнецова Е.А."


@pytest.fixture(scope="module", params=["ut10", "unf", "ut11"])
def family(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    """Family C (УТ 11): interactions tied to partners and their contact persons."""
    with start_demo("ut11") as server:
        yield server


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, family: str) -> DemoServer:
    server: DemoServer = request.getfixturevalue(family)
    return server


@pytest.fixture(scope="module")
def personal(live: DemoServer) -> dict[str, set[str]]:
    values = personal_values(live.url)
    assert KUZNETSOVA in values["persons"] and ROMASHKA in values["companies"]
    assert len(values["people"]) >= 40 and len(values["subjects"]) >= 10 and values["free text"]
    return values


@pytest.fixture(scope="module")
def recorded(live: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    tmp = tmp_path_factory.mktemp("rec")
    with isolated_env(tmp):
        yield record(live.url, tmp / "rec", "--client", ROMASHKA)


def leaks(text: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in text)


def test_a_recording_holds_no_personal_value_of_the_base(recorded: Recording, personal: dict[str, set[str]]) -> None:
    """Every user's and contact person's name, every ИП / natural person among the counterparties,
    every event subject, body and comment, every phone and e-mail of the base: none is in the
    recording (nor, by default, any company's name)."""
    text = recording_text(recorded.directory)
    assert "Catalog_Контрагенты" in text and len(text) > 50_000  # the grep has something to look at
    for kind, values in personal.items():
        assert leaks(text, values) == [], kind
    assert "7701000001" not in text  # Ромашка's ИНН


def test_the_recording_holds_the_people_it_hides(recorded: Recording, personal: dict[str, set[str]]) -> None:
    """The grep above is not vacuous: the recording did record those rows, under their fakes."""
    replaced = recorded.anonymizer.replaced
    assert KUZNETSOVA in replaced and ROMASHKA in replaced
    text = recording_text(recorded.directory)
    for kind in ("people", "persons", "subjects"):
        hidden = [v for v in personal[kind] if v in replaced]
        assert len(hidden) >= 2, kind
        assert all(replaced[v] in text for v in hidden), kind


def test_company_names_are_kept_only_when_asked(live: DemoServer, personal: dict[str, set[str]],
                                                tmp_path: Path) -> None:
    with isolated_env(tmp_path):
        rec = record(live.url, tmp_path / "rec", "--client", KUZNETSOVA, "--keep-company-names")
    text = recording_text(rec.directory)
    assert rec.manifest["company_names"] == "kept"
    assert ROMASHKA in text and 'ООО "Рога и Копыта"' in text
    for kind in ("people", "persons", "subjects", "free text"):
        assert leaks(text, personal[kind]) == [], kind
    fake = rec.manifest["client"]["name"]
    assert fake.startswith("ИП ") and fake != KUZNETSOVA and f"'{fake}'" in rec.stderr
    with ReplayServer(rec.directory).start() as replay:
        code, out, err = run("--url", replay.url, "history", fake)
        assert code == ExitCode.OK, err
        assert out.startswith(fake)


def test_fakes_keep_the_shape_and_are_keyed() -> None:
    anon, again, other = Anonymizer(b"k" * 16), Anonymizer(b"k" * 16), Anonymizer(b"x" * 16)
    for value in (ROMASHKA, KUZNETSOVA, 'ООО "Рога и Копыта"', "Петров Сергей Николаевич", "Жалоба на сроки"):
        assert anon.company(value) == again.company(value) != other.company(value)
    company = anon.company('ООО "Рога и Копыта"')
    assert re.fullmatch(r'ООО "[а-яА-Я]{4} [а-я] [А-Я][а-я]{5}"', company) and "Рога" not in company
    assert anon.company("O'Brien Trading LLC").endswith(" LLC") and anon.company("O'Brien Trading LLC").isascii()
    person = anon.person(KUZNETSOVA)
    assert re.fullmatch(r"ИП [А-Я][а-я]{8} [А-Я]\.[А-Я]\.", person) and person != KUZNETSOVA
    full = anon.person("Индивидуальный предприниматель Кузнецова Елена Александровна")
    assert full.startswith("Индивидуальный предприниматель ") and "Кузнецова" not in full
    text = 'Звонил Сидоров П.П.: нужно 5 мониторов 24".\nПросит КП.'
    fake = anon.text(text)
    assert len(fake) == len(text) and [i for i, c in enumerate(fake) if not c.isalnum()] == \
        [i for i, c in enumerate(text) if not c.isalnum()]
    assert "Сидоров" not in fake and fake.count("\n") == 1
    for inn in ("7701000001", "500100732259"):
        assert is_valid_inn(inn)
        fake_inn = anon.digits(inn)
        assert fake_inn != inn and len(fake_inn) == len(inn) and fake_inn.isdigit() and is_valid_inn(fake_inn)
    phone = anon.digits("+7 (495) 100-00-00")
    assert re.fullmatch(r"\+\d \(\d{3}\) \d{3}-\d{2}-\d{2}", phone)


def _recorder(*items: tuple[str, object]) -> Recorder:
    recorder = Recorder()
    recorder.metadata = b"<edmx:Edmx/>"
    recorder.items = [Recorded("GET", target, 200, "application/json", json.dumps(body, ensure_ascii=False))
                      for target, body in items]
    return recorder


def test_filters_follow_the_fakes(tmp_path: Path) -> None:
    """A name, its beginning and an ИНН in a filter become their fakes; types, numbers and codes stay."""
    cps = "Catalog_%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%D1%8B"
    row = {"Ref_Key": "cd6880ea-576f-5240-84c4-8175c4989237", "Description": ROMASHKA, "Code": "000000004",
           "ИНН": "7701000001", "IsFolder": False, "ЮрФизЛицо": "ЮрЛицо"}
    person = {"Ref_Key": "0663291f-21cb-515d-b49c-ab989b2e3a54", "Description": KUZNETSOVA, "IsFolder": False}
    queries = ["startswith(Description,'ООО Ромашка')", "startswith(Description,'ООО Ром')",
               "ИНН eq '7701000001'", "Code eq '000000004'", "startswith(Description,'ИП Куз')",
               "substringof('Иванов',Description)",
               "Контрагент eq cast(guid'cd6880ea-576f-5240-84c4-8175c4989237','Catalog_Контрагенты')"]
    recorder = _recorder((f"{cps}?$format=json", {"value": [row, person]}),
                         *((f"{cps}?$format=json&$filter={encode(q)}", {"value": []}) for q in queries))
    anon = Anonymizer(b"k" * 16)
    save_recording(recorder, tmp_path / "rec", family="A", anonymizer=anon)
    _, items = load_recording(tmp_path / "rec")
    filters = [unquote(i.target.partition("$filter=")[2]) for i in items[1:]]
    fake, fake_person = anon.replaced[ROMASHKA], anon.replaced[KUZNETSOVA]
    assert filters[0] == f"startswith(Description,'{fake}')"
    assert filters[1] == f"startswith(Description,'{fake[:7]}')"
    assert filters[2] == f"ИНН eq '{anon.replaced['7701000001']}'"
    assert filters[3] == queries[3] and filters[6] == queries[6]
    assert filters[4] == f"startswith(Description,'{fake_person[:6]}')"
    assert "Иванов" not in filters[5] and len(filters[5]) == len(queries[5])
    assert all(KUZNETSOVA not in unquote(i.target) and ROMASHKA not in unquote(i.target) for i in items)


def test_family_c_partners_callers_and_participant_lists_are_replaced(tmp_path: Path) -> None:
    """Family C: a partner is a client (a company, or a person by ЮрФизЛицо = ЧастноеЛицо); a list of
    participants shows each name by its own fake; an unregistered caller, a deal's name, a phone and
    an e-mail of an interaction are replaced; the enum of the partner's legal form is kept."""
    partners, persons = "Catalog_Партнеры", "Catalog_КонтактныеЛицаПартнеров"
    company = {"Ref_Key": "6b880d15-e0ed-52dc-b51b-e3645641bee8", "Description": ROMASHKA, "ЮрФизЛицо": "Компания",
               "Code": "НФ-00000001"}
    private = {"Ref_Key": "0663291f-21cb-515d-b49c-ab989b2e3a54", "Description": "Кузнецова Елена",
               "ЮрФизЛицо": "ЧастноеЛицо"}
    person = {"Ref_Key": "0e29d940-8c4c-5073-9ca0-12a1776e7c8e", "Description": "Сидоров Павел Петрович",
              "ДолжностьПоВизитке": "Директор по закупкам"}
    meeting = {"Ref_Key": "c9337ce2-040e-5ff3-a39c-a819535b6f7f", "Тема": "Поставка мониторов",
               "СписокУчастников": f"{ROMASHKA}; Сидоров Павел Петрович", "МестоПроведенияВстречи": "Офис клиента",
               "Участники": [{"LineNumber": "1", "Контакт": company["Ref_Key"],
                              "Контакт_Type": f"StandardODATA.{partners}", "ПредставлениеКонтакта": ROMASHKA,
                              "КакСвязаться": "+7 (495) 100-00-01"}]}
    mail = {"Ref_Key": "b1746814-181c-5777-9ffa-286645d65918", "Текст": "Отправлено КП",
            "СписокПолучателейПисьма": "Сидоров Павел Петрович <sidorov@romashka.ru>",
            "ПолучателиПисьма": [{"Адрес": "sidorov@romashka.ru", "Представление": "Сидоров Павел Петрович"}]}
    call = {"Ref_Key": "7e6d34b0-10aa-504a-9d7b-963022a51786", "АбонентКакСвязаться": "+7 (916) 555-12-34",
            "АбонентПредставление": "+7 (916) 555-12-34", "НомерДляОтправки": "79165551234"}
    recorder = _recorder((f"{partners}?$format=json", {"value": [company, private]}),
                         (f"{persons}?$format=json", {"value": [person]}),
                         ("Document_Встреча?$format=json", {"value": [meeting]}),
                         ("Document_ЭлектронноеПисьмоИсходящее?$format=json", {"value": [mail]}),
                         ("Document_ТелефонныйЗвонок?$format=json", {"value": [call]}),
                         ("Catalog_СтроковыеКонтактыВзаимодействий?$format=json",
                          {"value": [{"Ref_Key": "22cc6f9a-f4a6-5443-b249-84fcc0811b1f",
                                      "Description": "+7 (916) 555-12-34"}]}),
                         ("Catalog_СделкиСКлиентами?$format=json",
                          {"value": [{"Ref_Key": "51e9e2f5-46f9-5492-94ef-c1e4cbc05285",
                                      "Description": "Мониторы для нового офиса"}]}))
    anon = Anonymizer(b"k" * 16)
    save_recording(recorder, tmp_path / "rec", family="C", anonymizer=anon)
    text = recording_text(tmp_path / "rec")
    for original in (ROMASHKA, "Кузнецова", "Сидоров", "Директор", "Поставка", "Офис", "555-12-34", "5551234",
                     "100-00-01", "romashka", "Отправлено КП", "Мониторы"):
        assert original not in text, original
    fake, fake_person = anon.replaced[ROMASHKA], anon.replaced["Сидоров Павел Петрович"]
    assert fake.startswith("ООО ") and anon.replaced[f"{ROMASHKA}; Сидоров Павел Петрович"] == f"{fake}; {fake_person}"
    assert anon.replaced["Сидоров Павел Петрович <sidorov@romashka.ru>"] == \
        f"{fake_person} <{anon.replaced['sidorov@romashka.ru']}>"
    assert private["Ref_Key"] in anon.persons and company["Ref_Key"] in anon.companies
    assert '"ЮрФизЛицо": "ЧастноеЛицо"' in text and "НФ-00000001" in text
    kept = Anonymizer(b"k" * 16, keep_company_names=True)
    save_recording(recorder, tmp_path / "kept", family="C", anonymizer=kept)
    text = recording_text(tmp_path / "kept")
    assert ROMASHKA in text and "Кузнецова" not in text and "Сидоров" not in text


# -- the committed fixtures --------------------------------------------------------------------------
def test_the_committed_fixture_replays_every_command_it_lists(family: str, tmp_path: Path) -> None:
    directory = FIXTURES / family
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["family"] == {"ut10": "A", "unf": "B", "ut11": "C"}[family]
    assert manifest["company_names"] == "replaced" and manifest["client"]["name"] != ROMASHKA
    assert len(manifest["commands"]) > 20
    with isolated_env(tmp_path), ReplayServer(directory).start() as replay:
        for argv in manifest["commands"]:
            code, out, err = run("--url", replay.url, *argv)
            assert code == ExitCode.OK, (argv, err)
        code, out, err = run("--url", replay.url, "events", "list", "--limit", "3", "--format", "json")
        assert code == ExitCode.OK and len(json.loads(out)) == 3, err
        assert replay.unanswered == []


def test_the_committed_fixture_holds_no_personal_value(family: str, personal: dict[str, set[str]]) -> None:
    text = recording_text(FIXTURES / family)
    for kind, values in personal.items():
        assert leaks(text, values) == [], kind


def test_no_recorded_query_string_passes_the_budget(family: str) -> None:
    _, items = load_recording(FIXTURES / family)
    longest = max(len(item.target.partition("?")[2]) for item in items)
    assert longest <= 1500  # IIS answers an HTML 404 past 2,048; we keep a margin

"""The family-C demo configuration ("ut11": УТ 11 / КА 2 / ERP): interactions instead of Событие.

Names, types and string lengths were read from the public УТ 11.5 configuration dump
(github.com/work1cblackbird/ut11: Documents/ТелефонныйЗвонок.xml, Встреча.xml, …, Catalogs/Партнеры.xml,
InformationRegisters/КонтактыВзаимодействий.xml, …); see /work/shared/reference/family-c.md. Only a
useful subset of each object's attributes is published, as an administrator publishes a subset.

What the dump says and the schema keeps: every interaction has ``<Posting>Deny</Posting>`` (no
Post/Unpost), the sales documents are postable; Контрагенты has CodeLength 0 and is not
hierarchical (no Code, Parent_Key, IsFolder) and points at its partner; Партнеры has an 11-character
code and a hierarchy of items; КонтактныеЛицаПартнеров are subordinate to Партнеры (no code). A
defined type with one type (КП's Клиент = ПартнерБЭД = Партнеры) is a single reference ``X_Key``.

``$metadata`` does not say which types a composite allows; ``ALLOWED_TYPES`` keeps what the dump
says, for the dataset's own checks.
"""

from __future__ import annotations

from functools import cache

from onec_history.demo.schema import (
    Attr,
    Schema,
    Table,
    boolean,
    catalog,
    composite,
    date,
    document,
    double,
    enum,
    make_schema,
    ref,
    register,
    string,
)

USERS = "Catalog_Пользователи"
PARTNERS = "Catalog_Партнеры"
COUNTERPARTIES = "Catalog_Контрагенты"
PERSONS = "Catalog_КонтактныеЛицаПартнеров"
STRING_CONTACTS = "Catalog_СтроковыеКонтактыВзаимодействий"
DEALS = "Catalog_СделкиСКлиентами"
GOODS = "Catalog_Номенклатура"
CURRENCIES = "Catalog_Валюты"
ORGANISATIONS = "Catalog_Организации"
MAIL_ACCOUNTS = "Catalog_УчетныеЗаписиЭлектроннойПочты"
CI_KINDS = "Catalog_ВидыКонтактнойИнформации"

CALL = "Document_ТелефонныйЗвонок"
MEETING = "Document_Встреча"
PLANNED = "Document_ЗапланированноеВзаимодействие"
MAIL_IN = "Document_ЭлектронноеПисьмоВходящее"
MAIL_OUT = "Document_ЭлектронноеПисьмоИсходящее"
SMS = "Document_СообщениеSMS"
INTERACTIONS = (MAIL_OUT, PLANNED, MAIL_IN, CALL, MEETING, SMS)  # the dump's order of the six types

OFFER = "Document_КоммерческоеПредложениеКлиенту"
ORDER = "Document_ЗаказКлиента"
SALE = "Document_РеализацияТоваровУслуг"

CONTACTS_REGISTER = "InformationRegister_КонтактыВзаимодействий"
SUBJECTS_REGISTER = "InformationRegister_ПредметыПапкиВзаимодействий"
STATES_REGISTER = "InformationRegister_СостоянияКонтактовВзаимодействий"

# DefinedType.КонтактВзаимодействия (ФизическиеЛица is allowed too; the demo does not publish it)
CONTACT_TYPES = (STRING_CONTACTS, USERS, PARTNERS, PERSONS, "Catalog_ФизическиеЛица")
# DefinedType.ПредметВзаимодействия
SUBJECT_TYPES = (
    "Catalog_МаркетинговыеМероприятия", MAIL_OUT, PLANNED, MAIL_IN, CALL, "Catalog_Претензии", MEETING, DEALS, SMS,
    "Catalog_Проекты",
)
_BASIS_WIDE = (*INTERACTIONS, "Document_РассылкаКлиентам", "Catalog_ВидыОповещенийКлиентам")

# (set, composite attribute) -> the types the configuration allows
ALLOWED_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    (CALL, "АбонентКонтакт"): CONTACT_TYPES,
    (MAIL_IN, "ОтправительКонтакт"): CONTACT_TYPES,
    (f"{MEETING}_Участники", "Контакт"): CONTACT_TYPES,
    (f"{PLANNED}_Участники", "Контакт"): CONTACT_TYPES,
    (f"{MAIL_IN}_ПолучателиПисьма", "Контакт"): CONTACT_TYPES,
    (f"{MAIL_OUT}_ПолучателиПисьма", "Контакт"): CONTACT_TYPES,
    (f"{SMS}_Адресаты", "Контакт"): CONTACT_TYPES,
    (CALL, "ВзаимодействиеОснование"): INTERACTIONS,
    (MEETING, "ВзаимодействиеОснование"): INTERACTIONS,
    (PLANNED, "ВзаимодействиеОснование"): INTERACTIONS,
    (MAIL_IN, "ВзаимодействиеОснование"): (MAIL_OUT, MAIL_IN),
    (MAIL_OUT, "ВзаимодействиеОснование"): _BASIS_WIDE,
    (SMS, "ВзаимодействиеОснование"): _BASIS_WIDE,
    (PERSONS, "Автор"): ("Catalog_ВнешниеПользователи", USERS),
    (ORDER, "ДокументОснование"): (OFFER, "Document_ЗаданиеТорговомуПредставителю"),
    (ORDER, "Автор"): ("Catalog_ВнешниеПользователи", USERS),
    (OFFER, "ДокументОснование"): (OFFER, "Document_ЗапросКоммерческогоПредложенияОтКлиента", DEALS),
    (SALE, "ЗаказКлиента"): ("Document_ЗаявкаНаВозвратТоваровОтКлиента", ORDER),
    (f"{SALE}_Товары", "ЗаказКлиента"): ("Document_ЗаявкаНаВозвратТоваровОтКлиента", ORDER),
    (CONTACTS_REGISTER, "Взаимодействие"): INTERACTIONS,
    (CONTACTS_REGISTER, "Контакт"): CONTACT_TYPES,
    (SUBJECTS_REGISTER, "Взаимодействие"): INTERACTIONS,
    (SUBJECTS_REGISTER, "Предмет"): SUBJECT_TYPES,
    (STATES_REGISTER, "Контакт"): CONTACT_TYPES,
}


def _contact_section() -> list[Attr]:
    """The БСП section КонтактнаяИнформация of Партнеры, Контрагенты and КонтактныеЛицаПартнеров."""
    return [
        enum("Тип", "ТипыКонтактнойИнформации"),
        ref("Вид", CI_KINDS),
        string("Представление", 500),
        string("ЗначенияПолей"),
        string("Страна", 100),
        string("Регион", 50),
        string("Город", 50),
        string("АдресЭП", 100),
        string("ДоменноеИмяСервера", 100),
        string("НомерТелефона", 20),
        string("НомерТелефонаБезКодов", 20),
        ref("ВидДляСписка", CI_KINDS),
    ]


def _common(*, author: bool = True) -> list[Attr]:
    """What every interaction has: Автор (not the incoming e-mail), Важность, Ответственный, Тема…"""
    head = [ref("Автор", USERS)] if author else []
    return [
        *head,
        enum("Важность", "ВариантыВажностиВзаимодействия"),
        ref("Ответственный", USERS),
        composite("ВзаимодействиеОснование"),
        string("Тема", 1024),
        string("Комментарий"),
    ]


def _participants() -> list[Attr]:
    return [composite("Контакт"), string("ПредставлениеКонтакта", 100), string("КакСвязаться", 100)]


def _recipients() -> list[Attr]:
    return [string("Адрес", 100), string("Представление", 100), composite("Контакт")]


def _interactions() -> list[list[Table]]:
    return [
        document(
            "ТелефонныйЗвонок",
            [
                string("АбонентКакСвязаться", 100),
                composite("АбонентКонтакт"),
                string("АбонентПредставление", 1024),
                boolean("Входящий"),
                string("Описание"),
                *_common(),
            ],
            postable=False,
        ),
        document(
            "Встреча",
            [
                date("ДатаНачала"),
                date("ДатаОкончания"),
                string("МестоПроведенияВстречи", 100),
                string("Описание"),
                string("СписокУчастников", 1024),
                *_common(),
            ],
            postable=False,
            tabular={"Участники": _participants()},
        ),
        document(
            "ЗапланированноеВзаимодействие",
            [string("Описание"), string("СписокУчастников", 1024), *_common()],
            postable=False,
            tabular={"Участники": _participants()},
        ),
        document(
            "ЭлектронноеПисьмоВходящее",
            [
                date("ДатаПолучения"),
                boolean("ЕстьВложения"),
                string("ИдентификаторСообщения", 255),
                string("ОтправительАдрес", 100),
                composite("ОтправительКонтакт"),
                string("ОтправительПредставление", 1024),
                string("СписокПолучателейПисьма", 1024),
                string("Текст"),
                enum("ТипТекста", "ТипыТекстовЭлектронныхПисем"),
                ref("УчетнаяЗапись", MAIL_ACCOUNTS),
                *_common(author=False),
            ],
            postable=False,
            tabular={"ПолучателиПисьма": _recipients()},
        ),
        document(
            "ЭлектронноеПисьмоИсходящее",
            [
                date("ДатаОтправления"),
                boolean("ЕстьВложения"),
                string("ИдентификаторСообщения", 255),
                string("ОтправительПредставление", 1024),
                string("СписокПолучателейПисьма", 1024),
                enum("СтатусПисьма", "СтатусыИсходящегоЭлектронногоПисьма"),
                string("Текст"),
                enum("ТипТекста", "ТипыТекстовЭлектронныхПисем"),
                ref("УчетнаяЗапись", MAIL_ACCOUNTS),
                date("ДатаКогдаОтправить"),
                *_common(),
            ],
            postable=False,
            tabular={"ПолучателиПисьма": _recipients()},
        ),
        document(
            "СообщениеSMS",
            [
                string("СписокУчастников", 1024),
                string("ТекстСообщения"),
                enum("Состояние", "СостоянияДокументаСообщениеSMS"),
                date("ДатаКогдаОтправить"),
                *_common(),
            ],
            postable=False,
            tabular={
                "Адресаты": [
                    composite("Контакт"),
                    string("ПредставлениеКонтакта", 100),
                    string("КакСвязаться", 100),
                    string("НомерДляОтправки", 30),
                    enum("СостояниеСообщения", "СостоянияСообщенияSMS"),
                ]
            },
        ),
    ]


def _goods_rows(*extra: Attr) -> list[Attr]:
    return [ref("Номенклатура", GOODS), double("Количество"), double("Цена"), double("Сумма"), *extra]


def _sales() -> list[list[Table]]:
    return [
        document(
            "КоммерческоеПредложениеКлиенту",
            [
                ref("Организация", ORGANISATIONS),
                ref("УдалитьПартнер", PARTNERS),
                ref("Клиент", PARTNERS),
                ref("Сделка", DEALS),
                ref("Контрагент", COUNTERPARTIES),
                ref("КонтактноеЛицо", PERSONS),
                ref("Валюта", CURRENCIES),
                enum("Статус", "СтатусыКоммерческихПредложенийКлиентам"),
                ref("Менеджер", USERS),
                double("СуммаДокумента"),
                string("Комментарий"),
                composite("ДокументОснование"),
                ref("Автор", USERS),
            ],
            tabular={"Товары": _goods_rows()},
        ),
        document(
            "ЗаказКлиента",
            [
                ref("Партнер", PARTNERS),
                ref("Контрагент", COUNTERPARTIES),
                ref("Организация", ORGANISATIONS),
                ref("Сделка", DEALS),
                ref("Валюта", CURRENCIES),
                double("СуммаДокумента"),
                ref("Менеджер", USERS),
                composite("ДокументОснование"),
                enum("Статус", "СтатусыЗаказовКлиентов"),
                date("ДатаОтгрузки"),
                string("Комментарий"),
                composite("Автор"),
                ref("КонтактноеЛицо", PERSONS),
            ],
            tabular={"Товары": _goods_rows(date("ДатаОтгрузки"))},
        ),
        document(
            "РеализацияТоваровУслуг",
            [
                ref("Валюта", CURRENCIES),
                composite("ЗаказКлиента"),
                ref("Организация", ORGANISATIONS),
                ref("Контрагент", COUNTERPARTIES),
                ref("Менеджер", USERS),
                double("СуммаДокумента"),
                ref("Партнер", PARTNERS),
                ref("Сделка", DEALS),
                string("Комментарий"),
                string("Основание", 300),
                enum("Статус", "СтатусыРеализацийТоваровУслуг"),
                ref("Автор", USERS),
                ref("КонтактноеЛицо", PERSONS),
            ],
            tabular={"Товары": _goods_rows(composite("ЗаказКлиента"))},
        ),
    ]


def _catalogs() -> list[list[Table]]:
    return [
        catalog("Пользователи", [string("Комментарий")], code_length=None, description_length=100),
        catalog("Организации", [string("НаименованиеПолное")], code_length=None, description_length=50),
        catalog("УчетныеЗаписиЭлектроннойПочты", [string("АдресЭлектроннойПочты", 100)], code_length=None,
                description_length=50),
        catalog("ВидыКонтактнойИнформации", [enum("Тип", "ТипыКонтактнойИнформации")], code_length=None),
        catalog("Валюты", [string("НаименованиеПолное", 50)], code_length=3, description_length=10),
        catalog(
            "Номенклатура",
            [string("Артикул", 50), string("НаименованиеПолное", 1024), enum("ТипНоменклатуры", "ТипыНоменклатуры"),
             string("Комментарий", 1000)],
            code_length=11,
            hierarchical=True,
        ),
        # A hierarchy of items (HierarchyOfItems): a partner may sit under another one, no groups.
        catalog(
            "Партнеры",
            [
                date("ДатаРегистрации"),
                boolean("Клиент"),
                string("Комментарий"),
                boolean("Поставщик"),
                string("НаименованиеПолное", 250),
                ref("ОсновнойМенеджер", USERS),
                boolean("Конкурент"),
                boolean("ПрочиеОтношения"),
                string("ДополнительнаяИнформация"),
                enum("ЮрФизЛицо", "КомпанияЧастноеЛицо"),
            ],
            code_length=11,
            hierarchical=True,
            tabular={"КонтактнаяИнформация": _contact_section()},
        ),
        catalog(
            "Контрагенты",
            [
                string("НаименованиеПолное", 250),
                enum("ЮридическоеФизическоеЛицо", "ЮридическоеФизическоеЛицо"),
                ref("ГоловнойКонтрагент", COUNTERPARTIES),
                string("ИНН", 12),
                string("КПП", 9),
                string("ДополнительнаяИнформация"),
                ref("Партнер", PARTNERS),
                enum("ЮрФизЛицо", "ЮрФизЛицо"),
            ],
            code_length=None,
            tabular={"КонтактнаяИнформация": _contact_section()},
        ),
        catalog(
            "КонтактныеЛицаПартнеров",
            [
                date("ДатаРегистрацииСвязи"),
                composite("Автор"),
                string("Комментарий"),
                string("ДолжностьПоВизитке", 100),
            ],
            code_length=None,
            owner=PARTNERS,
            tabular={"КонтактнаяИнформация": _contact_section()},
        ),
        catalog("СтроковыеКонтактыВзаимодействий", [], code_length=None),
        catalog(
            "СделкиСКлиентами",
            [
                ref("ВалютаПервичногоСпроса", CURRENCIES),
                double("ВероятностьУспешногоЗавершения"),
                date("ДатаНачала"),
                date("ДатаОкончания"),
                boolean("Закрыта"),
                string("Комментарий"),
                ref("Ответственный", USERS),
                ref("Партнер", PARTNERS),
                double("ПотенциальнаяСуммаПродажи"),
                enum("Статус", "СтатусыСделок"),
            ],
            code_length=11,
            tabular={
                "ПартнерыИКонтактныеЛица": [
                    ref("Партнер", PARTNERS),
                    ref("КонтактноеЛицо", PERSONS),
                    string("Комментарий"),
                    boolean("ВыигралСделку"),
                ]
            },
        ),
    ]


def _registers() -> list[list[Table]]:
    return [
        register("КонтактыВзаимодействий", [composite("Взаимодействие"), composite("Контакт")], []),
        register(
            "ПредметыПапкиВзаимодействий",
            [composite("Взаимодействие")],
            [composite("Предмет"), boolean("Рассмотрено"), date("РассмотретьПосле")],
        ),
        register(
            "СостоянияКонтактовВзаимодействий",
            [composite("Контакт")],
            [double("КоличествоНеРассмотрено"), date("ДатаПоследнегоВзаимодействия")],
        ),
    ]


@cache
def ut11_schema() -> Schema:
    """Family C: УТ 11.5 (КА 2 and ERP share these objects)."""
    enums = {
        "ВариантыВажностиВзаимодействия": ("Низкая", "Обычная", "Высокая"),
        "СтатусыИсходящегоЭлектронногоПисьма": ("Черновик", "Отправлено", "Исходящее"),
        "ТипыТекстовЭлектронныхПисем": ("HTML", "ПростойТекст", "РазмеченныйТекст", "HTMLСКартинками"),
        "СостоянияДокументаСообщениеSMS": (
            "Черновик", "Исходящее", "Доставляется", "Доставлено", "ЧастичноДоставлено", "НеДоставлено",
        ),
        "СостоянияСообщенияSMS": (
            "Черновик", "Исходящее", "НеУдалосьПередатьПровайдеру", "НеОтправленоПровайдером",
            "ОтправляетсяПровайдером", "ОтправленоПровайдером", "Доставлено", "НеДоставлено", "НеОпознаноПровайдером",
            "ОшибкаПолученияСтатусаУПровайдера",
        ),
        "СтатусыЗаказовКлиентов": ("НеСогласован", "КОбеспечению", "КОтгрузке", "Закрыт"),
        "СтатусыРеализацийТоваровУслуг": ("КПредоплате", "ВПути", "Отгружено"),
        "СтатусыКоммерческихПредложенийКлиентам": ("НеСогласовано", "Действует", "Отменено"),
        "СтатусыСделок": ("ВРаботе", "Выиграна", "Проиграна"),
        "КомпанияЧастноеЛицо": ("Компания", "ЧастноеЛицо"),
        "ЮрФизЛицо": ("ЮрЛицо", "ФизЛицо", "ЮрЛицоНеРезидент", "ИндивидуальныйПредприниматель"),
        "ЮридическоеФизическоеЛицо": ("ЮридическоеЛицо", "ФизическоеЛицо"),
        "ТипыНоменклатуры": ("Товар", "МногооборотнаяТара", "Услуга", "Работа", "Набор"),
        "ТипыКонтактнойИнформации": ("Адрес", "Телефон", "АдресЭлектроннойПочты", "ВебСтраница", "Другое"),
    }
    return make_schema([*_catalogs(), *_interactions(), *_sales(), *_registers()], enums)

"""The two demo configurations: family A ("ut10": УТ 10.3 / КА 1.1) and family B ("unf": УНФ 3.0).

Attribute names and types follow /work/shared/reference/configurations.md (read from public XML
dumps of the configurations). String lengths are the configurations' own; 1C does not publish
them in $metadata, the demo server uses them only to truncate over-long strings silently.
"""

from __future__ import annotations

from functools import cache

from onec_history.demo.family_ut11 import ut11_schema
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
    int64,
    make_schema,
    ref,
    register,
    string,
)

_USERS = "Catalog_Пользователи"
_PARTNERS = "Catalog_Контрагенты"
_GOODS = "Catalog_Номенклатура"
_CURRENCIES = "Catalog_Валюты"
_CI_KINDS = "Catalog_ВидыКонтактнойИнформации"
_CI_TYPES = ("Адрес", "Телефон", "АдресЭлектроннойПочты", "ВебСтраница", "Другое")


def _contact_kinds(*attrs: Attr) -> list[Table]:
    """Справочник.ВидыКонтактнойИнформации: «Телефон рабочий», «E-mail»… each of one Тип."""
    return catalog("ВидыКонтактнойИнформации", [enum("Тип", "ТипыКонтактнойИнформации"), *attrs],
                   code_length=None, description_length=100)


def _contact_register() -> list[Table]:
    """Family A keeps contact information of every object in one register (УТ 10.3 / УПП 1.3):
    dimensions Объект (composite: Контрагенты, КонтактныеЛицаКонтрагентов, …), Тип, Вид;
    resources Представление, Поле1…Поле10 (the parts of an address or a number), Комментарий."""
    fields = [string(f"Поле{i}", 50) for i in range(1, 11)]
    return register(
        "КонтактнаяИнформация",
        [composite("Объект"), enum("Тип", "ТипыКонтактнойИнформации"), ref("Вид", _CI_KINDS)],
        [string("Представление", 500), *fields, string("Комментарий", 200)],
    )


def _contact_section() -> list[Attr]:
    """The tabular section КонтактнаяИнформация of УНФ's catalogues (БСП): Тип, Вид, Представление,
    ЗначенияПолей (XML), and the search columns the БСП fills from the value."""
    return [
        enum("Тип", "ТипыКонтактнойИнформации"),
        ref("Вид", _CI_KINDS),
        string("Представление", 500),
        string("ЗначенияПолей"),
        string("Страна", 100),
        string("Регион", 50),
        string("Город", 50),
        string("АдресЭП", 100),
        string("ДоменноеИмяСервера", 100),
        string("НомерТелефона", 20),
        string("НомерТелефонаБезКодов", 20),
    ]


def _currencies() -> list[Table]:
    return catalog("Валюты", [string("НаименованиеПолное", 50)], code_length=3, description_length=10)


def _goods() -> list[Table]:
    return catalog(
        "Номенклатура",
        [string("Артикул", 25), string("НаименованиеПолное"), boolean("Услуга"), string("Комментарий")],
        code_length=11,
        hierarchical=True,
    )


@cache
def ut10_schema() -> Schema:
    """Family A: УТ 10.3 / КА 1.1 / УПП 1.3 (the article's configurations)."""
    goods_rows_a = [ref("Номенклатура", _GOODS), double("Количество"), double("Цена"), double("Сумма")]
    tables = [
        catalog("Пользователи", [string("Комментарий")], description_length=50),
        catalog(
            "Контрагенты",
            [
                string("НаименованиеПолное"),
                string("ИНН", 12),
                string("КПП", 9),
                enum("ЮрФизЛицо", "ЮрФизЛицо"),
                boolean("Покупатель"),
                boolean("Поставщик"),
                ref("ОсновнойМенеджерПокупателя", _USERS),
                ref("ГоловнойКонтрагент", _PARTNERS),
                ref("ОсновноеКонтактноеЛицо", "Catalog_КонтактныеЛицаКонтрагентов"),
                string("Комментарий"),
            ],
            hierarchical=True,
            tabular={"МенеджерыПокупателя": [ref("Менеджер", _USERS)]},
        ),
        catalog(
            "КонтактныеЛицаКонтрагентов",
            [
                string("Фамилия", 50),
                string("Имя", 50),
                string("Отчество", 50),
                string("Должность", 100),
                string("Комментарий"),
            ],
            owner=_PARTNERS,
        ),
        _contact_kinds(),
        _contact_register(),
        _goods(),
        _currencies(),
        document(
            "Событие",
            [
                enum("ВидСобытия", "ВидыСобытий"),
                enum("ТипСобытия", "ВходящееИсходящееСобытие"),
                enum("СостояниеСобытия", "СостоянияСобытий"),
                enum("ВидОбъекта", "ВидыОбъектовСобытия"),
                composite("Контрагент", 200),
                composite("КонтактноеЛицо", 200),
                composite("Основание"),
                ref("Ответственный", _USERS),
                date("НачалоСобытия"),
                date("ОкончаниеСобытия"),
                string("ОписаниеСобытия", 200),
                string("СодержаниеСобытия"),
                string("Комментарий"),
                enum("Важность", "ВариантыВажностиЗадачи"),
            ],
            tabular={"СторонниеЛица": [ref("Контрагент", _PARTNERS), composite("Лицо", 200)]},
        ),
        document(
            "ЗаказПокупателя",
            [
                ref("Контрагент", _PARTNERS),
                composite("ДокументОснование"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                date("ДатаОтгрузки"),
                ref("Ответственный", _USERS),
                string("Комментарий"),
            ],
            tabular={"Товары": goods_rows_a},
        ),
        document(
            "СчетНаОплатуПокупателю",
            [
                ref("Контрагент", _PARTNERS),
                ref("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                ref("Ответственный", _USERS),
                string("Комментарий"),
            ],
            tabular={"Товары": [*goods_rows_a, ref("ЗаказПокупателя", "Document_ЗаказПокупателя")]},
        ),
        document(
            "РеализацияТоваровУслуг",
            [
                ref("Контрагент", _PARTNERS),
                composite("Сделка"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                ref("Ответственный", _USERS),
                string("Комментарий"),
            ],
            tabular={"Товары": [*goods_rows_a, ref("ЗаказПокупателя", "Document_ЗаказПокупателя")]},
        ),
    ]
    enums = {
        "ВидыСобытий": ("ТелефонныйЗвонок", "ЛичнаяВстреча", "ЭлектронноеПисьмо", "ПочтовоеПисьмо", "Прочее"),
        "ВходящееИсходящееСобытие": ("Входящее", "Исходящее"),
        "СостоянияСобытий": ("Запланировано", "Завершено", "Отменено"),
        "ВидыОбъектовСобытия": ("Контрагент", "ПрочиеКонтактныеЛица"),
        "ВариантыВажностиЗадачи": ("Высокая", "Средняя", "Низкая"),
        "ЮрФизЛицо": ("ЮрЛицо", "ФизЛицо"),
        "ТипыКонтактнойИнформации": _CI_TYPES,
    }
    return make_schema(tables, enums)


@cache
def unf_schema() -> Schema:
    """Family B: УНФ 3.0. Событие cannot be posted; the client is a row of Участники."""
    staff = "Catalog_Сотрудники"
    goods_rows = [ref("Номенклатура", _GOODS), double("Количество"), double("Цена"), double("Сумма")]
    tables = [
        catalog("Пользователи", [string("Комментарий")], description_length=100),
        catalog("Сотрудники", [string("Комментарий")], code_length=9, description_length=100),
        # УНФ orders the states with an Int64 attribute: a real Int64 property to render as a string.
        catalog(
            "СостоянияСобытий",
            [int64("РеквизитДопУпорядочивания"), string("Комментарий")],
            code_length=None,
            description_length=50,
        ),
        catalog("ТемыСобытий", [string("Комментарий")], code_length=None, description_length=150),
        _contact_kinds(),
        # УНФ's contact persons are subordinate to the counterparty (Владелец) and carry their own
        # contact information section.
        catalog(
            "КонтактныеЛица",
            [string("Должность", 100), string("Комментарий")],
            code_length=9,
            owner=_PARTNERS,
            tabular={"КонтактнаяИнформация": _contact_section()},
        ),
        catalog(
            "Контрагенты",
            [
                string("НаименованиеПолное"),
                string("ИНН", 12),
                string("КПП", 9),
                boolean("Покупатель"),
                boolean("Поставщик"),
                ref("Ответственный", staff),
                enum("ЮридическоеФизическоеЛицо", "ЮридическоеФизическоеЛицо"),
                string("Комментарий"),
            ],
            hierarchical=True,
            tabular={"КонтактнаяИнформация": _contact_section()},
        ),
        _goods(),
        _currencies(),
        document(
            "Событие",
            [
                enum("ТипСобытия", "ТипыСобытий"),
                enum("ВходящееИсходящееСобытие", "ВходящееИсходящееСобытие"),
                ref("Состояние", "Catalog_СостоянияСобытий"),
                composite("Тема", 150),
                string("Содержание"),
                date("НачалоСобытия"),
                date("ОкончаниеСобытия"),
                ref("Ответственный", staff),
                ref("Автор", _USERS),
                composite("ДокументОснование"),
            ],
            postable=False,
            tabular={"Участники": [composite("Контакт", 100), string("КакСвязаться", 100)]},
        ),
        document(
            "ЗаказПокупателя",
            [
                ref("Контрагент", _PARTNERS),
                ref("Событие", "Document_Событие"),
                composite("ДокументОснование"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                ref("Ответственный", staff),
                ref("Автор", _USERS),
                string("Комментарий"),
            ],
            tabular={"Запасы": goods_rows},
        ),
        document(
            "СчетНаОплату",
            [
                ref("Контрагент", _PARTNERS),
                ref("Событие", "Document_Событие"),
                composite("ДокументОснование"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                ref("Ответственный", staff),
                string("Комментарий"),
            ],
            tabular={"Запасы": goods_rows},
        ),
        document(
            "РасходнаяНакладная",
            [
                ref("Контрагент", _PARTNERS),
                composite("Заказ"),
                composite("ДокументОснование"),
                ref("ВалютаДокумента", _CURRENCIES),
                double("СуммаДокумента"),
                ref("Ответственный", staff),
                string("Комментарий"),
            ],
            tabular={"Запасы": goods_rows},
        ),
    ]
    enums = {
        "ТипыСобытий": ("ТелефонныйЗвонок", "ЛичнаяВстреча", "ЭлектронноеПисьмо", "СообщениеSMS", "Прочее", "Запись"),
        "ВходящееИсходящееСобытие": ("Входящее", "Исходящее"),
        "ЮридическоеФизическоеЛицо": ("ЮридическоеЛицо", "ФизическоеЛицо"),
        "ТипыКонтактнойИнформации": _CI_TYPES,
    }
    return make_schema(tables, enums)


SCHEMAS = {"ut10": ut10_schema, "unf": unf_schema, "ut11": ut11_schema}

"""Shared material for the demo datasets and the generator: stable GUIDs, dates, name pools."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from onec_history.demo.schema import NAMESPACE, UNDEFINED_TYPE

# Every demo GUID is uuid5 of a readable path in this namespace: stable across runs and machines.
_GUID_NAMESPACE = uuid.UUID("6f1c2d9e-3b51-4c8a-9d0e-1c0de5a1e000")

# The demo base's "today": dates are naive wall time like 1C's, and never depend on the clock.
DATASET_NOW = datetime(2026, 6, 30, 18, 0, 0)
DATASET_START = datetime(2024, 7, 1, 9, 0, 0)


def guid(*parts: object) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "/".join(str(p) for p in parts)))


def dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def type_of(set_name: str) -> str:
    """The value of an ``X_Type`` column for a reference to ``set_name``."""
    return f"{NAMESPACE}.{set_name}"


Link = tuple[str, str]  # (set name, Ref_Key): the value of a composite attribute that is a reference


def composite(prefix: str, value: Link | str | None) -> dict[str, str]:
    """Both halves of a composite attribute: a reference, a text typed as Edm.String, or nothing."""
    if value is None:
        return {prefix: "", f"{prefix}_Type": UNDEFINED_TYPE}
    if isinstance(value, tuple):
        return {prefix: value[1], f"{prefix}_Type": type_of(value[0])}
    return {prefix: value, f"{prefix}_Type": "Edm.String"}  # e.g. an unregistered caller typed as text


def working_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random moment in working hours (9:00-18:00, Mon-Fri) between ``start`` and ``end``."""
    days = max(1, (end - start).days)
    for _ in range(20):
        day = start + timedelta(days=rng.randrange(days))
        if day.weekday() < 5:
            break
    minutes = rng.randrange(9 * 60, 18 * 60)
    return day.replace(hour=minutes // 60, minute=minutes % 60, second=rng.randrange(60), microsecond=0)


MANAGERS = (
    "Петров Сергей Николаевич",
    "Смирнова Анна Викторовна",
    "Кузнецов Олег Игоревич",
    "Волкова Мария Сергеевна",
    "Соколов Дмитрий Андреевич",
)

_NAME_STEMS = (
    "Альфа",
    "Вектор",
    "Гранит",
    "Дельта",
    "Заря",
    "Импульс",
    "Космос",
    "Лидер",
    "Меридиан",
    "Нева",
    "Орион",
    "Прогресс",
    "Радуга",
    "Сатурн",
    "Техно",
    "Урал",
    "Факел",
    "Химпром",
    "Циркон",
    "Энергия",
    "Ютек",
    "Янтарь",
    "Байкал",
    "Волна",
    "Горизонт",
    "Двина",
    "Европа",
    "Жемчуг",
    "Звезда",
    "Исток",
)
_FORMS = ("ООО", "АО", "ЗАО", "ООО", "ООО", "ПАО")
_SURNAMES = (
    "Сидоров",
    "Кузьмин",
    "Орлов",
    "Морозов",
    "Лебедев",
    "Новиков",
    "Федоров",
    "Егоров",
    "Павлов",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьев",
    "Борисов",
    "Яковлев",
    "Григорьев",
)
_FIRST = ("Павел", "Андрей", "Игорь", "Максим", "Николай", "Алексей", "Роман", "Виктор")
_MIDDLE = ("Петрович", "Иванович", "Сергеевич", "Олегович", "Андреевич", "Викторович")
_POSITIONS = ("Директор", "Менеджер по закупкам", "Главный бухгалтер", "Инженер", "Снабженец")


def company_name(index: int) -> str:
    """A deterministic company name for counterparty number ``index`` (unique for index < 10**9)."""
    stem = _NAME_STEMS[index % len(_NAME_STEMS)]
    form = _FORMS[index // len(_NAME_STEMS) % len(_FORMS)]
    suffix = index // (len(_NAME_STEMS) * len(_FORMS))
    return f"{form} «{stem}{'-' + str(suffix) if suffix else ''}»"


def person_name(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_SURNAMES), rng.choice(_FIRST), rng.choice(_MIDDLE)


def position(rng: random.Random) -> str:
    return rng.choice(_POSITIONS)


def inn(index: int, *, legal: bool = True) -> str:
    """A 10-digit (legal entity) or 12-digit (person) ИНН-shaped string, unique per index."""
    return f"77{index + 20000000:08d}" if legal else f"5000{index + 10000000:08d}"


# The mix of event kinds in ordinary traffic (the last two differ: family B has SMS, no paper mail).
EVENT_KINDS_A = (
    ("ТелефонныйЗвонок",) * 10 + ("ЭлектронноеПисьмо",) * 5 + ("ЛичнаяВстреча",) * 3 + ("ПочтовоеПисьмо", "Прочее")
)
EVENT_KINDS_B = (
    ("ТелефонныйЗвонок",) * 10 + ("ЭлектронноеПисьмо",) * 5 + ("ЛичнаяВстреча",) * 3 + ("СообщениеSMS", "Прочее")
)

CALL_TOPICS = (
    "Уточнение условий поставки",
    "Запрос прайс-листа",
    "Согласование графика отгрузок",
    "Претензия по качеству",
    "Сверка взаиморасчетов",
    "Интерес к новой продукции",
    "Продление договора",
    "Вопрос по доставке",
    "Запрос коммерческого предложения",
    "Обсуждение скидки",
    "Напоминание об оплате",
    "Жалоба на сроки",
)

GOODS = (
    ("Мониторы", None, 0.0),
    ('Монитор Samsung 24" S24F350', "S24F350", 15500.0),
    ('Монитор LG 27" 27MP400', "27MP400", 19900.0),
    ("Клавиатура Logitech K120", "K120", 890.0),
    ("Мышь Logitech B100", "B100", 450.0),
    ("Ноутбук Lenovo IdeaPad 3", "IP3-15", 54900.0),
    ("Принтер HP LaserJet M111", "M111", 13200.0),
    ("Кабель HDMI 1,8 м", "HDMI18", 390.0),
    ("Доставка по городу", "", 1500.0),
    ("Установка и настройка", "", 2500.0),
)


# The awkward names every real base has: quotes, '&', an apostrophe, Latin letters posing as Cyrillic.
ROMASHKA = "ООО Ромашка"
ROMASHKA_INN = "7701000001"
_SPECIAL = (
    # (Description, full name, ИНН, legal entity, folder, comment)
    (
        ROMASHKA,
        'Общество с ограниченной ответственностью "Ромашка"',
        ROMASHKA_INN,
        True,
        "buyers",
        "Клиент из статьи: интересуется мониторами",
    ),
    (
        "OOO Ромашка",
        'ООО "Ромашка" (OOO латиницей)',
        "7702000002",
        True,
        "buyers",
        "Буквы OOO латинские: похоже на «ООО Ромашка», но другой клиент",
    ),
    ("ООО Ромашкa", "ООО Ромашкa (последняя буква латинская)", "7703000003", True, "moscow", ""),
    (
        'ООО "Рога и Копыта"',
        'Общество с ограниченной ответственностью "Рога и Копыта"',
        "7704000004",
        True,
        "buyers",
        'Кавычки в названии: "Рога и Копыта"',
    ),
    ("Смирнов & Партнеры", "ООО «Смирнов & Партнеры»", "7705000005", True, "moscow", "Амперсанд в имени"),
    ("O'Brien Trading", "O'Brien Trading LLC", "7706000006", True, "suppliers", "Апостроф в имени"),
    (
        "ИП Кузнецова Е.А.",
        "Индивидуальный предприниматель Кузнецова Елена Александровна",
        "500100732259",
        False,
        "buyers",
        "",
    ),
)


def partner_specs(count: int = 40) -> list[dict[str, object]]:
    """About ``count`` counterparties: the special ones above, then ordinary generated companies."""
    specs: list[dict[str, object]] = []
    for name, full, tax_id, legal, folder, comment in _SPECIAL:
        specs.append({"name": name, "full": full, "inn": tax_id, "legal": legal, "folder": folder, "comment": comment})
    index = 0
    while len(specs) < count:
        folder = ("buyers", "buyers", "suppliers", "moscow")[index % 4]
        name = company_name(index)
        specs.append(
            {
                "name": name,
                "full": name.replace("ООО", "Общество с ограниченной ответственностью", 1),
                "inn": inn(index),
                "legal": True,
                "folder": folder,
                "comment": "",
            }
        )
        index += 1
    for number, spec in enumerate(specs):
        spec["kpp"] = (str(spec["inn"])[:4] + "01001") if spec["legal"] else ""
        spec["buyer"] = spec["folder"] != "suppliers" or number % 5 == 0
        spec["supplier"] = spec["folder"] == "suppliers"
        spec["manager"] = number % len(MANAGERS)
    return specs

"""The demo base's $filter/$orderby/$select compiler against a tiny in-memory SQLite base."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import pytest

from onec_history.demo.filter import FilterError, compile_filter, compile_orderby, parse_select
from onec_history.demo.schema import Column, Navigation, Schema, Table

EMPTY = "00000000-0000-0000-0000-000000000000"
K1, K2, K3, K4, K5, K6 = (f"aaaaaaaa-0000-0000-0000-00000000000{i}" for i in range(1, 7))
Z1, Z2 = "bbbbbbbb-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
E1, E2, E3, E4 = (f"cccccccc-0000-0000-0000-00000000000{i}" for i in range(1, 5))
NS = "StandardODATA."


def _table(name: str, cols: list[Column], **kw: object) -> Table:
    key = kw.pop("key", ("Ref_Key",))
    navs = kw.pop("navigations", {})
    tab = kw.pop("tabular", {})
    owner = kw.pop("owner", None)
    assert not kw
    return Table(name, {c.name: c for c in cols}, key, navs, tab, owner)  # type: ignore[arg-type]


def _schema() -> Schema:
    catalog = _table(
        "Catalog_Контрагенты",
        [Column("Ref_Key", "Edm.Guid"), Column("Description", "Edm.String"), Column("ИНН", "Edm.String"),
         Column("Parent_Key", "Edm.Guid")],
        navigations={"Parent": Navigation("Parent", "Parent_Key", "Catalog_Контрагенты")},
    )
    order = _table("Document_Заказ", [Column("Ref_Key", "Edm.Guid"), Column("Number", "Edm.String")])
    items = _table(
        "Document_Событие_Товары",
        [Column("Ref_Key", "Edm.Guid"), Column("LineNumber", "Edm.Int64"), Column("Номенклатура", "Edm.String"),
         Column("Цена", "Edm.Double"), Column("Поставщик_Key", "Edm.Guid")],
        key=("Ref_Key", "LineNumber"),
        navigations={"Поставщик": Navigation("Поставщик", "Поставщик_Key", "Catalog_Контрагенты")},
        owner="Document_Событие",
    )
    event = _table(
        "Document_Событие",
        [Column("Ref_Key", "Edm.Guid"), Column("DeletionMark", "Edm.Boolean"), Column("Number", "Edm.String"),
         Column("Date", "Edm.DateTime"), Column("Posted", "Edm.Boolean"), Column("Партнер_Key", "Edm.Guid"),
         Column("Описание", "Edm.String"), Column("Сумма", "Edm.Double"), Column("Количество", "Edm.Int64"),
         Column("Вид", "Edm.String", enum="ВидыСобытий"), Column("Файл", "Edm.Binary"),
         Column("Контрагент", "Edm.String", composite=True), Column("Основание", "Edm.String", composite=True),
         Column("Контрагент_Type", "Edm.String"), Column("Основание_Type", "Edm.String")],
        navigations={"Партнер": Navigation("Партнер", "Партнер_Key", "Catalog_Контрагенты")},
        tabular={"Товары": "Document_Событие_Товары"},
    )
    tables = {t.set_name: t for t in (catalog, order, items, event)}
    return Schema(tables, {"ВидыСобытий": ("Звонок", "Встреча")})


SCHEMA = _schema()
EVENT = SCHEMA.tables["Document_Событие"]
CATALOG = SCHEMA.tables["Catalog_Контрагенты"]

CATALOG_ROWS = [
    (K1, "Ромашка", "7701", EMPTY),
    (K2, "Ромашка & Ко's +#1", "7702", K1),
    (K3, "100% натуральное", "5001", EMPTY),
    (K4, "a_b [x]", "5002", EMPTY),
    (K5, "Строка\nдве", "5003", EMPTY),
    (K6, "ромашка", "5004", EMPTY),
]
EVENT_ROWS = [
    # Ref, Del, Number, Date, Posted, Партнер, Описание, Сумма, Кол, Вид, Файл, Контрагент, Основание, types
    (E1, 0, "E1", "2023-12-31T23:59:59", 1, K1, "Звонок", 12.5, 3, "Звонок", b"", K1, Z1,
     NS + "Catalog_Контрагенты", NS + "Document_Заказ"),
    (E2, 0, "E2", "2024-01-01T00:00:00", 0, K2, "100% готово", 100.0, 10, "Встреча", b"", "Иванов", Z1,
     "Edm.String", NS + "Document_Событие"),  # same guid as E1's basis, other type
    (E3, 1, "E3", "2024-06-15T10:30:00", 1, EMPTY, "a+b it's", 0.0, 0, "", b"", "", "",
     NS + "Undefined", NS + "Undefined"),
    (E4, 0, "E4", "2025-02-28T08:00:00", 1, K3, "Ромашка_1", -5.25, -1, "Звонок", b"", "12.5", Z2,
     "Edm.Double", NS + "Document_Заказ"),
]
ITEM_ROWS = [(E1, 1, "Чай", 5.0, K1), (E1, 2, "Кофе", 20.0, K2), (E2, 1, "Чай", 50.0, K3), (E4, 1, "Сахар", 1.0, EMPTY)]


def _create(conn: sqlite3.Connection, table: Table, rows: Sequence[Sequence[object]]) -> None:
    cols = ", ".join(f'"{c}"' for c in table.columns)
    conn.execute(f'CREATE TABLE "{table.set_name}" ({cols})')
    marks = ", ".join("?" for _ in table.columns)
    conn.executemany(f'INSERT INTO "{table.set_name}" VALUES ({marks})', rows)


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    _create(conn, CATALOG, CATALOG_ROWS)
    _create(conn, SCHEMA.tables["Document_Заказ"], [(Z1, "З-1"), (Z2, "З-2")])
    _create(conn, EVENT, EVENT_ROWS)
    _create(conn, SCHEMA.tables["Document_Событие_Товары"], ITEM_ROWS)
    for column in ("Date", "Ref_Key", "Основание", "Описание", "Партнер_Key"):
        conn.execute(f'CREATE INDEX "i_{column}" ON "Document_Событие" ("{column}")')
    yield conn
    conn.close()


def _run(db: sqlite3.Connection, text: str, table: Table = EVENT, out: str = "Number") -> list[str]:
    where, params = compile_filter(text, table, SCHEMA)
    assert all(type(p) in (str, int, float) for p in params)
    rows = db.execute(f'SELECT "{out}" FROM "{table.set_name}" WHERE {where} ORDER BY "{out}"', params)
    return [r[0] for r in rows]


def _error(call: object) -> FilterError:
    assert callable(call)
    with pytest.raises(FilterError) as info:
        call()
    return info.value


ALL = ["E1", "E2", "E3", "E4"]

EVENT_CASES = [
    # comparisons, arithmetic, precedence
    ("Number eq 'E1'", ["E1"]),
    ("Number ne 'E1'", ["E2", "E3", "E4"]),
    ("Number\teq\n'E1'", ["E1"]),
    ("Number EQ 'E1' Or Number Eq 'E4'", ["E1", "E4"]),
    ("Сумма gt 12.5", ["E2"]),
    ("Сумма ge 12.5M", ["E1", "E2"]),
    ("Сумма le 12.5m", ["E1", "E3", "E4"]),
    ("Сумма eq -5.25", ["E4"]),
    ("Количество eq 10L", ["E2"]),
    ("-Количество eq 1", ["E4"]),
    ("Сумма add 5 gt 10", ["E1", "E2"]),
    ("(Сумма add 5) gt 10", ["E1", "E2"]),
    ("Сумма sub 0.5 eq 12", ["E1"]),
    ("Количество mul 2 eq 20", ["E2"]),
    ("Количество div 2 eq 1.5", ["E1"]),  # 1C numbers are decimal: no integer division
    ("Количество mod 3 eq 1", ["E2"]),
    ("Number eq 'E1' or Number eq 'E2' and Posted eq true", ["E1"]),
    ("(Number eq 'E1' or Number eq 'E2') and Posted eq false", ["E2"]),
    ("not (Number eq 'E1')", ["E2", "E3", "E4"]),
    ("Number eq 'a+b'", []),
    ("Описание eq 'a+b it''s'", ["E3"]),
    ("Описание eq 'x'' OR 1=1 --'", []),
    # dates (text on the fixed format)
    ("Date ge datetime'2024-01-01T00:00:00'", ["E2", "E3", "E4"]),
    ("Date lt datetime'2024-01-01T00:00'", ["E1"]),
    ("Date eq datetime'2024-06-15T10:30'", ["E3"]),
    ("datetime'2024-01-01T00:00:00' gt Date", ["E1"]),
    # booleans stored 0/1
    ("Posted eq true", ["E1", "E3", "E4"]),
    ("Posted eq false", ["E2"]),
    ("Posted ne true", ["E2"]),
    ("true eq Posted", ["E1", "E3", "E4"]),
    ("Posted", ["E1", "E3", "E4"]),
    ("not Posted", ["E2"]),
    ("not not Posted", ["E1", "E3", "E4"]),
    ("DeletionMark eq false and Posted eq true", ["E1", "E4"]),
    ("Posted eq DeletionMark", ["E2", "E3"]),
    ("startswith(Описание, 'Ром') eq true", ["E4"]),
    ("startswith(Описание, 'Ром') eq false", ["E1", "E2", "E3"]),
    # guids: case-insensitive literal
    (f"Партнер_Key eq guid'{K1.upper()}'", ["E1"]),
    (f"Ref_Key eq guid'{E2}' or Ref_Key eq guid'{E3}'", ["E2", "E3"]),
    (f"Партнер_Key eq guid'{EMPTY}'", ["E3"]),
    # enums are member names
    ("Вид eq 'Звонок'", ["E1", "E4"]),
    ("Вид eq ''", ["E3"]),
    # navigation: correlated subqueries
    ("Партнер/Description eq 'Ромашка'", ["E1"]),
    ("Партнер/ИНН eq '7702'", ["E2"]),
    ("Партнер/Parent/Description eq 'Ромашка'", ["E2"]),
    ("startswith(Партнер/Description, 'Ром')", ["E1", "E2"]),
    # composite attributes
    (f"Основание eq cast(guid'{Z1}', 'Document_Заказ')", ["E1"]),
    (f"Основание eq cast(guid'{Z1.upper()}','Document_Заказ')", ["E1"]),
    (f"cast(guid'{Z1}', 'Document_Заказ') eq Основание", ["E1"]),
    (f"Основание ne cast(guid'{Z1}', 'Document_Заказ')", ["E2", "E3", "E4"]),
    (f"Основание eq cast(guid'{Z1}', 'Document_Событие')", ["E2"]),
    ("isof(Основание, 'Document_Заказ')", ["E1", "E4"]),
    ("isof(Контрагент, 'String')", ["E2"]),
    ("isof(Контрагент, 'Number')", ["E4"]),
    ("isof(Контрагент, 'Catalog_Контрагенты')", ["E1"]),
    ("isof(Сумма, 'Number')", ALL),
    ("Контрагент eq 'Иванов'", ["E2"]),
    ("Контрагент ne 'Иванов'", ["E1", "E3", "E4"]),
    ("Контрагент eq 12.5", ["E4"]),
    ("Контрагент eq null", ["E3"]),
    ("Контрагент ne null", ["E1", "E2", "E4"]),
    ("Контрагент_Type eq 'StandardODATA.Catalog_Контрагенты'", ["E1"]),
    # the value alone is text, not a reference: the old "X eq '<guid>' and X_Type eq" form finds nothing
    (f"Основание eq '{Z1}' and Основание_Type eq 'StandardODATA.Document_Заказ'", []),
    ("cast(Основание, 'Document_Заказ')/Number eq 'З-1'", ["E1"]),
    ("cast(Основание, 'Document_Заказ')/Number ne 'З-1'", ["E4"]),
    ("cast(Контрагент, 'String') eq 'Иванов'", ["E2"]),
    ("cast(Контрагент, 'Number') gt 10", ["E4"]),
    # quirk (1): composite eq guid'…' returns nothing (1C manual 17.4.5.2), ne returns everything
    (f"Основание eq guid'{Z1}'", []),
    (f"Контрагент eq guid'{K1}'", []),
    (f"Основание ne guid'{Z1}'", ALL),
    # string functions: '%', '_' and '[' are literal outside like()
    ("substringof('Ром', Описание)", ["E4"]),
    ("substringof('РОМ', Описание)", ["E4"]),
    ("Number eq 'e1'", ["E1"]),
    ("Контрагент eq 'иванов'", ["E2"]),
    ("Партнер/Description eq 'РОМАШКА'", ["E1"]),
    ("substringof('%', Описание)", ["E2"]),
    ("substringof('_', Описание)", ["E4"]),
    ("substringof('it''s', Описание)", ["E3"]),
    ("substringof('a+b', Описание)", ["E3"]),
    ("substringof('', Описание)", ALL),
    ("startswith(Описание, '100%')", ["E2"]),
    ("startswith(Описание, '%')", []),
    ("endswith(Описание, '_1')", ["E4"]),
    ("endswith(Описание, '*')", []),
    ("endswith(Описание, Number)", []),
    ("startswith(Number, Number)", ALL),
    ("like(Описание, 'Ром%')", ["E4"]),
    ("like(Описание, '%готово')", ["E2"]),
    ("like(Описание, '_вон%')", ["E1"]),
    ("like(Описание, '[^З]%')", ["E2", "E3", "E4"]),
    ("like(Описание, '[А-Я]%')", ["E1", "E4"]),
    ("like(Описание, 'Ромашка?1')", []),
    ("concat(Number, Вид) eq 'E1Звонок'", ["E1"]),
    ("concat(concat(Number, ', '), Вид) eq 'E4, Звонок'", ["E4"]),
    ("substring(Описание, 1, 3) eq '100'", ["E2"]),  # 1-based like 1C's ПОДСТРОКА
    ("substring(Number, 2) eq '4'", ["E4"]),
    # dates
    ("year(Date) eq 2024", ["E2", "E3"]),
    ("year(Date) ne 2024", ["E1", "E4"]),
    ("year(Date) gt 2024", ["E4"]),
    ("year(Date) ge 2024", ["E2", "E3", "E4"]),
    ("year(Date) lt 2024", ["E1"]),
    ("year(Date) le 2023", ["E1"]),
    ("2024 eq year(Date)", ["E2", "E3"]),
    ("year(Date) add 1 eq 2025", ["E2", "E3"]),
    ("month(Date) eq 6", ["E3"]),
    ("day(Date) eq 31", ["E1"]),
    ("hour(Date) eq 10", ["E3"]),
    ("minute(Date) eq 59 and second(Date) eq 59", ["E1"]),
    ("quarter(Date) eq 4", ["E1"]),
    ("dayofweek(Date) eq 1", ["E2"]),  # 2024-01-01 is a Monday: 1 in 1C
    ("dayofweek(Date) eq 7", ["E1"]),
    ("dayofyear(Date) eq 1", ["E2"]),
    ("dateadd(Date, 'day', 1) eq datetime'2024-01-01T23:59:59'", ["E1"]),
    ("dateadd(Date, 'year', 1) ge datetime'2025-01-01T00:00:00'", ["E2", "E3", "E4"]),
    ("dateadd(Date, 'second', Количество) eq datetime'2024-01-01T00:00:02'", ["E1"]),
    ("datedifference(Date, datetime'2024-01-02T00:00:00', 'day') eq 2", ["E1"]),
    ("datedifference(Date, datetime'2024-01-01T00:00:00', 'second') eq 1", ["E1"]),
    ("datedifference(Date, datetime'2025-01-01T00:00:00', 'month') eq 12", ["E2"]),
    ("datedifference(datetime'2024-01-01T00:00:00', Date, 'year') eq 1", ["E4"]),
    ("round(Сумма) eq 13", ["E1"]),
    # tabular sections: any/all over rows joined by Ref_Key
    ("Товары/any(d: d/Цена gt 10)", ["E1", "E2"]),
    ("Товары/all(d: d/Цена gt 10)", ["E2", "E3"]),
    ("Товары/all(d: d/Цена lt 100)", ALL),
    ("Товары/any()", ["E1", "E2", "E4"]),
    ("not Товары/any()", ["E3"]),
    ("Товары/any(d: d/Поставщик/Description eq 'Ромашка')", ["E1"]),
    ("Товары/any(d: d/Цена gt Сумма)", ["E1", "E4"]),
    ("Товары/any(d: d/Номенклатура eq 'Чай' and d/Цена lt 10) or Number eq 'E4'", ["E1", "E4"]),
    ("", ALL),
]


@pytest.mark.parametrize(("text", "expected"), EVENT_CASES)
def test_filter_selects_rows(db: sqlite3.Connection, text: str, expected: list[str]) -> None:
    assert _run(db, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Description eq 'Ромашка & Ко''s +#1'", [K2]),
        ("Description eq 'ромашка'", [K1, K6]),  # 1C compares strings ignoring case
        ("Description eq 'РОМАШКА'", [K1, K6]),
        ("Description ne 'ромашка'", [K2, K3, K4, K5]),
        ("Description eq 'A_B [X]'", [K4]),
        ("Description eq 'a_b [x] '", []),
        ("startswith(Description, 'РОМ')", [K1, K2, K6]),
        ("substringof('КО''S', Description)", [K2]),
        ("like(Description, 'Ромашка')", [K1, K6]),
        ("like(Description, '[^р]%')", [K3, K4, K5]),
        ("like(Description, '[а-я]%')", [K1, K2, K5, K6]),
        ("endswith(Description, 'ДВЕ')", [K5]),
        ("ИНН eq '7701'", [K1]),
        ("substringof('%', Description)", [K3]),
        ("substringof('_', Description)", [K4]),
        ("substringof('[', Description)", [K4]),
        ("substringof('+#', Description)", [K2]),
        ("startswith(Description, 'a_')", [K4]),
        ("startswith(Description, 'a%')", []),
        ("endswith(Description, '[x]')", [K4]),
        ("like(Description, 'a_b%')", [K4]),
        ("like(Description, '%[[]x]')", [K4]),
        ("Description eq 'Строка\nдве'", [K5]),
        ("Parent/Description eq 'Ромашка'", [K2]),
        ("Parent/Parent/Description eq 'Ромашка'", []),
        (f"Parent_Key ne guid'{EMPTY}'", [K2]),
    ],
)
def test_hostile_strings_are_plain_text(db: sqlite3.Connection, text: str, expected: list[str]) -> None:
    assert _run(db, text, CATALOG, "Ref_Key") == expected


@pytest.mark.parametrize(
    ("text", "status", "code", "fragment"),
    [
        # quirk (2): no 'in' operator
        ("Number in ('E1', 'E2')", 400, "14", '"in"'),
        ("(Number in ('E1'))", 400, "14", '"in"'),
        # quirk (3): OData v4 names are unknown (14); v3 functions 1C lacks are unimplemented (21)
        ("contains(Описание, 'x')", 400, "14", "contains"),
        ("tolower(Описание) eq 'x'", 400, "21", "tolower"),
        ("toupper(Описание) eq 'X'", 400, "21", "toupper"),
        ("length(Описание) eq 3", 400, "21", "length"),
        ("indexof(Описание, 'a') eq 1", 400, "21", "indexof"),
        ("trim(Описание) eq 'x'", 400, "21", "trim"),
        ("floor(Сумма) eq 1", 400, "21", "floor"),
        # quirk (4): '+' for a space outside a literal
        ("Number+eq+'E1'", 500, "-1", 'Операция не разрешена в предложении "ГДЕ"'),
        ("Number eq 'E1'+and+Posted", 500, "-1", '"ГДЕ"'),
        ("Сумма gt +1", 500, "-1", '"ГДЕ"'),
        # quirk (5): unknown property
        ("Нет eq 1", 400, "14", '"Нет"'),
        (f"Контрагент_Key eq guid'{K1}'", 400, "14", '"Контрагент_Key"'),
        ("Партнер/Нет eq 'x'", 400, "14", '"Нет"'),
        ("d/Цена gt 1", 400, "14", '"d"'),
        ("Товары/any(d: d/Нет gt 1)", 400, "14", '"Нет"'),
        ("Товары/any(d: x/Цена gt 1)", 400, "14", '"x"'),
        # quirk (6): syntax, with the position
        ("Number eq", 400, "14", "позиция 10"),
        ("Number eq @", 400, "14", "позиция 11"),
        ("(Number eq 'E1'", 400, "14", "позиция 16"),
        ("Number eq 'E1')", 400, "14", "позиция 15"),
        ("Number eq 'open", 400, "14", "кавычка"),
        ("Number eq 'E1' 'E2'", 400, "14", "позиция 16"),
        ("Number == 'E1'", 400, "14", "позиция 8"),
        ("Number eq 'E1' and", 400, "14", "позиция 19"),
        ("Сумма gt .5", 400, "14", "позиция 10"),
        ("Сумма gt 1e5", 400, "14", ""),
        ("Number eq X'00'", 400, "14", "X"),
        ("Ref_Key eq guid'nope'", 400, "14", "guid'nope'"),
        ("Date eq datetime'2024-13-01T00:00'", 400, "14", "datetime"),
        ("Date eq datetime'2024-01-01'", 400, "14", "datetime"),
        ("Date eq datetime'2024-01-01T00:00:00.5'", 400, "14", "datetime"),
        ("()", 400, "14", "позиция 2"),
        ("Number", 400, "14", "логическое"),
        ("Сумма add 1", 400, "14", "логическое"),
        ("not Number eq 'E1'", 400, "14", "логическое"),  # not binds tighter than eq
        (f"Партнер eq guid'{K1}'", 400, "14", "_Key"),
        ("Number/any(d: d/Цена gt 1)", 400, "14", "any"),
        ("Товары/all()", 400, "14", ""),
        ("Файл eq 'x'", 400, "14", "ХранилищеЗначения"),
        ("Number eq 5", 400, "14", "5"),  # live probe: unquoted number against a string -> 400
        # cast/isof type names: no namespace prefix, published sets only
        (f"Основание eq cast(guid'{Z1}', 'StandardODATA.Document_Заказ')", 400, "14", "StandardODATA"),
        (f"Основание eq cast(guid'{Z1}', 'Document_Нет')", 400, "14", "Document_Нет"),
        ("isof(Основание, 'Document_Событие_Товары')", 400, "14", "Товары"),
        (f"Основание gt cast(guid'{Z1}', 'Document_Заказ')", 400, "14", ""),
        # arity and literal-only arguments -> 21
        ("substringof('x')", 400, "21", "substringof"),
        ("year(Date, 1) eq 1", 400, "21", "year"),
        ("isof(Основание)", 400, "21", "isof"),
        ("like(Описание, Number)", 400, "21", "like"),
        ("dateadd(Date, 'week', 1) eq Date", 400, "21", "week"),
        ("datedifference(Date, Date, 'week') eq 0", 400, "21", "week"),
        # unsuitable types fail while 1C runs the query -> 500/-1
        ("year(Описание) eq 2024", 500, "-1", "year"),
        ("substringof('x', Сумма)", 500, "-1", "substringof"),
        ("Описание add 1 eq 2", 500, "-1", "add"),
        ("-Описание eq 'x'", 500, "-1", ""),
        ("Контрагент eq Posted", 500, "-1", ""),
        ("round(Описание) eq 1", 500, "-1", ""),
    ],
)
def test_filter_errors(text: str, status: int, code: str, fragment: str) -> None:
    error = _error(lambda: compile_filter(text, EVENT, SCHEMA))
    assert (error.status, error.code) == (status, code), error.message
    assert fragment in error.message


def test_plus_inside_a_literal_is_text_but_outside_is_500(db: sqlite3.Connection) -> None:
    assert _run(db, "Описание eq 'a+b it''s'") == ["E3"]
    error = _error(lambda: compile_filter("Описание+eq+'a+b'", EVENT, SCHEMA))
    assert error.status == 500
    assert error.message == 'Операция не разрешена в предложении "ГДЕ"'


@pytest.mark.parametrize("depth", [10, 30])
def test_reasonable_nesting_compiles(db: sqlite3.Connection, depth: int) -> None:
    assert _run(db, "(" * depth + "Number eq 'E1'" + ")" * depth) == ["E1"]
    assert _run(db, "not " * depth + "Posted") == (["E1", "E3", "E4"] if depth % 2 == 0 else ["E2"])


@pytest.mark.parametrize("text", ["(" * 200 + "Posted" + ")" * 200, "not " * 200 + "Posted", "-" * 500 + "1 eq 1"])
def test_deep_nesting_is_refused_not_a_crash(text: str) -> None:
    error = _error(lambda: compile_filter(text, EVENT, SCHEMA))
    assert (error.status, error.code) == (400, "14")


def test_long_or_chain_stays_flat(db: sqlite3.Connection) -> None:
    text = " or ".join(f"Number eq 'X{i}'" for i in range(300)) + " or Number eq 'E2'"
    where, _ = compile_filter(text, EVENT, SCHEMA)
    assert where.count("(") <= 302
    assert _run(db, text) == ["E2"]


def test_composite_cast_compiles_to_value_and_type() -> None:
    where, params = compile_filter(f"Основание eq cast(guid'{Z1.upper()}','Document_Заказ')", EVENT, SCHEMA)
    assert where == '("Основание" = ? AND "Основание_Type" = ?)'
    assert params == [Z1, "StandardODATA.Document_Заказ"]


def _plan(db: sqlite3.Connection, text: str) -> str:
    where, params = compile_filter(text, EVENT, SCHEMA)
    rows = db.execute(f'EXPLAIN QUERY PLAN SELECT * FROM "Document_Событие" WHERE {where}', params)
    return " | ".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("Date ge datetime'2024-01-01T00:00:00'", "i_Date"),
        ("year(Date) eq 2024", "i_Date"),
        (f"Ref_Key eq guid'{E1.upper()}'", "i_Ref_Key"),
        (f"Основание eq cast(guid'{Z1}', 'Document_Заказ')", "i_Основание"),
        ("startswith(Описание, '100% Г')", "i_Описание"),  # the literal prefix before [Гг]
        (f"Партнер_Key eq guid'{K1}' and Posted eq true", "i_Партнер_Key"),
    ],
)
def test_compiled_sql_uses_indexes(db: sqlite3.Connection, text: str, index: str) -> None:
    assert f"USING INDEX {index}" in _plan(db, text) or f"USING COVERING INDEX {index}" in _plan(db, text)


# ---- $orderby ------------------------------------------------------------------------------------


def _ordered(db: sqlite3.Connection, text: str) -> list[str]:
    order = compile_orderby(text, EVENT, SCHEMA)
    return [r[0] for r in db.execute(f'SELECT "Number" FROM "Document_Событие" ORDER BY {order}')]


def test_orderby_compiles_directions() -> None:
    assert compile_orderby("Date desc, Ref_Key", EVENT) == '"Date" DESC, "Ref_Key" ASC'
    assert compile_orderby("Date   DESC ,Number asc", EVENT) == '"Date" DESC, "Number" ASC'
    assert compile_orderby("", EVENT) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Сумма desc", ["E2", "E1", "E3", "E4"]),
        ("Вид, Number desc", ["E3", "E2", "E4", "E1"]),
        ("Партнер/Description desc, Number", ["E2", "E1", "E4", "E3"]),
        ("year(Date) desc, Number desc", ["E4", "E3", "E2", "E1"]),
        ("concat(Вид, 'it''s') desc, Number", ["E1", "E4", "E2", "E3"]),
    ],
)
def test_orderby_sorts_rows(db: sqlite3.Connection, text: str, expected: list[str]) -> None:
    assert _ordered(db, text) == expected


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("Нет", 400, "14"),
        ("Date sideways", 400, "14"),
        ("Date desc,", 400, "14"),
        ("Партнер", 400, "14"),
        ("Товары", 400, "14"),
        ("Date+desc", 500, "-1"),
    ],
)
def test_orderby_errors(text: str, status: int, code: str) -> None:
    error = _error(lambda: compile_orderby(text, EVENT, SCHEMA))
    assert (error.status, error.code) == (status, code)


def test_orderby_navigation_needs_the_schema() -> None:
    error = _error(lambda: compile_orderby("Партнер/Description", EVENT))
    assert (error.status, error.code) == (400, "14")


# ---- $select -------------------------------------------------------------------------------------

COLUMNS = list(EVENT.columns)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", [*COLUMNS, "Товары"]),
        ("", [*COLUMNS, "Товары"]),
        ("**", COLUMNS),
        ("Number, *", [*COLUMNS, "Товары"]),
        ("Number,**,Товары", COLUMNS),
        ("Number, Ref_Key", ["Ref_Key", "Number"]),
        (" Описание ,Number,Number", ["Number", "Описание"]),
        ("Товары,Number", ["Number", "Товары"]),
        ("Основание,Основание_Type", ["Основание", "Основание_Type"]),
        ("Партнер,Партнер_Key", ["Партнер_Key", "Партнер"]),
        ("Ref_Key,Товары/Цена", ["Ref_Key", "Товары/Цена"]),
        ("Партнер/Description,Ref_Key", ["Ref_Key", "Партнер/Description"]),
        ("Партнер/Parent/Description", ["Партнер/Parent/Description"]),
        ("Основание/Document_Заказ/Number", ["Основание/Document_Заказ/Number"]),
        ("Партнер/*", ["Партнер/*"]),
    ],
)
def test_select_names(text: str, expected: list[str]) -> None:
    assert parse_select(text, EVENT, SCHEMA) == expected


@pytest.mark.parametrize(
    "text",
    ["Нет", "Контрагент_Key", "Number,", "Товары/Нет", "Партнер/Нет", "Number/Description",
     "Основание/Document_Нет/Number", "Number____Presentation"],
)
def test_select_unknown_names_are_400(text: str) -> None:
    error = _error(lambda: parse_select(text, EVENT, SCHEMA))
    assert (error.status, error.code) == (400, "14")

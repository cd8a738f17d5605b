"""What the demo base does with a request, HTTP aside: reads, writes, posting, and 1C's refusals.

Every refusal is an ``ODataFault`` carrying the HTTP status, 1C's error code (a string) and a
Russian message, which the server renders as ``odata.error`` (JSON) or ``m:error`` (Atom).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onec_history.demo import filter as odata_filter
from onec_history.demo.data_ut11 import write_handler
from onec_history.demo.fault import ODataFault
from onec_history.demo.schema import EMPTY_REF, UNDEFINED_TYPE, Schema, Table, is_catalog, is_document, is_register
from onec_history.demo.store import IGNORE, BadValue, Row, Store, default_value, from_json, is_guid, normalise_date, q

# Properties a client cannot set: 1C keeps its own values.
_READ_ONLY = {"DataVersion", "Posted", "Predefined", "PredefinedDataName", "Ref_Key", "LineNumber"}
_INTERNAL_ERROR = (
    "Произошла внутренняя ошибка OData сервиса. Дополнительные сведения можно найти в технологическом журнале."
)


@dataclass
class Query:
    """Query options of a GET, already percent-decoded."""

    filter: str | None = None
    select: str | None = None
    orderby: str | None = None
    top: int | None = None
    skip: int = 0
    inlinecount: bool = False


def parse_key(text: str, table: Table) -> tuple[str, int | None]:
    """``guid'…'`` or ``Ref_Key=guid'…',LineNumber=1`` → (Ref_Key, LineNumber)."""
    parts: dict[str, str] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        parts[name.strip() if sep else "Ref_Key"] = value if sep else part
    ref = parts.get("Ref_Key", "")
    match = re.fullmatch(r"guid'([0-9a-fA-F-]{36})'", ref.strip())
    if not match or not is_guid(match.group(1)):
        raise ODataFault(400, "6", f"Неверный URL: ключ сущности «{text}» не распознан")
    line = None
    if table.owner is not None:
        raw = parts.get("LineNumber", "").strip()
        if not raw.isdigit():
            raise ODataFault(400, "7", "Не хватает элемента ключа сущности: LineNumber")
        line = int(raw)
    return match.group(1).lower(), line


_RECORD_PART = re.compile(r"\s*([^=,\s]+)\s*=\s*(guid'[^']*'|datetime'[^']*'|'(?:[^']|'')*'|[^,]*)\s*(?:,|$)")


def parse_record_key(text: str, table: Table) -> dict[str, object]:
    """A register record's key ``Dim_Key=guid'…',Dim='…',Dim_Type='StandardODATA.X'`` → {column: stored value}."""
    parts: dict[str, object] = {}
    pos = 0
    while pos < len(text):
        match = _RECORD_PART.match(text, pos)
        if match is None or match.end() == pos:
            raise ODataFault(400, "6", f"Неверный URL: ключ записи «{text}» не распознан")
        name, raw = match.group(1), match.group(2).strip()
        if raw.startswith("guid'"):
            value: object = raw[5:-1].lower()
        elif raw.startswith("datetime'"):
            value = normalise_date(raw[9:-1])
        elif raw.startswith("'"):
            value = raw[1:-1].replace("''", "'")
        else:
            value = raw
        parts[name] = value
        pos = match.end()
    missing = [k for k in table.key if k not in parts]
    if missing or set(parts) - set(table.key):
        raise ODataFault(400, "7", "Не хватает элемента ключа записи: " + ", ".join(missing or sorted(set(parts))))
    return parts


def _key_where(table: Table, key: dict[str, object]) -> tuple[str, list[object]]:
    return " AND ".join(f"{q(k)} = ?" for k in table.key), [key[k] for k in table.key]


def _empty(value: object) -> bool:
    return not str(value).strip()


def _synonym(set_name: str) -> str:
    """``Document_ЗаказПокупателя`` → «Заказ покупателя», as 1C names a document in its messages."""
    name = set_name.split("_", 1)[1]
    words = re.findall(r"[А-ЯЁA-Z][а-яёa-z0-9]*|[а-яёa-z0-9]+", name)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else name


class Service:
    def __init__(self, store: Store) -> None:
        self.store = store
        # The ut11 dataset runs what 1C's handlers do when an interaction is written (data_ut11.py).
        self.interactions = write_handler(store)

    def _written(self, table: Table, ref: str) -> None:
        if self.interactions is not None:
            self.interactions(table.set_name, ref)

    @property
    def schema(self) -> Schema:
        return self.store.schema

    def table(self, set_name: str) -> Table:
        table = self.schema.tables.get(set_name)
        if table is None:
            raise ODataFault(404, "8", f"Тип сущности не найден: «{set_name}»")
        return table

    # reads
    def _where(self, table: Table, text: str | None) -> tuple[str, list[object]]:
        if not text:
            return "", []
        return odata_filter.compile_filter(text, table, self.schema)

    def _order(self, table: Table, text: str | None) -> str:
        if not text:
            return ""
        order = odata_filter.compile_orderby(text, table)
        return f"{order}, rowid" if order else ""

    def select_names(self, table: Table, text: str | None) -> list[str]:
        """Properties to render (columns and tabular-section names)."""
        if not text:
            return [*table.columns, *table.tabular]
        return odata_filter.parse_select(text, table, self.schema)

    def collection(self, table: Table, query: Query) -> tuple[list[Row], int | None]:
        """Rows of a page and, with $inlinecount, the total (which makes 1C ignore $top/$skip)."""
        where, params = self._where(table, query.filter)
        order = self._order(table, query.orderby)
        if query.inlinecount:
            # 1C docs (17.4.5): with $inlinecount the server ignores $top and $skip.
            rows = self.store.select(table, where=where, params=params, order=order)
            return rows, len(rows)
        rows = self.store.select(table, where=where, params=params, order=order, limit=query.top, offset=query.skip)
        return rows, None

    def count(self, table: Table, query: Query) -> int:
        where, params = self._where(table, query.filter)
        return self.store.count(table, where=where, params=params)

    def entity(self, table: Table, key: str) -> Row:
        if is_register(table):
            return self._record(table, parse_record_key(key, table))
        ref, line = parse_key(key, table)
        row = self.store.get(table, ref, line)
        if row is None:
            raise ODataFault(404, "9", f'Экземпляр сущности "{table.set_name}" не найден по переданному ключу.')
        return row

    def tabular(self, table: Table, rows: list[Row], names: list[str]) -> dict[str, dict[str, list[Row]]]:
        """{section: {Ref_Key: rows}} for the sections among ``names``."""
        if not table.tabular:
            return {}
        refs = [str(r["Ref_Key"]) for r in rows]
        wanted = set(names) | {n.split("/", 1)[0] for n in names if "/" in n}
        return {s: self.store.tabular_rows(ts, refs) for s, ts in table.tabular.items() if s in wanted and refs}

    # writes
    def _values(self, table: Table, body: dict[str, Any], current: Row | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in body.items():
            column = table.columns.get(name)
            if column is None or name in _READ_ONLY:
                continue  # 1C ignores unknown properties silently (17.4.13.1.2)
            try:
                converted = from_json(column, value, self.schema.enums)
            except BadValue:
                raise ODataFault(400, "4", f"Неверное значение свойства «{name}»: {value!r}") from None
            if converted is not IGNORE:
                values[name] = converted
        for column in table.columns.values():
            if not column.composite:
                continue
            type_name = f"{column.name}_Type"
            kind = values.get(type_name, (current or {}).get(type_name, UNDEFINED_TYPE))
            value = values.get(column.name, (current or {}).get(column.name, ""))
            if column.name in values and type_name not in values and kind == UNDEFINED_TYPE and value:
                values[type_name] = kind = "Edm.String"
            if str(kind).startswith("StandardODATA.") and kind != UNDEFINED_TYPE and not is_guid(str(value)):
                raise ODataFault(400, "4", f"Неверное значение свойства «{column.name}»: {value!r}")
        return values

    def _sections(self, table: Table, body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        sections: dict[str, list[dict[str, Any]]] = {}
        for section, ts_set in table.tabular.items():
            if section not in body:
                continue
            raw = body[section]
            if not isinstance(raw, list):
                raise ODataFault(400, "4", f"Неверное значение свойства «{section}»")
            ts = self.schema.tables[ts_set]
            rows = []
            for item in raw:
                line = item.get("LineNumber") if isinstance(item, dict) else None
                if not isinstance(line, (str, int)) or not str(line).strip().isdigit():
                    # A row without LineNumber fails deep inside 1C (forum reports: 500, code -1).
                    raise ODataFault(500, "-1", _INTERNAL_ERROR)
                assert isinstance(item, dict)
                row = self._values(ts, item, None)
                row["LineNumber"] = int(str(line).strip())
                rows.append(row)
            sections[section] = rows
        return sections

    def _write_sections(self, table: Table, ref: str, sections: dict[str, list[dict[str, Any]]]) -> None:
        for section, rows in sections.items():
            ts = self.schema.tables[table.tabular[section]]
            self.store.delete_rows(ts, ref)
            self.store.insert(ts.set_name, [{**r, "Ref_Key": ref} for r in rows])

    def _record(self, table: Table, key: dict[str, object]) -> Row:
        where, params = _key_where(table, key)
        rows = self.store.select(table, where=where, params=params)
        if not rows:
            raise ODataFault(404, "9", f'Экземпляр сущности "{table.set_name}" не найден по переданному ключу.')
        return rows[0]

    def _create_record(self, table: Table, body: dict[str, Any]) -> Row:
        """A record of an independent register; a second one with the same dimensions is refused."""
        with self.store.lock:
            row: dict[str, Any] = {c: default_value(col) for c, col in table.columns.items()}
            row.update(self._values(table, body, None))
            where, params = _key_where(table, row)
            if self.store.select(table, where=where, params=params):
                raise ODataFault(400, "15", "Запись с такими значениями ключевых полей уже существует")
            self.store.insert_row(table, row)
            self.store.commit()
            return row

    def _update_record(self, table: Table, key: str, body: dict[str, Any]) -> Row:
        with self.store.lock:
            parsed = parse_record_key(key, table)
            current = self._record(table, parsed)
            values = self._values(table, body, current)
            if any(k in values and values[k] != current[k] for k in table.key):
                raise ODataFault(404, "9", "Изменение ключа записи регистра не поддерживается: удалите запись и "
                                           "добавьте новую")
            where, params = _key_where(table, parsed)
            self.store.update_where(table, values, where, params)
            self.store.commit()
            return {**current, **values}

    def create(self, table: Table, body: dict[str, Any], now: datetime) -> Row:
        if table.owner is not None:
            raise ODataFault(400, "13", "Создание строк табличных частей напрямую не поддерживается")
        if is_register(table):
            return self._create_record(table, body)
        with self.store.lock:
            ref = body.get("Ref_Key")
            if isinstance(ref, str) and is_guid(ref) and ref != EMPTY_REF:
                # A client-chosen key is honoured; a second object with it is refused (code 15).
                ref = ref.lower()
                if self.store.get(table, ref) is not None:
                    raise ODataFault(400, "15", "Сущность с таким ключом уже существует")
            else:
                ref = str(uuid.uuid4())
            values = self._values(table, body, None)
            sections = self._sections(table, body)
            row: dict[str, Any] = {c: default_value(col) for c, col in table.columns.items()}
            row.update(values)
            row["Ref_Key"] = ref
            row["DataVersion"] = self.store.next_data_version()
            if is_document(table):
                if row["Date"] == default_value(table.columns["Date"]):
                    row["Date"] = now.strftime("%Y-%m-%dT%H:%M:%S")
                if not str(row["Number"]).strip():
                    row["Number"] = self.store.next_code(table, "Number")
            if is_catalog(table) and "Code" in table.columns and not str(row["Code"]).strip():
                row["Code"] = self.store.next_code(table, "Code")
            self.store.insert_row(table, row)
            self._write_sections(table, ref, sections)
            self._written(table, ref)
            self.store.commit()
            return self.store.get(table, ref) or row

    def _check_version(self, row: Row, if_match: str | None) -> None:
        if if_match and if_match.strip().strip('"') not in ("*", row["DataVersion"]):
            raise ODataFault(412, "-1", "Версия объекта не совпадает: объект изменен или удален другим сеансом")

    def update(self, table: Table, key: str, body: dict[str, Any], if_match: str | None) -> Row:
        if table.owner is not None:
            raise ODataFault(400, "13", "Изменение строк табличных частей напрямую не поддерживается")
        if is_register(table):
            return self._update_record(table, key, body)
        with self.store.lock:
            current = self.entity(table, key)
            self._check_version(current, if_match)
            values = self._values(table, body, current)
            sections = self._sections(table, body)
            values["DataVersion"] = self.store.next_data_version()
            ref = str(current["Ref_Key"])
            self.store.update_row(table, ref, values)
            self._write_sections(table, ref, sections)
            self._written(table, ref)
            self.store.commit()
            return self.store.get(table, ref) or {**current, **values}

    def delete(self, table: Table, key: str, if_match: str | None) -> None:
        if table.owner is not None:
            raise ODataFault(405, "19", "Использованный HTTP-метод запрещен в данном контексте")
        if is_register(table):
            with self.store.lock:
                parsed = parse_record_key(key, table)
                self._record(table, parsed)
                self.store.delete_where(table, *_key_where(table, parsed))
                self.store.commit()
            return
        with self.store.lock:
            current = self.entity(table, key)
            self._check_version(current, if_match)
            ref = str(current["Ref_Key"])
            self.store.delete_rows(table, ref)
            for ts_set in table.tabular.values():
                self.store.delete_rows(self.schema.tables[ts_set], ref)
            self.store.commit()

    def action(self, table: Table, key: str, name: str) -> None:
        """Bound Post/Unpost of a document."""
        if name not in table.actions:
            raise ODataFault(400, "11", f"Метод не найден: «{name}»")
        with self.store.lock:
            row = self.entity(table, key)
            if name == "Post":
                self._check_posting(table, row)
            self.store.update_row(
                table,
                str(row["Ref_Key"]),
                {"Posted": int(name == "Post"), "DataVersion": self.store.next_data_version()},
            )
            self.store.commit()

    def _check_posting(self, table: Table, row: Row) -> None:
        """The business rules the demo's documents enforce when posted (1C answers 500, code -1)."""
        reason = ""
        if row["DeletionMark"]:
            reason = "Помеченный на удаление документ не может быть проведен!"
        elif _empty(row.get("Контрагент", "-")) or row.get("Контрагент_Key") == EMPTY_REF:
            reason = 'Не заполнено значение реквизита "Контрагент"'
        else:
            for section, ts_set in table.tabular.items():
                if section in ("Товары", "Запасы") and not self.store.count(
                    self.schema.tables[ts_set], where=f"{q('Ref_Key')} = ?", params=[row["Ref_Key"]]
                ):
                    reason = f'Не заполнена табличная часть "{section}"'
        if reason:
            when = datetime.strptime(str(row["Date"]), "%Y-%m-%dT%H:%M:%S")
            title = f"{_synonym(table.set_name)} {row['Number']} от {when:%d.%m.%Y} {when.hour}:{when:%M:%S}"
            raise ODataFault(500, "-1", f'{reason}\nНе удалось провести "{title}"!')

"""SQLite storage of a demo base: one table per entity set, values stored as the demo contract says.

Storage per Edm type: Guid → TEXT (lowercase), String → TEXT, DateTime → TEXT 'YYYY-MM-DDTHH:MM:SS',
Boolean → INTEGER 0/1, Int64 → INTEGER, Double → REAL. A composite attribute is two TEXT columns.
The schema itself (with the string lengths $metadata does not carry) is kept in the table
``_demo_meta`` so a generated file is self-describing.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import struct
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from onec_history.demo.schema import (
    EMPTY_DATE,
    EMPTY_REF,
    UNDEFINED_TYPE,
    Column,
    Navigation,
    Schema,
    Table,
)
from onec_history.local.sqlite import owned_by

Row = dict[str, Any]

_SQL_TYPE = {
    "Edm.Guid": "TEXT",
    "Edm.String": "TEXT",
    "Edm.DateTime": "TEXT",
    "Edm.Boolean": "INTEGER",
    "Edm.Int64": "INTEGER",
    "Edm.Double": "REAL",
    "Edm.Binary": "TEXT",
}
_INDEXED_NAMES = {"Date", "Code", "Description", "Number", "ИНН", "НачалоСобытия", "Parent_Key", "Owner_Key"}
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")


def q(name: str) -> str:
    """Quote an SQL identifier (set and property names are Cyrillic and may contain anything)."""
    return '"' + name.replace('"', '""') + '"'


def default_value(column: Column) -> Any:
    """The value 1C shows for an attribute nobody filled."""
    if column.name.endswith("_Type") and column.edm_type == "Edm.String":
        return UNDEFINED_TYPE
    return {
        "Edm.Guid": EMPTY_REF,
        "Edm.DateTime": EMPTY_DATE,
        "Edm.Boolean": 0,
        "Edm.Int64": 0,
        "Edm.Double": 0.0,
    }.get(column.edm_type, "")


def data_version(counter: int) -> str:
    """An opaque DataVersion in the shape 1C sends (``"AAAACgAAAAA="``: base64 of 8 bytes)."""
    return base64.b64encode(struct.pack(">II", counter & 0xFFFFFFFF, counter >> 32 & 0xFFFF)).decode()


# --- value conversion --------------------------------------------------------------------------------


class BadValue(ValueError):
    """A JSON value 1C would reject (odata.error code 4)."""


IGNORE = object()  # a value 1C silently drops (odata-1c.md §4: wrongly typed Int64)


def to_json(column: Column, value: Any) -> Any:
    """Stored value → the JSON value 1C sends (Int64 as a string, integral Double without '.0')."""
    edm = column.edm_type
    if edm == "Edm.Boolean":
        return bool(value)
    if edm == "Edm.Int64":
        return str(int(value or 0))
    if edm == "Edm.Double":
        number = float(value or 0.0)
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    return "" if value is None else value


def normalise_date(text: str) -> str:
    match = _DATE_RE.match(text)
    if not match:
        raise BadValue(text)
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60):
        raise BadValue(text)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"


def from_json(column: Column, value: Any, enums: Mapping[str, Sequence[str]]) -> Any:
    """A JSON value sent by a client → stored value; IGNORE when 1C would drop it; BadValue if 1C refuses."""
    edm = column.edm_type
    if value is None:
        return default_value(column)
    if edm == "Edm.Int64":
        # A number where 1C expects the string form is dropped without a word (odata-1c.md §4).
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        return IGNORE
    if edm == "Edm.Boolean":
        if isinstance(value, bool):
            return int(value)
        raise BadValue(str(value))
    if edm == "Edm.Double":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise BadValue(str(value))
    if not isinstance(value, str):
        raise BadValue(str(value))
    if edm == "Edm.Guid":
        if not _GUID_RE.match(value):
            raise BadValue(value)
        return value.lower()
    if edm == "Edm.DateTime":
        return normalise_date(value)
    if column.enum is not None and value and value not in enums.get(column.enum, ()):
        raise BadValue(value)
    if column.max_length is not None and len(value) > column.max_length:
        return value[: column.max_length]  # 1C truncates silently (odata-1c.md §4)
    return value


def is_guid(text: str) -> bool:
    return bool(_GUID_RE.match(text))


# --- schema (de)serialisation ------------------------------------------------------------------------


def schema_to_json(schema: Schema) -> str:
    return json.dumps(asdict(schema), ensure_ascii=False)


def schema_from_json(text: str) -> Schema:
    raw = json.loads(text)
    tables: dict[str, Table] = {}
    for name, t in raw["tables"].items():
        tables[name] = Table(
            set_name=t["set_name"],
            columns={k: Column(**c) for k, c in t["columns"].items()},
            key=tuple(t["key"]),
            navigations={k: Navigation(**n) for k, n in t["navigations"].items()},
            tabular=dict(t["tabular"]),
            owner=t["owner"],
            actions=tuple(t["actions"]),
        )
    return Schema(tables, {k: tuple(v) for k, v in raw["enums"].items()})


# --- the store ----------------------------------------------------------------------------------------


class Store:
    """One SQLite database holding every entity set of a demo base.

    A single connection guarded by a lock: the HTTP server is threaded, SQLite serialises writes
    anyway, and one connection lets an in-memory database be shared.
    """

    def __init__(self, conn: sqlite3.Connection, schema: Schema) -> None:
        self.conn = owned_by(self, conn)
        self.schema = schema
        self.lock = threading.RLock()
        self._version = int(self.meta("data_version") or "0")

    # construction
    @classmethod
    def create(cls, schema: Schema, path: str | Path | None = None, **meta: str) -> Store:
        """A new empty base (file or in memory) with tables for ``schema``; indexes come later."""
        target = ":memory:" if path is None else str(path)
        if path is not None and Path(path).exists():
            Path(path).unlink()
        conn = sqlite3.connect(target, check_same_thread=False)
        _tune(conn)
        conn.execute("CREATE TABLE _demo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for table in schema.tables.values():
            conn.execute(_create_sql(table))
        store = cls(conn, schema)
        store.set_meta("schema", schema_to_json(schema))
        for key, value in meta.items():
            store.set_meta(key, value)
        return store

    @classmethod
    def open(cls, path: str | Path, *, in_memory: bool = False) -> Store:
        """Open a base written earlier; ``in_memory`` copies it so writes never reach the file."""
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            try:
                row = source.execute("SELECT value FROM _demo_meta WHERE key = 'schema'").fetchone()
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"{path} is not a demo base: {exc}") from exc
            if row is None:
                raise ValueError(f"{path} is not a demo base (no schema)")
            if in_memory:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
                source.backup(conn)
            else:
                conn = sqlite3.connect(str(path), check_same_thread=False)
        finally:
            source.close()
        _tune(conn)
        return cls(conn, schema_from_json(row[0]))

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # meta
    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM _demo_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO _demo_meta (key, value) VALUES (?, ?)", (key, value))

    def next_data_version(self) -> str:
        with self.lock:
            self._version += 1
            self.set_meta("data_version", str(self._version))
            return data_version(self._version)

    def reserve_data_versions(self, count: int) -> int:
        """Reserve ``count`` versions for bulk loading; returns the first counter value."""
        with self.lock:
            first = self._version + 1
            self._version += count
            self.set_meta("data_version", str(self._version))
            return first

    # bulk writes
    def insert(self, set_name: str, rows: Iterable[Mapping[str, Any]], *, batch: int = 5000) -> int:
        """Insert rows given as {property: stored value}; missing properties get 1C's empty values."""
        table = self.schema.tables[set_name]
        cols = list(table.columns.values())
        sql = _insert_sql(table)
        defaults = [default_value(c) for c in cols]
        names = [c.name for c in cols]
        total = 0
        chunk: list[tuple[Any, ...]] = []
        with self.lock:
            for row in rows:
                chunk.append(tuple(row.get(n, d) for n, d in zip(names, defaults, strict=True)))
                if len(chunk) >= batch:
                    self.conn.executemany(sql, chunk)
                    total += len(chunk)
                    chunk.clear()
            if chunk:
                self.conn.executemany(sql, chunk)
                total += len(chunk)
        return total

    def create_indexes(self) -> None:
        """Indexes the server's filters need; created after bulk loading, which is faster."""
        with self.lock:
            for table in self.schema.tables.values():
                for sql in _index_sql(table):
                    self.conn.execute(sql)
            self.conn.commit()

    def commit(self) -> None:
        with self.lock:
            self.conn.commit()

    # reads
    def select(
        self,
        table: Table,
        *,
        where: str = "",
        params: Sequence[object] = (),
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        sql = f"SELECT * FROM {q(table.set_name)}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order}" if order else " ORDER BY rowid"
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        with self.lock:
            cursor = self.conn.execute(sql, tuple(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def count(self, table: Table, *, where: str = "", params: Sequence[object] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {q(table.set_name)}"
        if where:
            sql += f" WHERE {where}"
        with self.lock:
            return int(self.conn.execute(sql, tuple(params)).fetchone()[0])

    def get(self, table: Table, ref_key: str, line: int | None = None) -> Row | None:
        where = f"{q('Ref_Key')} = ?"
        params: list[object] = [ref_key.lower()]
        if line is not None:
            where += f" AND {q('LineNumber')} = ?"
            params.append(line)
        rows = self.select(table, where=where, params=params)
        return rows[0] if rows else None

    def tabular_rows(self, ts_set: str, refs: Sequence[str]) -> dict[str, list[Row]]:
        """Rows of a tabular section for several owners at once, in LineNumber order."""
        table = self.schema.tables[ts_set]
        result: dict[str, list[Row]] = {r: [] for r in refs}
        for start in range(0, len(refs), 500):
            part = refs[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self.select(
                table, where=f"{q('Ref_Key')} IN ({marks})", params=part, order=f"{q('Ref_Key')}, {q('LineNumber')}"
            ):
                result[row["Ref_Key"]].append(row)
        return result

    # single-object writes (the caller holds ``lock`` around a whole operation)
    def insert_row(self, table: Table, row: Mapping[str, Any]) -> None:
        self.insert(table.set_name, [row])

    def update_row(self, table: Table, ref_key: str, values: Mapping[str, Any]) -> None:
        if not values:
            return
        sets = ", ".join(f"{q(k)} = ?" for k in values)
        with self.lock:
            self.conn.execute(
                f"UPDATE {q(table.set_name)} SET {sets} WHERE {q('Ref_Key')} = ?", (*values.values(), ref_key)
            )

    def delete_where(self, table: Table, where: str, params: Sequence[object]) -> None:
        """Delete the rows ``where`` selects (a register's records by their dimensions)."""
        with self.lock:
            self.conn.execute(f"DELETE FROM {q(table.set_name)} WHERE {where}", tuple(params))

    def update_where(self, table: Table, values: Mapping[str, Any], where: str, params: Sequence[object]) -> None:
        if not values:
            return
        sets = ", ".join(f"{q(k)} = ?" for k in values)
        with self.lock:
            self.conn.execute(f"UPDATE {q(table.set_name)} SET {sets} WHERE {where}", (*values.values(), *params))

    def delete_rows(self, table: Table, ref_key: str) -> None:
        with self.lock:
            self.conn.execute(f"DELETE FROM {q(table.set_name)} WHERE {q('Ref_Key')} = ?", (ref_key,))

    def next_code(self, table: Table, column: str) -> str:
        """The next Number/Code: same prefix and width as the newest one, counter + 1."""
        fmt = self.meta(f"format:{table.set_name}.{column}") or "%09d"
        prefix = fmt.split("%")[0]
        with self.lock:
            row = self.conn.execute(
                f"SELECT MAX({q(column)}) FROM {q(table.set_name)} WHERE {q(column)} LIKE ? "
                f"AND length({q(column)}) = ?",
                (prefix + "%", len(fmt % 0)),
            ).fetchone()
        last = row[0] if row and row[0] else ""
        digits = re.sub(r"\D", "", last[len(prefix) :]) or "0"
        return fmt % (int(digits) + 1)


def _tune(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")


def _create_sql(table: Table) -> str:
    cols = [f"{q(c.name)} {_SQL_TYPE[c.edm_type]} NOT NULL" for c in table.columns.values()]
    key = ", ".join(q(k) for k in table.key)
    return f"CREATE TABLE {q(table.set_name)} ({', '.join(cols)}, PRIMARY KEY ({key}))"


def _insert_sql(table: Table) -> str:
    names = ", ".join(q(n) for n in table.columns)
    marks = ", ".join("?" * len(table.columns))
    return f"INSERT INTO {q(table.set_name)} ({names}) VALUES ({marks})"


def _index_sql(table: Table) -> Iterator[str]:
    for column in table.columns.values():
        wanted = (
            column.name in _INDEXED_NAMES
            or column.composite
            or (column.edm_type == "Edm.Guid" and column.name.endswith("_Key") and column.name != "Ref_Key")
        )
        if wanted:
            index = q(f"ix_{table.set_name}_{column.name}")
            yield f"CREATE INDEX IF NOT EXISTS {index} ON {q(table.set_name)} ({q(column.name)})"

"""The counterparty file reader: headers kept as written, records keyed by them, damage reported per row."""

from __future__ import annotations

import pytest

from onec_history.counterparties.file import read_records
from onec_history.errors import ValidationError


def test_csv_header_as_written_and_records_keyed_by_it() -> None:
    text = " name ;ИНН;;Комментарий\n\nООО Ромашка;7701000001;x;\"две\nстроки\"\nИП Орлов;500100732259;;\n"
    header, records = read_records("f.csv", data=text.encode("cp1251"))
    assert header == ["name", "ИНН", "", "Комментарий"]
    rows = list(records)
    assert [(r.line, r.error) for r in rows] == [(3, None), (5, None)]
    # A column without a name is not read; a quoted value keeps its line break.
    assert rows[0].values == {"name": "ООО Ромашка", "ИНН": "7701000001", "Комментарий": "две\nстроки"}
    assert rows[1].values == {"name": "ИП Орлов", "ИНН": "500100732259", "Комментарий": ""}


def test_csv_bad_rows_are_reported_with_their_line() -> None:
    text = "name,inn\nА,1\nБ\nВ,2,3\nГ,4\n"
    _, records = read_records("f.csv", data=text.encode())
    rows = list(records)
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert [r.error is None for r in rows] == [True, False, False, True]
    assert "1 fields where the header has 2" in (rows[1].error or "")
    assert "3 fields where the header has 2" in (rows[2].error or "")
    assert rows[3].values == {"name": "Г", "inn": "4"}


def test_an_unclosed_quote_spoils_its_row_only() -> None:
    _, records = read_records("f.csv", data=b'name;inn\n"A;1\nB;2\n')
    rows = list(records)
    assert rows[0].line == 2 and "quote is probably not closed" in (rows[0].error or "")
    assert [(r.line, r.values) for r in rows[1:]] == [(3, {"name": "B", "inn": "2"})]


def test_jsonl_header_is_every_key_met_in_order() -> None:
    text = '{"name": "А", "inn": "1"}\n\n{"inn": "2", "kpp": "3"}\n[1]\n{"name": "Б"\n'
    header, records = read_records("f.jsonl", data=text.encode())
    assert header == ["name", "inn", "kpp"]
    rows = list(records)
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert rows[1].values == {"inn": "2", "kpp": "3"}
    assert rows[2].error == "each line must be a JSON object"
    assert "truncated" in (rows[3].error or "")


def test_header_only_file_has_no_records() -> None:
    header, records = read_records("f.csv", data=b"name;inn\r\n")
    assert header == ["name", "inn"] and list(records) == []


def test_empty_file_unknown_format_and_missing_file() -> None:
    with pytest.raises(ValidationError, match="no header line"):
        read_records("f.csv", data=b"\n \n")
    with pytest.raises(ValidationError, match="Unknown input format"):
        read_records("f.csv", fmt="xlsx", data=b"name\n")
    with pytest.raises(ValidationError, match="Cannot read"):
        read_records("/nonexistent/dir/f.csv")

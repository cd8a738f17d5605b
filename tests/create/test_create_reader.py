"""Input files as people and programs really write them: encodings, delimiters, quotes, damage."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from onec_history.errors import ValidationError
from onec_history.local.inputs import InputRow, detect_encoding, normalise_header, read_rows, sniff_delimiter

TEXT = ("external_id;counterparty;kind;start;subject\n"
        "1;ООО Ромашка;Звонок;06.05.2024 10:00;Мониторы «Dell»\n")


def rows_of(data: bytes, name: str = "in.csv", **kw: object) -> list[InputRow]:
    return list(read_rows(name, stream=io.BytesIO(data), **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("encoded", [
    TEXT.encode("utf-8"),
    codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    TEXT.encode("cp1251"),
    TEXT.encode("utf-16"),  # Excel's "Unicode text" (with a BOM)
])
def test_every_encoding_excel_writes_reads_the_same(encoded: bytes) -> None:
    [row] = rows_of(encoded)
    assert row.error is None
    assert row.values == {"external_id": "1", "counterparty": "ООО Ромашка", "kind": "Звонок",
                          "start": "06.05.2024 10:00", "subject": "Мониторы «Dell»"}
    assert row.line == 2


def test_encoding_detection_and_override() -> None:
    assert detect_encoding("Ромашка".encode("cp1251")) == "cp1251"
    assert detect_encoding("Ромашка".encode()) == "utf-8"
    # A UTF-8 sample cut inside a character is still UTF-8.
    assert detect_encoding("Ромашка".encode()[:5]) == "utf-8"
    data = TEXT.encode("cp1251")
    with pytest.raises(ValidationError, match="not valid utf-8"):
        rows_of(data, encoding="utf-8")
    assert rows_of(data, encoding="cp1251")[0].values["counterparty"] == "ООО Ромашка"


def test_delimiter_is_taken_from_the_header() -> None:
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a,b,c") == ","
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter('"x;y",b,c') == ","  # delimiters inside quotes do not count
    [row] = rows_of(TEXT.replace(";", ",").encode())
    assert row.values["subject"] == "Мониторы «Dell»"


def test_quotes_multiline_values_and_line_numbers() -> None:
    data = (b'external_id,subject,body\n'
            b'\n'
            b'1,"Say ""hi""","two\nlines"\n'
            b'\n'
            b',,\n'
            b'2,"a, b",x\n')
    rows = rows_of(data)
    assert [(r.line, r.values.get("external_id")) for r in rows] == [(3, "1"), (7, "2")]
    assert rows[0].values["subject"] == 'Say "hi"'
    assert rows[0].values["body"] == "two\nlines"
    assert rows[1].values["subject"] == "a, b"


def test_truncated_last_line_is_a_bad_row_not_a_short_one() -> None:
    data = (TEXT + "2;ООО Ромашка;Зво").encode()
    rows = rows_of(data)
    assert rows[0].error is None
    assert rows[1].line == 3 and rows[1].error is not None and "truncated" in rows[1].error


def test_unclosed_quote_at_the_end_is_reported() -> None:
    data = (TEXT + '2;ООО Ромашка;call;06.05.2024;"Обрыв на полусло').encode()
    rows = rows_of(data)
    assert rows[-1].line == 3 and rows[-1].error is not None and "quote" in rows[-1].error


def test_an_unclosed_quote_mid_file_does_not_swallow_the_rest() -> None:
    data = (TEXT + '2;ООО Ромашка;call;06.05.2024;"без конца\n' + "3;ООО Ромашка;call;07.05.2024;дальше\n").encode()
    rows = rows_of(data)
    assert [(r.line, r.error is None) for r in rows] == [(2, True), (3, False), (4, True)]
    assert rows[2].values["subject"] == "дальше"


def test_extra_fields_are_refused() -> None:
    data = (TEXT + "2;A;call;06.05.2024;x;лишнее\n").encode()
    assert "header has 5" in (rows_of(data)[1].error or "")


def test_header_names_aliases_and_unknown_columns() -> None:
    assert normalise_header(["External-ID", " Client ", "DATE", "Topic"]) == [
        "external_id", "counterparty", "start", "subject"]
    with pytest.raises(ValidationError, match="'subjcet'") as info:
        normalise_header(["kind", "subjcet"])
    assert "--ignore-unknown-columns" in info.value.hint
    assert normalise_header(["kind", "subjcet"], allow_unknown=True) == ["kind", None]
    with pytest.raises(ValidationError, match="twice"):
        normalise_header(["kind", "Kind"])


def test_jsonl_lines_blank_lines_and_broken_lines() -> None:
    data = (b'{"external_id": "1", "kind": "call", "post": true}\n'
            b'\n'
            b'[1, 2]\n'
            b'{"external_id": "3", "kind": "ca')
    rows = rows_of(data, "in.jsonl")
    assert rows[0].values == {"external_id": "1", "kind": "call", "post": True}
    assert rows[1].line == 3 and "JSON object" in (rows[1].error or "")
    assert rows[2].line == 4 and "truncated" in (rows[2].error or "")


def test_jsonl_unknown_key_is_a_row_error() -> None:
    rows = rows_of(b'{"kind": "call", "colour": "red"}\n', "x.ndjson")
    assert "colour" in (rows[0].error or "")


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Cannot read"):
        list(read_rows(tmp_path / "nope.csv"))

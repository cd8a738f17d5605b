"""Import files that are damaged in the ways files really are (issue 13.4, 13.11).

A lone surrogate in JSON, bytes that are not UTF-8, UTF-16 without a BOM, a value longer than the
csv module's default field limit, two-digit years: each row ends in a clear message naming its line
(the other rows go on as for any bad row), never in a traceback or in silently wrong text.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from onec_history.cli.main import main
from onec_history.errors import ValidationError
from onec_history.exitcodes import ExitCode
from onec_history.local.inputs import InputRow, detect_encoding, read_rows

HEADER = "external_id,counterparty,kind,start,subject\n"
GOOD = "2,code:000000004,call,2024-05-01 11:00,привет — Ромашка\n"


def rows_of(data: bytes, name: str = "in.csv", **kw: Any) -> list[InputRow]:
    return list(read_rows(name, stream=io.BytesIO(data), **kw))


def jsonl(*objects: dict[str, Any]) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objects).encode("ascii")  # ensure_ascii: \\ud800 stays escaped


def import_dry(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main([*extra, "events", "import", str(path), "--dry-run"])
    out, err = capsys.readouterr()
    return code, out, err


ROW = {"counterparty": "code:000000004", "kind": "call", "start": "2024-05-01 10:00"}


# -- a lone surrogate, bytes that are not UTF-8 ---------------------------------------------------
def test_a_lone_surrogate_in_a_jsonl_line_is_that_lines_error() -> None:
    rows = rows_of(jsonl({**ROW, "subject": "\ud800 оборван"}, {**ROW, "subject": "целый"}), "in.jsonl")
    assert [r.line for r in rows] == [1, 2]
    assert rows[0].error is not None and "subject" in rows[0].error and "\\ud800" in rows[0].error
    assert "surrogate" in rows[0].error
    rows[0].error.encode("utf-8")  # the message itself can be printed
    assert rows[1].error is None and rows[1].values["subject"] == "целый"


def test_a_lone_surrogate_in_a_key_is_caught_too() -> None:
    [row] = rows_of(jsonl({**ROW, "su\udc00bject": "x"}), "in.jsonl")
    assert row.error is not None and "surrogate" in row.error
    row.error.encode("utf-8")


def test_a_surrogate_pair_is_one_character_and_fine() -> None:
    [row] = rows_of(jsonl({**ROW, "subject": "\U0001f600 улыбка"}), "in.jsonl")
    assert row.error is None and row.values["subject"] == "\U0001f600 улыбка"


def test_a_jsonl_line_that_is_not_utf8_is_that_lines_error() -> None:
    data = (json.dumps({**ROW, "subject": "первая"}, ensure_ascii=False).encode() + b"\n"
            + b'{"counterparty": "code:000000004", "subject": "\xff\xfe"}\n'
            + json.dumps({**ROW, "subject": "третья"}, ensure_ascii=False).encode() + b"\n")
    rows = rows_of(data, "in.jsonl")
    assert [r.line for r in rows] == [1, 2, 3]
    assert rows[1].error is not None and "not valid UTF-8" in rows[1].error and "0xff" in rows[1].error
    assert rows[0].values["subject"] == "первая" and rows[2].values["subject"] == "третья"


def test_a_csv_line_that_is_not_utf8_does_not_turn_the_file_into_cp1251() -> None:
    data = (HEADER + "1,code:000000004,call,2024-05-01 10:00,").encode() + b"\xff\xfe bad\n" + GOOD.encode()
    rows = rows_of(data)
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].error is not None and "not valid UTF-8" in rows[0].error and "subject" in rows[0].error
    assert rows[0].values.get("external_id") == "1"  # kept for the report
    assert rows[1].error is None and rows[1].values["subject"] == "привет — Ромашка"  # not mojibake


def test_a_header_that_is_not_utf8_is_refused_with_its_line() -> None:
    with pytest.raises(ValidationError, match="line 1") as caught:
        rows_of("внешний,".encode() + b"\xff\n" + GOOD.encode())
    caught.value.explain().encode("utf-8")


def test_a_cp1251_file_is_still_cp1251_and_utf8_asked_for_it_is_refused() -> None:
    data = (HEADER + GOOD).encode("cp1251")
    assert detect_encoding(data) == "cp1251"
    assert rows_of(data)[0].values["subject"] == "привет — Ромашка"
    with pytest.raises(ValidationError, match="not valid utf-8"):
        rows_of(data, encoding="utf-8")


@pytest.mark.usefixtures("isolated")
def test_the_command_line_names_the_line_and_exits_13(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl({**ROW, "subject": "\ud800"}))
    code, out, err = import_dry(path, capsys)
    assert code == int(ExitCode.BAD_INPUT) == 13, err
    assert "Traceback" not in err and "line 1: failed" in out and "surrogate" in out


@pytest.mark.usefixtures("isolated")
def test_the_other_rows_go_on_as_for_any_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes((HEADER + "1,code:000000004,call,2024-05-01 10:00,").encode() + b"\xff\n" + GOOD.encode())
    code, out, err = import_dry(path, capsys)
    assert code == ExitCode.PARTIAL, err
    assert "line 2: failed" in out and "not valid UTF-8" in out and "line 3: would_create" in out
    assert "привет — Ромашка" in out  # the good row, read as UTF-8


# -- UTF-16 without a BOM -------------------------------------------------------------------------
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(codec: str) -> None:
    data = (HEADER + GOOD).encode(codec)
    assert detect_encoding(data) == codec
    [row] = rows_of(data)
    assert row.error is None and row.values["subject"] == "привет — Ромашка"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_jsonl_without_a_bom_is_detected(codec: str) -> None:
    [row] = rows_of(json.dumps({**ROW, "subject": "привет"}, ensure_ascii=False).encode(codec) + "\n".encode(codec),
                    "in.jsonl")
    assert row.error is None and row.values["subject"] == "привет"


def test_nul_bytes_without_the_utf16_pattern_are_refused_with_the_hint() -> None:
    data = (HEADER + GOOD).encode("utf-32-le")
    with pytest.raises(ValidationError) as caught:
        rows_of(data)
    assert "--encoding" in caught.value.explain() and "NUL" in caught.value.explain()


def test_utf16_cut_in_half_a_character_is_refused_with_the_hint() -> None:
    data = (HEADER + GOOD).encode("utf-16-le")[:-1]
    with pytest.raises(ValidationError) as caught:
        rows_of(data)
    assert "utf-16-le" in caught.value.explain() and "--encoding" in caught.value.explain()


# -- a value longer than csv's default field limit -------------------------------------------------
def test_a_200000_character_value_is_read_whole() -> None:
    body = "д" * 200_000
    [row] = rows_of(f"external_id,counterparty,kind,start,body\n1,x,call,2024-05-01,\"{body}\"\n".encode())
    assert row.error is None and row.values["body"] == body


@pytest.mark.usefixtures("isolated")
def test_a_200000_character_body_is_too_long_for_the_attribute_not_an_unclosed_quote(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[lengths."Document_Событие"]\n"СодержаниеСобытия" = 1024\n', encoding="utf-8")
    os.chmod(config, 0o600)
    path = tmp_path / "big.csv"
    path.write_text("counterparty,kind,start,body\n"
                    f"code:000000004,call,2024-05-01 10:00,\"{'д' * 200_000}\"\n", encoding="utf-8")
    code, out, err = import_dry(path, capsys, "--config", str(config))
    assert code == ExitCode.BAD_INPUT, err
    assert "quote" not in out
    assert "body" in out and "СодержаниеСобытия" in out and "200000 characters" in out and "1024" in out


@pytest.mark.usefixtures("isolated")
def test_a_200000_character_subject_is_too_long_for_its_200(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + f"1,code:000000004,call,2024-05-01 10:00,{'т' * 200_000}\n", encoding="utf-8")
    code, out, _ = import_dry(path, capsys)
    assert code == ExitCode.BAD_INPUT
    assert "ОписаниеСобытия is 200000 characters long; the attribute holds 200" in out

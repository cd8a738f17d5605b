"""Helpers of the recording tests: record through the command line, read a recording back as text,
map a live base's output to what a replay of its recording prints, and the personal values of a base."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from onec_history.cli import record_cmd
from onec_history.cli.main import main
from onec_history.client import Client
from onec_history.query import Query
from onec_history.recording import Anonymizer, load_recording
from onec_history.transport import Transport


def run(*args: str) -> tuple[int, str, str]:
    """``onec-history ARGS`` in this process: exit code, stdout, stderr. Stdout has a binary layer,
    as a process's has (``events export`` to ``-`` writes to ``sys.stdout.buffer``)."""
    raw, err = io.BytesIO(), io.StringIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    out.flush()
    return code, raw.getvalue().decode("utf-8"), err.getvalue()


@dataclass
class Recording:
    directory: Path
    anonymizer: Anonymizer  # the one 'record' used: its table of replacements maps live output
    manifest: dict[str, Any]
    stderr: str

    def fake(self, value: str) -> str:
        return self.anonymizer.rewrite(value)

    def original(self, value: str) -> str:
        back = {fake: original for original, fake in self.anonymizer.replaced.items()}
        return back.get(value, value)


@contextlib.contextmanager
def isolated_env(tmp: Path) -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        for var in ("ONEC_URL", "ONEC_USER", "ONEC_PASSWORD", "ONEC_CONFIG", "ONEC_LEDGER", record_cmd.KEY_ENV):
            mp.delenv(var, raising=False)
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            mp.setenv(var, str(tmp / var.lower()))
        yield mp


def record(url: str, out: Path, *options: str) -> Recording:
    """``onec-history --url URL record --out OUT OPTIONS``, keeping the Anonymizer it made."""
    made: list[Anonymizer] = []

    class Keeping(Anonymizer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(record_cmd, "Anonymizer", Keeping)
        code, _, err = run("--url", url, "record", "--out", str(out), *options)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return Recording(out, made[0], manifest, err)


def recording_text(directory: Path) -> str:
    """Everything a recording holds, as text a person would grep: the files as written, and each
    target decoded, each body with its JSON strings unescaped."""
    texts = [(directory / name).read_text(encoding="utf-8") for name in ("exchanges.jsonl", "manifest.json")]
    _, items = load_recording(directory)
    for item in items:
        texts += [unquote(item.target, encoding="utf-8"), item.body, item.request_body or ""]
        for body in (item.body, item.request_body):
            with contextlib.suppress(ValueError):
                texts.extend(strings(json.loads(body or "")))
    return "\n".join(texts)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def mapper(anonymizer: Anonymizer, extra: Mapping[str, str]) -> Callable[[str], str]:
    """Live output → the output a replay of the recording prints: every replaced value by its fake,
    as printed whole, with its white space collapsed (table cells) or escaped (JSON, CSV)."""
    pairs = dict(extra)
    for original, fake in anonymizer.replaced.items():
        pairs.setdefault(original, fake)
        pairs.setdefault(" ".join(original.split()), " ".join(fake.split()))
        pairs.setdefault(json.dumps(original, ensure_ascii=False)[1:-1], json.dumps(fake, ensure_ascii=False)[1:-1])
        pairs.setdefault(original.replace('"', '""'), fake.replace('"', '""'))  # a CSV cell
    keys = sorted((k for k in pairs if k.strip()), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys))
    return lambda text: pattern.sub(lambda m: pairs[m.group(0)], text)


# -- the personal values of a base, read over OData with rules of their own (not the Anonymizer's) ----
_PEOPLE = ("Пользовател", "Сотрудник", "КонтактныеЛица", "ФизическиеЛица")
_PERSON_FORMS = ("ФизЛицо", "ФизическоеЛицо", "ИндивидуальныйПредприниматель", "ЧастноеЛицо")
_FREE_TEXT = ("Комментарий", "ОписаниеСобытия", "СодержаниеСобытия", "Содержание", "Представление", "КакСвязаться",
              # family C: an interaction's contact as typed or shown, its text, the participants' rows
              "Тема", "Описание", "Текст", "ТекстСообщения", "АбонентПредставление", "АбонентКакСвязаться",
              "ОтправительАдрес", "ОтправительПредставление", "СписокУчастников", "СписокПолучателейПисьма",
              "ПредставлениеКонтакта", "Адрес", "НомерДляОтправки", "ДолжностьПоВизитке", "АдресЭП", "НомерТелефона")
_SUBJECTS = ("ОписаниеСобытия", "Тема")
# Catalogues whose names are companies (or persons, by their legal form): the counterparties, and in
# family C the partners; catalogues whose names are typed-in text: subjects, deals, unregistered callers.
_CLIENT_SETS = ("Catalog_Контрагенты", "Catalog_Партнеры")
_NAMED_TEXT_SETS = {"Catalog_ТемыСобытий": "subjects", "Catalog_СделкиСКлиентами": "subjects",
                    "Catalog_СтроковыеКонтактыВзаимодействий": "free text"}
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def personal_values(url: str) -> dict[str, set[str]]:
    """What a recording of the base at ``url`` must not hold, by kind: people's names, persons among
    the counterparties (ИП, natural persons), event subjects, bodies, comments and contact details,
    every e-mail address."""
    client = Client(Transport(url))
    md = client.metadata()
    out: dict[str, set[str]] = {k: set() for k in ("people", "persons", "subjects", "free text", "companies")}

    def add(kind: str, value: Any) -> None:
        if isinstance(value, str) and len(value.strip()) >= 3:
            out[kind].add(value)

    def rows(set_name: str) -> Iterator[dict[str, Any]]:
        for row in client.iterate(set_name, Query()):
            yield row
            for value in row.values():
                if isinstance(value, list):
                    yield from (r for r in value if isinstance(r, dict))

    for set_name in sorted(md.sets):
        if "_" in set_name.partition("_")[2] and set_name.rsplit("_", 1)[0] in md.sets:
            continue  # a tabular section: read inline with its owner
        for row in rows(set_name):
            for key, value in row.items():
                typed = row.get(f"{key}_Type", "Edm.String")  # a composite holds text only as Edm.String
                if typed == "Edm.String" and (key in _FREE_TEXT or f"{key}_Type" in row):
                    add("subjects" if key in _SUBJECTS else "free text", value)
                if isinstance(value, str):
                    for mail in _MAIL.findall(value):
                        add("free text", mail)
            if any(p in set_name for p in _PEOPLE):
                for key in ("Description", "Фамилия", "НаименованиеПолное"):
                    add("people", row.get(key))
            if set_name in _NAMED_TEXT_SETS:
                add(_NAMED_TEXT_SETS[set_name], row.get("Description"))
            if set_name in _CLIENT_SETS and row.get("IsFolder") is not True:
                inn = str(row.get("ИНН") or "")
                person = (row.get("ЮрФизЛицо") in _PERSON_FORMS or row.get("ЮридическоеФизическоеЛицо") in _PERSON_FORMS
                          or len(inn) == 12 or str(row.get("Description") or "").startswith("ИП "))
                for key in ("Description", "НаименованиеПолное", "ИНН"):
                    add("persons" if person else "companies", row.get(key))
    out["free text"] -= out["companies"]  # a client shown as an interaction's contact is its name, not text
    return out

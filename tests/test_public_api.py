"""The library's public names: what ``__all__`` promises exists, and the package docstring's example runs."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import onec_history
from onec_history.demo.server import DemoServer

MODULES = sorted(m.name for m in pkgutil.walk_packages(onec_history.__path__, "onec_history."))
# The library's layers promise a public surface; the demo server's internals and the CLI do not.
PUBLIC = ["onec_history", *(m for m in MODULES if not m.startswith(("onec_history.demo.", "onec_history.cli"))
                            and m != "onec_history.demo")]


def test_public_modules_declare_all() -> None:
    undeclared = [m for m in PUBLIC if not hasattr(importlib.import_module(m), "__all__")]
    assert not undeclared, f"public modules without __all__: {undeclared}"


@pytest.mark.parametrize("name", [m for m in ["onec_history", *MODULES]
                                  if hasattr(importlib.import_module(m), "__all__")])
def test_all_is_honest(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def test_the_package_exports_the_front_door() -> None:
    from onec_history import client, errors, history, transport

    assert onec_history.History is history.History and onec_history.EventFilter is history.EventFilter
    assert onec_history.Client is client.Client and onec_history.Transport is transport.Transport
    assert onec_history.OnecError is errors.OnecError and onec_history.errors is errors
    assert issubclass(onec_history.NoMatchError, onec_history.NotFoundError)
    from onec_history import api, records

    assert onec_history.connect is api.connect and issubclass(onec_history.Connection, onec_history.History)
    assert onec_history.to_records is records.to_records and onec_history.to_dataframe is records.to_dataframe


def test_the_docstring_example_runs(ut10: DemoServer, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    doc = onec_history.__doc__ or ""
    code = "\n".join(line[4:] for line in doc.splitlines() if line.startswith("    "))
    assert "History(Client(transport))" in code and "onec_history.connect(demo=\"ut10\")" in code
    code = re.sub(r'Transport\("[^"]+", user="odata", password="…"\)', "Transport(URL)", code)
    exec(compile(code, "onec_history.__doc__", "exec"), {"URL": ut10.url})  # our own docstring, run as written
    out = capsys.readouterr().out
    assert "Интересуются покупкой 5 мониторов" in out  # the History example
    assert re.search(r"^[1-9]\d* call \S", out, re.M), out  # the connect() example: calls since March

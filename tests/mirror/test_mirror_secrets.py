"""No database URL with a password is ever printed (issue 13.9)."""

from __future__ import annotations

import sys

import pytest

from onec_history.cli.main import main
from onec_history.demo.server import DemoServer
from onec_history.mirror.sync import without_password

SECRET = "Sup3rSecret"


def test_without_password() -> None:
    assert without_password(f"postgresql://u:{SECRET}@db.local:5432/m") == "postgresql://u:***@db.local:5432/m"
    assert without_password("sqlite:///x.db") == "sqlite:///x.db"
    assert SECRET not in without_password(f"could not parse 'postgresql://u:{SECRET}@h/db' at all")


@pytest.mark.parametrize("url", [f"postgresql://u:{SECRET}@127.0.0.1:1/nodb",
                                 f"postgresql://u:{SECRET}@127.0.0.1:notaport/nodb",
                                 f"nosuchdialect://u:{SECRET}@h/db"])
def test_report_from_a_mirror_never_prints_its_password(url: str, ut10: DemoServer,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--url", ut10.url, "report", "inactive", "--days", "30", "--from-mirror", url])
    out, err = capsys.readouterr()
    assert code != 0 and err.startswith("Error: ")
    assert SECRET not in out + err
    assert "Traceback" not in err


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # psycopg is the [postgres] extra: a machine without it gets the install line, not an ImportError.
    from onec_history.errors import ConfigError
    from onec_history.mirror.sync import engine_for

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigError) as caught:
        engine_for("postgresql://odata:s3cret@db.local/mirror")
    said = caught.value.explain()
    assert "onec-history[postgres]" in said and "s3cret" not in said and "postgresql://odata:***@db.local" in said

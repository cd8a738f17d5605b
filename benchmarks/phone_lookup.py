"""Benchmark: requests and time of finding a client by phone on a 100k-counterparty generated base.

A base of each family is generated (``--counterparties``, default 100,000; few events: they play
no part) and served by a child process. Each scenario starts a fresh History (a new run, with
``$metadata`` already read: it is cached on disk in real use) and counts the requests it sends.

Scenarios:
- ``known``        a number some counterparty has, written as a PBX sends it (``84951234567``);
- ``known x5``     the same client under five spellings in one run;
- ``unknown``      a number nobody has: the narrow request finds nothing, so the phone list is read;
- ``unknown, then 100 more``  after the list is read, 100 further lookups (known and unknown);
- ``import 500``   ``match_phones`` over 500 rows of distinct numbers (reads the list once up front).

    .venv/bin/python benchmarks/phone_lookup.py                       # both families, 100k
    .venv/bin/python benchmarks/phone_lookup.py --counterparties 10000 --family ut10
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onec_history.client import Client  # noqa: E402
from onec_history.counterparties.callers import match_phones  # noqa: E402
from onec_history.demo.generator import generate  # noqa: E402
from onec_history.history import History  # noqa: E402
from onec_history.local.inputs import InputRow  # noqa: E402
from onec_history.transport import Transport  # noqa: E402

_SERVER = """
import sys
from onec_history.demo.server import _Handler, start_demo
_Handler.disable_nagle_algorithm = True
server = start_demo(sys.argv[1], persist=True)
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


@contextmanager
def serve(path: Path) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(path)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=60)


def phone(p: int) -> str:
    """Counterparty ``p``'s work phone in the generated base, as a PBX sends it (8 and 10 digits)."""
    return "84951234567" if p == 0 else "8" + f"9{p:09d}"


def measure(url: str, work: Callable[[History], Any]) -> dict[str, Any]:
    transport = Transport(url)
    history = History(Client(transport))
    history.contacts  # noqa: B018  ($metadata: cached on disk in real use)
    before = transport.stats.requests
    started = time.perf_counter()
    result = work(history)
    return {"requests": transport.stats.requests - before, "seconds": time.perf_counter() - started,
            "result": result}


def scenarios(partners: int) -> list[tuple[str, Callable[[History], Any]]]:
    known = partners // 2

    def five(h: History) -> int:
        d = f"9{known:09d}"
        spellings = [phone(known), f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}", f"7{d}", d,
                     f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]} доб. 12"]
        return len({c.ref for s in spellings for c in h.find_by_phone(s)})

    def hundred_more(h: History) -> int:
        h.find_by_phone("+7 (916) 555-12-34")
        return sum(len(h.find_by_phone(phone(p * 997 % partners) if p % 2 else f"8916{p:07d}")) for p in range(100))

    def import_500(h: History) -> int:
        rows = [InputRow(i, {"phone": phone(i * 193 % partners), "kind": "call"}) for i in range(500)]
        return sum(1 for r in match_phones(h, rows) if r.error is None)

    return [
        ("known", lambda h: len(h.find_by_phone(phone(known)))),
        ("known x5 spellings", five),
        ("unknown", lambda h: len(h.find_by_phone("+7 (916) 555-12-34"))),
        ("unknown, then 100 more", hundred_more),
        ("import 500 rows", import_500),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counterparties", type=int, default=100_000)
    parser.add_argument("--family", choices=("ut10", "unf"), action="append")
    parser.add_argument("--out", type=Path, help="Keep the generated bases in this directory.")
    args = parser.parse_args()
    directory = args.out or Path(tempfile.mkdtemp(prefix="phone-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    print("| family | scenario | requests | seconds | result |\n|---|---|---:|---:|---:|")
    for family in args.family or ["ut10", "unf"]:
        path = directory / f"{family}-{args.counterparties}.sqlite"
        if not path.exists():
            generate(path, family=family, events=1000, counterparties=args.counterparties, seed=1)
        with serve(path) as url:
            for name, work in scenarios(args.counterparties):
                m = measure(url, work)
                print(f"| {family} | {name} | {m['requests']} | {m['seconds']:.2f} | {m['result']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

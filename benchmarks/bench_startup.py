"""Benchmark: what a start of the command costs before it does any work — CPU of a fresh interpreter.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 15] [--tree PATH]

Each case runs ``--repeat`` times in a new interpreter; the figure is the median CPU time (user +
system) of the child. ``python -c pass`` is the floor no command can go under. ``--tree`` runs the
same cases on another checkout (``git worktree add /tmp/old <commit>``) to compare two versions.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES: dict[str, list[str]] = {
    "python -c pass (the floor)": ["-c", "pass"],
    "onec-history --help": ["-m", "onec_history", "--help"],
    "onec-history --version": ["-m", "onec_history", "--version"],
    "onec-history events --help": ["-m", "onec_history", "events", "--help"],
    "onec-history events export --help": ["-m", "onec_history", "events", "export", "--help"],
    "import onec_history": ["-c", "import onec_history"],
}


def cpu_of(args: list[str], tree: Path) -> float:
    """CPU seconds of one child interpreter running ``args`` with ``tree`` first on its path."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, *args], cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--tree", type=Path, action="append",
                        help="A checkout to measure (repeatable); default this one.")
    args = parser.parse_args()
    trees: list[Path] = args.tree or [ROOT]
    print("| case | " + " | ".join(f"CPU ms, {t}" for t in trees) + " |")
    print("|---|" + "---:|" * len(trees))
    for name, case in CASES.items():
        runs: dict[Path, list[float]] = {tree: [] for tree in trees}
        for _ in range(args.repeat):
            for tree in trees:  # the trees alternate: the machine's noise falls on both alike
                runs[tree].append(cpu_of(case, tree))
        cells = [f"{1000 * statistics.median(runs[tree]):.0f}" for tree in trees]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

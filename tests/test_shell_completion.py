"""Shell completion as README documents it (issue 17, item 10): the scripts click writes load in a real
bash, and Tab completes commands and option choices; zsh's and fish's are click's own for those shells
(neither shell is installed on the CI machine)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp: Path) -> dict[str, str]:
    """PATH with a shim named onec-history (the installed command's name, which completion keys on)."""
    shim = tmp / "bin" / "onec-history"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m onec_history "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEC_")}
    env["PATH"] = f"{shim.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _readme_lines() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Shell completion", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return {shell: line.split("#")[0].strip() for line in block.group(1).splitlines()
            for shell in ("bash", "zsh", "fish") if f"={shell}_source" in line}


def bash_complete(env: dict[str, str], *words: str) -> list[str]:
    script = (f"{_readme_lines()['bash']}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in ('onec-history', *words))})\n"
              f"COMP_CWORD={len(words)}\n_onec_history_completion onec-history\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=True)
    return done.stdout.split()


def test_the_readme_has_a_line_for_each_shell() -> None:
    assert set(_readme_lines()) == {"bash", "zsh", "fish"}


def test_bash_completes_commands_subcommands_and_choices(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert bash_complete(env, "ev") == ["events"]
    assert {"list", "show", "create", "import", "export"} <= set(bash_complete(env, "events", ""))
    assert bash_complete(env, "report", "activity", "--by", "") == ["manager", "kind", "week"]
    assert "--format" in bash_complete(env, "events", "list", "--f")


def test_the_scripts_are_what_click_writes_for_each_shell(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for shell, marker in (("bash", "complete -o nosort -F _onec_history_completion onec-history"),
                          ("zsh", "compdef _onec_history_completion onec-history"),
                          ("fish", "complete --no-files --command onec-history")):
        done = subprocess.run(["onec-history"], capture_output=True, text=True, timeout=60, check=True,
                              env={**env, "_ONEC_HISTORY_COMPLETE": f"{shell}_source"})
        assert marker in done.stdout, (shell, done.stdout[:300])

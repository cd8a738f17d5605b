#!/usr/bin/env bash
# The test suite on the oldest (3.10) and the newest (3.13) supported Python, each in its own fresh venv.
# An interpreter is taken from PATH or from pyenv's versions folder; one that is absent is said, not hidden.
# A version that is present and fails fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
for version in 3.10 3.13; do
    python=""
    if "python$version" -c "" >/dev/null 2>&1; then  # a pyenv shim of a version not selected fails here
        python=$(command -v "python$version")
    else
        python=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -1 || true)
    fi
    if [ -z "$python" ]; then
        echo "other-pythons: no Python $version on this machine: not tested" >&2
        continue
    fi
    venv=".venv-$version"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q -e '.[test]'
    echo "other-pythons: $("$venv/bin/python" --version)" >&2
    "$venv/bin/pytest" -p no:cacheprovider
done

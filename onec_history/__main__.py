"""``python -m onec_history``: the command line where the Scripts folder is not on PATH (Windows)."""

from __future__ import annotations

import sys

from onec_history.cli.main import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())

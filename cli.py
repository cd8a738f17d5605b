"""Run onec-history from a checkout: ``python cli.py --help``.

This file only hands over to the package's command line; it is not installed.
"""

from __future__ import annotations

import sys

from onec_history.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

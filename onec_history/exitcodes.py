"""The exit codes now live with the command that exits: :mod:`onec_history.cli.exitcodes`.

Kept so that ``from onec_history.exitcodes import ExitCode`` goes on working; new code imports
from ``onec_history.cli.exitcodes``. The library never imports either.
"""

from __future__ import annotations

from .cli.exitcodes import ExitCode, exit_code_for

__all__ = ["ExitCode", "exit_code_for"]

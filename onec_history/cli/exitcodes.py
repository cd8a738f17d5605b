"""Exit codes of the ``onec-history`` command, in one place (also listed in README.md).

Two ways in: an error becomes its code through :func:`exit_code_for` (``cli/main.py`` does it for
every command); a result the library returns carries an outcome, which :func:`exit_code_of`
turns into its code. The library itself knows nothing of exit codes.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any

from .. import errors

if TYPE_CHECKING:  # the results' modules load with the commands that return them, not with every start
    from ..counterparties.importer import Outcome as ImportOutcome
    from ..create.batch import Outcome as WriteOutcome
    from ..export.export import Outcome as ExportOutcome

    #: The outcome of every library result a command ends with.
    Outcome = ExportOutcome | WriteOutcome | ImportOutcome
    #: What each outcome exits with (module ``__getattr__``: built on first use).
    OUTCOMES: Mapping[Enum, ExitCode]

__all__ = ["OUTCOMES", "ExitCode", "Outcome", "exit_code_for", "exit_code_of"]


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # an unexpected failure (a bug: please report it)
    USAGE = 2  # wrong command-line usage (click's own code)
    CONFIG = 3  # missing or unsafe configuration
    UNREACHABLE = 4  # no answer from the base: connection refused, DNS, timeout
    AUTH = 5  # wrong login/password or no rights
    NOT_PUBLISHED = 6  # OData or a needed object is not published; object not found
    ONEC_ERROR = 7  # 1C refused: business error, bad query, unsupported
    BAD_RESPONSE = 8  # an answer that is not OData (HTML login page, proxy error)
    PARTIAL = 9  # some rows/items succeeded, some failed
    NOTHING_TO_DO = 10  # nothing new to export or import
    AMBIGUOUS = 11  # a name matched several objects; candidates were listed
    CONFLICT = 12  # the object changed in 1C since it was read
    BAD_INPUT = 13  # invalid input file, row or value
    LOCKED = 14  # another run holds the lock


_MAP: tuple[tuple[type[errors.OnecError], ExitCode], ...] = (
    (errors.ConfigError, ExitCode.CONFIG),
    (errors.PeriodError, ExitCode.USAGE),
    (errors.ValidationError, ExitCode.BAD_INPUT),
    (errors.QueryError, ExitCode.BAD_INPUT),
    (errors.NotPublishedError, ExitCode.NOT_PUBLISHED),
    (errors.LockedError, ExitCode.LOCKED),
    (errors.IncompleteMirrorError, ExitCode.PARTIAL),
    (errors.AmbiguousError, ExitCode.AMBIGUOUS),
    (errors.TransportError, ExitCode.UNREACHABLE),
    (errors.AuthError, ExitCode.AUTH),
    (errors.NotFoundError, ExitCode.NOT_PUBLISHED),
    (errors.ConflictError, ExitCode.CONFLICT),
    (errors.ServerUnavailable, ExitCode.UNREACHABLE),
    (errors.ODataError, ExitCode.ONEC_ERROR),
    (errors.ResponseError, ExitCode.BAD_RESPONSE),
)


def exit_code_for(exc: errors.OnecError) -> ExitCode:
    for cls, code in _MAP:
        if isinstance(exc, cls):
            return code
    return ExitCode.FAILURE


@functools.cache
def _outcomes() -> Mapping[Enum, ExitCode]:
    """What each outcome exits with. ``WriteOutcome.FAILED`` with a cause exits as that error does."""
    from ..counterparties.importer import Outcome as ImportOutcome
    from ..create.batch import Outcome as WriteOutcome
    from ..export.export import Outcome as ExportOutcome

    return {
        ExportOutcome.OK: ExitCode.OK,
        ExportOutcome.PARTIAL: ExitCode.PARTIAL,
        ExportOutcome.NOTHING_NEW: ExitCode.NOTHING_TO_DO,
        WriteOutcome.OK: ExitCode.OK,
        WriteOutcome.PARTIAL: ExitCode.PARTIAL,
        WriteOutcome.NOTHING_TO_DO: ExitCode.NOTHING_TO_DO,
        WriteOutcome.INVALID: ExitCode.BAD_INPUT,
        WriteOutcome.AMBIGUOUS: ExitCode.AMBIGUOUS,
        WriteOutcome.NOT_FOUND: ExitCode.NOT_PUBLISHED,
        WriteOutcome.FAILED: ExitCode.FAILURE,
        ImportOutcome.OK: ExitCode.OK,
        ImportOutcome.PARTIAL: ExitCode.PARTIAL,
        ImportOutcome.NONE_SUCCEEDED: ExitCode.BAD_INPUT,
        ImportOutcome.CONFLICT: ExitCode.CONFLICT,
    }


def __getattr__(name: str) -> Any:
    """``OUTCOMES`` (the table of :func:`_outcomes`) and ``Outcome`` (the union of the outcomes),
    loaded on first use."""
    if name == "OUTCOMES":
        return _outcomes()
    if name == "Outcome":  # the union of the enums the table covers
        return functools.reduce(operator.or_, dict.fromkeys(type(outcome) for outcome in _outcomes()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def exit_code_of(outcome: Outcome, cause: errors.OnecError | None = None) -> ExitCode:
    """The exit code of a result's outcome; a failure with a ``cause`` exits as that error does."""
    table = _outcomes()
    if cause is not None and table[outcome] is ExitCode.FAILURE:  # WriteOutcome.FAILED, the one failure
        return exit_code_for(cause)
    return table[outcome]

"""Exit codes of the ``onec-history`` command, in one place (also listed in README.md)."""

from __future__ import annotations

from enum import IntEnum

from . import errors

__all__ = ["ExitCode", "exit_code_for"]


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

"""Reports for managers (inactive buyers, overdue plans, activity, the funnel) and where they read from.

:mod:`.compute` holds the report logic; :mod:`.sources` the small interface it reads through and its
1C implementation; the mirror's implementation lives with the mirror. :mod:`.layout` lays a report's
rows out for people (1C's words, Russian values, the period) and :mod:`.writers` writes that as CSV
or XLSX::

    rows = overdue(history, now=moment)
    sheet = sheet_for("overdue", rows, Period(moment, None, moment), history.profile.family)
    Path("overdue.xlsx").write_bytes(xlsx_bytes(sheet))
"""

from __future__ import annotations

from .compute import (
    ACTIVITY_COLUMNS,
    FUNNEL_COLUMNS,
    INACTIVE_COLUMNS,
    OVERDUE_COLUMNS,
    Source,
    activity,
    funnel,
    inactive,
    overdue,
)
from .layout import Period, Sheet, sheet_for
from .sources import NEEDS, OneCSource, ReportEvent, ReportSource
from .writers import write_csv, xlsx_bytes

__all__ = [
    "ACTIVITY_COLUMNS",
    "FUNNEL_COLUMNS",
    "INACTIVE_COLUMNS",
    "NEEDS",
    "OVERDUE_COLUMNS",
    "OneCSource",
    "Period",
    "ReportEvent",
    "ReportSource",
    "Sheet",
    "Source",
    "activity",
    "funnel",
    "inactive",
    "overdue",
    "sheet_for",
    "write_csv",
    "xlsx_bytes",
]

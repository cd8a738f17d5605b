"""Reports for managers (inactive buyers, overdue plans, activity, the funnel) and where they read from.

:mod:`.compute` holds the report logic; :mod:`.sources` the small interface it reads through and its
1C implementation; the mirror's implementation lives with the mirror.
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
from .sources import NEEDS, OneCSource, ReportEvent, ReportSource

__all__ = [
    "ACTIVITY_COLUMNS",
    "FUNNEL_COLUMNS",
    "INACTIVE_COLUMNS",
    "NEEDS",
    "OVERDUE_COLUMNS",
    "OneCSource",
    "ReportEvent",
    "ReportSource",
    "Source",
    "activity",
    "funnel",
    "inactive",
    "overdue",
]

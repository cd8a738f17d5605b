"""onec-history: the history of relationships with clients in 1C:Enterprise bases over OData."""

from __future__ import annotations

__version__ = "0.1.0"

"""The demo base's one refusal: what the server answers, as 1C would, whichever part refused."""

from __future__ import annotations


class ODataFault(Exception):
    """A refusal the server answers with 1C's HTTP status, error code (a string) and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

"""The exchanges of a transport, collected as they happen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..transport import Exchange

__all__ = ["Recorded", "Recorder"]


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    status: int
    content_type: str
    body: str
    request_body: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "target": self.target, "status": self.status,
                "content_type": self.content_type, "body": self.body, "request_body": self.request_body}


class Recorder:
    """Collects a transport's exchanges (attach with ``transport.observers.append(recorder)``)."""

    def __init__(self) -> None:
        self.items: list[Recorded] = []
        self.metadata: bytes | None = None

    def __call__(self, ex: Exchange) -> None:
        resp = ex.response
        if ex.target.split("?")[0] == "$metadata":
            self.metadata = resp.content
            return
        self.items.append(Recorded(
            ex.method, ex.target, resp.status, resp.headers.get("Content-Type", ""),
            resp.content.decode("utf-8", errors="replace"),
            ex.request_body.decode("utf-8", errors="replace") if ex.request_body else None,
        ))

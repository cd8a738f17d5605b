"""A recording on disk: saved with personal data replaced, and loaded back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ConfigError, OnecError
from .anonymizer import Anonymizer
from .recorder import Recorded, Recorder
from .rules import NAME_FIELDS, ROOT_PLACEHOLDER, _json

__all__ = ["load_manifest", "load_recording", "save_recording"]


def _deduplicated(items: Sequence[Recorded]) -> list[Recorded]:
    """Drop a repeated request whose answer did not change since the last time it was recorded."""
    last: dict[tuple[str, str], Recorded] = {}
    out: list[Recorded] = []
    for item in items:
        before = last.get((item.method, item.target))
        if before is not None and before == item:
            continue
        last[(item.method, item.target)] = item
        out.append(item)
    return out


def save_recording(recorder: Recorder, out: Path, *, family: str, anonymizer: Anonymizer | None = None,
                   root: str | None = None, manifest: Mapping[str, Any] | None = None) -> int:
    """Write ``recorder`` to ``out`` with personal data replaced; returns the number of exchanges.

    ``root`` is the service root the requests went to: it is replaced by :data:`ROOT_PLACEHOLDER` in
    the bodies. ``manifest`` adds keys to ``manifest.json`` (its strings are rewritten to the fakes).
    """
    if recorder.metadata is None:
        raise OnecError("Nothing was recorded: $metadata was never fetched")
    anon = anonymizer or Anonymizer()
    items = _deduplicated(recorder.items)
    anon.learn_recording(items)
    if root:
        items = [Recorded(i.method, i.target, i.status, i.content_type, i.body.replace(root, ROOT_PLACEHOLDER),
                          i.request_body) for i in items]
    docs = [_json(i.body) for i in items]
    requests = [_json(i.request_body) for i in items]
    docs = [anon.document(i.target, d) if d is not None else None for i, d in zip(items, docs, strict=True)]
    requests = [anon.document(i.target, d) if d is not None else None for i, d in zip(items, requests, strict=True)]
    pattern = anon.originals()
    docs = [anon.finish(d, pattern) if d is not None else None for d in docs]
    requests = [anon.finish(d, pattern) if d is not None else None for d in requests]
    targets = [anon.target(i.target) for i in items]  # after the bodies: filters follow their fakes
    out.mkdir(parents=True, exist_ok=True)
    (out / "metadata.xml").write_bytes(recorder.metadata)
    tmp = out / "exchanges.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        for item, doc, req, target in zip(items, docs, requests, targets, strict=True):
            body = json.dumps(doc, ensure_ascii=False) if doc is not None else anon.scrub(item.body, pattern)
            request_body = (json.dumps(req, ensure_ascii=False) if req is not None
                            else anon.scrub(item.request_body, pattern) if item.request_body else None)
            rec = Recorded(item.method, target, item.status, item.content_type, body, request_body)
            fh.write(json.dumps(rec.as_dict(), ensure_ascii=False) + "\n")
    os.replace(tmp, out / "exchanges.jsonl")
    info: dict[str, Any] = {
        "tool": f"onec-history {__version__}",
        "recorded_at": datetime.now().replace(microsecond=0).isoformat(),
        "family": family,
        "exchanges": len(items),
        "company_names": "kept" if anon.keep_company_names else "replaced",
        "anonymized": sorted(anon.digit_fields | anon.text_fields | NAME_FIELDS),
    }
    info.update(_rewritten(anon, dict(manifest or {})))
    (out / "manifest.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(items)


def _rewritten(anon: Anonymizer, value: Any) -> Any:
    if isinstance(value, str):
        return anon.rewrite(value)
    if isinstance(value, dict):
        return {k: _rewritten(anon, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewritten(anon, v) for v in value]
    return value


def load_recording(directory: Path) -> tuple[bytes, list[Recorded]]:
    """The ``$metadata`` bytes and the exchanges of a recording directory."""
    try:
        metadata = (directory / "metadata.xml").read_bytes()
        lines = (directory / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{directory} is not a recording ({exc.strerror}: {exc.filename})") from None
    return metadata, list(_parse(lines))


def load_manifest(directory: Path) -> dict[str, Any]:
    """``manifest.json`` of a recording ({} when it has none)."""
    try:
        data = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _parse(lines: Iterable[str]) -> Iterator[Recorded]:
    for line in lines:
        if line.strip():
            d = json.loads(line)
            yield Recorded(d["method"], d["target"], int(d["status"]), d["content_type"], d["body"],
                           d.get("request_body"))

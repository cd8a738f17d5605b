"""Family C's subject register: the due date of a planned interaction, written by the client itself.

``Document_ЗапланированноеВзаимодействие`` has no date of its own to say when it is due: its
``Date`` is the moment it was created (the form calls it «Создано»), and the due date is the
resource ``РассмотретьПосле`` of ``InformationRegister_ПредметыПапкиВзаимодействий`` (dimension
``Взаимодействие``; resources ``Предмет``, ``Рассмотрено``, ``РассмотретьПосле``). In the УТ 11
dump that record is written by the interaction's *form* (``Взаимодействия.ПриЗаписиВзаимодействияИзФормы``),
not by the document's ``ПриЗаписи``: a document written over OData gets no record unless the client
writes one. So after creating a planned interaction (and when it is rescheduled) the record is
*ensured*: read by a filter on the dimension, then created (``POST``) when absent, or its
``РассмотретьПосле`` changed (``PATCH`` of the record by its key, the dimension's value and type)
when it holds another date. Reading first makes the write safe to repeat: a re-run, or a retry
after a lost answer, finds the record and writes nothing.

A new record's subject is the basis interaction's subject when the basis has one, else the basis,
else the interaction itself (what the form puts there); ``Рассмотрено`` is false. A record that is
already there keeps its subject and its flag: only the due date is the client's.

The URL key of a register record (``Set(Взаимодействие='…',Взаимодействие_Type='…')``) follows
1C's documented key syntax for independent registers with the composite dimension spelt as its two
properties; it was not checked on a live base (the demo answers it).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .. import family_c
from .. import query as q
from ..client import Client
from ..errors import NotPublishedError, OnecError, ResponseError, ServerUnavailable, TransportError
from ..metadata import EntitySet
from ..models import parse_datetime, parse_ref, set_of_type

__all__ = ["SubjectRegister"]

log = logging.getLogger("onec_history.create")

_DATETIME = "%Y-%m-%dT%H:%M:%S"
_UNKNOWN = (TransportError, ServerUnavailable, ResponseError)


class SubjectRegister:
    """The subject register of one base, if it publishes one that can hold a due date."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.set_name = family_c.SUBJECTS_REGISTER
        self.dim = family_c.REGISTER_DOCUMENT
        self.subject = family_c.REGISTER_SUBJECT
        self.reviewed = family_c.REGISTER_REVIEWED
        self.after = family_c.REGISTER_REVIEW_AFTER

    def _es(self) -> EntitySet | None:
        md = self.client.metadata()
        return md.get(self.set_name) if self.set_name in md else None

    def problem(self) -> str | None:
        """Why this base cannot keep a planned interaction's due date (``None``: it can)."""
        es = self._es()
        if es is None:
            return (f"{self.set_name} is not published: it holds a planned interaction's due date (РассмотретьПосле), "
                    "the document has none of its own; publish it ('onec-history doctor' shows how)")
        if self.dim not in es.composites or self.after not in es.properties:
            return f"{self.set_name} has no {self.dim} or {self.after} in this base's $metadata"
        return None

    # -- reading --------------------------------------------------------------------------------
    def read(self, doc_set: str, ref: str) -> dict[str, Any] | None:
        """The record of interaction ``ref`` (of ``doc_set``), or ``None``."""
        es = self._es()
        if es is None:
            raise NotPublishedError(self.set_name)
        wanted = (*es.key, self.subject, f"{self.subject}_Type", self.reviewed, self.after)
        query = q.Query(filter=q.cast_eq(self.dim, ref, doc_set), select=tuple(p for p in wanted if p in es.properties))
        for row in self.client.iterate(self.set_name, query):
            return dict(row)
        return None

    def due_many(self, doc_set: str, refs: list[str]) -> dict[str, datetime | None]:
        """The due date of each interaction ``refs`` (of ``doc_set``), in a few requests."""
        es = self._es()
        if es is None or not refs:
            return {}
        out: dict[str, datetime | None] = dict.fromkeys(refs)
        terms = [q.cast_eq(self.dim, ref, doc_set) for ref in refs]
        for page in self.client.iter_any(self.set_name, terms, q.Query(select=(self.dim, self.after))):
            for row in page:
                out[str(row.get(self.dim))] = self.due_of(row)
        return out

    def due_of(self, row: Mapping[str, Any] | None) -> datetime | None:
        return None if row is None else parse_datetime(row.get(self.after))

    def subject_of(self, doc_set: str, ref: str) -> tuple[str, str] | None:
        """(set, ref) of the subject interaction ``ref`` has in the register, if any."""
        row = self.read(doc_set, ref)
        if row is None:
            return None
        target, value = set_of_type(row.get(f"{self.subject}_Type")), parse_ref(row.get(self.subject))
        return (target, value) if target and value else None

    # -- writing --------------------------------------------------------------------------------
    def ensure_due(self, doc_set: str, ref: str, due: datetime, *, basis: tuple[str, str] | None = None,
                   attempts: int = 4) -> bool:
        """Make the register say that ``ref`` is due at ``due``; ``True`` when something was written.

        Raises the last :class:`OnecError` when 1C refused, or could not be asked, ``attempts`` times.
        """
        last: OnecError | None = None
        for _ in range(max(1, attempts)):
            try:
                row = self.read(doc_set, ref)
                if row is not None and self.due_of(row) == due.replace(microsecond=0):
                    return False
                if row is None:
                    self.client.create(self.set_name, self._record(doc_set, ref, due, basis))
                else:
                    self._patch(row, {self.after: due.strftime(_DATETIME)})
                return True
            except _UNKNOWN as exc:  # whether it landed is unknown: the next read tells
                last = exc
                log.info("%s: %s; looking again", self.set_name, exc.message)
        assert last is not None
        raise last

    def _record(self, doc_set: str, ref: str, due: datetime, basis: tuple[str, str] | None) -> dict[str, Any]:
        subject: tuple[str, str] = (doc_set, ref)
        if basis is not None:
            subject = self.subject_of(*basis) or basis
        return {self.dim: ref, f"{self.dim}_Type": f"StandardODATA.{doc_set}",
                self.subject: subject[1], f"{self.subject}_Type": f"StandardODATA.{subject[0]}",
                self.reviewed: False, self.after: due.strftime(_DATETIME)}

    def _patch(self, row: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
        es = self._es()
        assert es is not None
        payload = self.client.validate(self.set_name, changes)
        self.client.transport.request("PATCH", f"{self.set_name}({record_key(es, row)})", query=q.Query().render(),
                                      body=_json(payload), idempotent=True)


def record_key(es: EntitySet, row: Mapping[str, Any]) -> str:
    """The URL key of a register record: every key property of ``es`` with its value in ``row``."""
    parts = []
    for name in es.key:
        prop = es.properties.get(name)
        value: Any = row.get(name)
        if prop is not None and prop.edm_type == "Edm.Guid":
            value = uuid.UUID(str(value))
        elif prop is not None and prop.edm_type == "Edm.DateTime":
            value = parse_datetime(value)
        parts.append(f"{name}={q.literal(value)}")
    return ",".join(parts)


def _json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")

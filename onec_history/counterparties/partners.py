"""Family C's indirection: a counterparty belongs to a partner, interactions name the partner or
one of its contact persons (family-c.md, "How the client is linked: by partner").

Everything is read in bulk and kept for the run: a counterparty's partner (one request per
counterparty asked about, or a page of them), a partner's contact persons (one request), the
owner of contact persons met in interactions (a few requests per page of events).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from .. import family_c
from .. import query as q
from ..client import Client
from ..errors import NotPublishedError, ODataError
from ..models import parse_ref
from ..names import NameResolver
from ..profiles import Profile

__all__ = ["Partners"]

log = logging.getLogger("onec_history.partners")


class Partners:
    """The partners of one family-C base and their contact persons, read in bulk and cached."""

    def __init__(self, client: Client, profile: Profile, names: NameResolver) -> None:
        self.client = client
        self.profile = profile
        self.names = names
        self.partner_set = profile.partner_set or ""
        self.person_set = profile.person_set or ""
        self._partner_of: dict[str, str | None] = {}
        self._persons: dict[str, list[str]] = {}
        self._owner: dict[str, str | None] = {}
        self._rows: dict[str, dict[str, Any]] = {}
        self._deals: dict[str, list[str]] = {}
        self.warnings: list[str] = []

    @property
    def partner_attr(self) -> str | None:
        a = self.profile.counterparty_attr("partner")
        return a.prop if a is not None else None

    def _published(self, entity_set: str) -> bool:
        return bool(entity_set) and entity_set in self.client.metadata()

    # -- counterparty → partner ------------------------------------------------------------------
    def partner_of(self, counterparty: str) -> str | None:
        """The partner a counterparty belongs to (``None``: none set, or not published)."""
        self.prefetch_partners([counterparty])
        return self._partner_of.get(counterparty)

    def prefetch_partners(self, counterparties: Iterable[str]) -> None:
        prop = self.partner_attr
        wanted = sorted({c for c in counterparties if c and c not in self._partner_of})
        if not wanted:
            return
        if prop is None:
            self._warn(f"{self.profile.counterparty_set} has no Партнер in this base's $metadata: a "
                       "counterparty's interactions cannot be found (they are tied to partners)")
            self._partner_of.update(dict.fromkeys(wanted))
            return
        for page in self.client.iter_by(self.profile.counterparty_set, "Ref_Key", map(uuid.UUID, wanted),
                                        select=("Ref_Key", prop)):
            for row in page:
                self._partner_of[str(row["Ref_Key"])] = parse_ref(row.get(prop))
        for c in wanted:
            self._partner_of.setdefault(c, None)

    def partner_rows(self, partners: Iterable[str | None]) -> dict[str, dict[str, Any]]:
        """Code, name, main manager and the «client» flag of each partner, in a few requests."""
        wanted = sorted({p for p in partners if p and p not in self._rows})
        if wanted and self._published(self.partner_set):
            es = self.client.entity_set(self.partner_set)
            select = tuple(c for c in ("Ref_Key", "Code", "Description", f"{family_c.PARTNER_MANAGER}_Key",
                                       family_c.PARTNER_IS_CLIENT, "DeletionMark") if c in es.properties)
            try:
                for page in self.client.iter_by(self.partner_set, "Ref_Key", map(uuid.UUID, wanted), select=select):
                    for row in page:
                        ref = str(row["Ref_Key"])
                        self._rows[ref] = row
                        self.names.remember(self.partner_set, ref, str(row.get("Description") or "").strip())
            except ODataError as exc:
                self._warn(f"{self.partner_set}: {exc.message} — partners are shown without their details")
        for p in wanted:
            self._rows.setdefault(p, {})
        return {p: self._rows.get(p, {}) for p in partners if p}

    def deals_of(self, partner: str) -> list[str]:
        """The partner's deals (Catalog_СделкиСКлиентами by its Партнер), one request, kept for the run."""
        if partner in self._deals:
            return self._deals[partner]
        found: list[str] = []
        deals = family_c.DEALS
        if self._published(deals):
            ref = self.client.entity_set(deals).references.get(family_c.PARTNER_ATTR)
            if ref is not None and ref.target_set == self.partner_set:
                try:
                    rows = self.client.iterate(deals, q.Query(
                        filter=q.eq(f"{family_c.PARTNER_ATTR}_Key", uuid.UUID(partner)),
                        select=("Ref_Key", "Description")))
                    for row in rows:
                        found.append(str(row["Ref_Key"]))
                        self.names.remember(deals, str(row["Ref_Key"]), str(row.get("Description") or "").strip())
                except ODataError as exc:
                    self._warn(f"{deals}: {exc.message} — the partner's deals are not shown")
        self._deals[partner] = found
        return found

    def partners_with_code(self, forms: Iterable[str]) -> list[str]:
        """Partners whose code is one of ``forms`` (УТ 11 keeps codes on partners, not counterparties)."""
        if not self._published(self.partner_set) or "Code" not in self.client.entity_set(self.partner_set).properties:
            return []
        flt = q.or_(*(q.eq("Code", f) for f in forms))
        rows = self.client.iterate(self.partner_set, q.Query(filter=flt, select=("Ref_Key",)))
        return [str(r["Ref_Key"]) for r in rows]

    def remember_partner(self, counterparty: str, partner: str | None) -> None:
        self._partner_of[counterparty] = partner

    # -- partner → contact persons --------------------------------------------------------------
    def persons_of(self, partner: str) -> list[str]:
        """The partner's contact persons (deletion-marked ones too: old interactions name them)."""
        if partner in self._persons:
            return self._persons[partner]
        found: list[str] = []
        if self._published(self.person_set):
            es = self.client.entity_set(self.person_set)
            select = tuple(p for p in ("Ref_Key", "Description", "Owner_Key") if p in es.properties)
            if "Owner_Key" in es.properties:
                try:
                    rows = self.client.iterate(self.person_set, q.Query(
                        filter=q.eq("Owner_Key", uuid.UUID(partner)), select=select))
                    for row in rows:
                        ref = str(row["Ref_Key"])
                        found.append(ref)
                        self._owner[ref] = partner
                        if "Description" in row:
                            self.names.remember(self.person_set, ref, str(row.get("Description") or "").strip())
                except ODataError as exc:
                    self._warn(f"{self.person_set}: {exc.message} — interactions with the partner's contact "
                               "persons are not shown")
        else:
            self._warn(f"{self.person_set or 'the contact persons catalog'} is not published: interactions "
                       "with the partner's contact persons are not shown")
        self._persons[partner] = found
        return found

    def targets(self, counterparty: str) -> list[tuple[str, str]]:
        """(reference, catalog) pairs an interaction of this counterparty names: its partner and
        the partner's contact persons. Empty when the counterparty has no partner."""
        partner = self.partner_of(counterparty)
        if partner is None:
            self._warn(f"the counterparty {counterparty} has no partner (Партнер is empty): it has no "
                       "interactions in this base")
            return []
        return self.partner_targets(partner)

    def partner_targets(self, partner: str) -> list[tuple[str, str]]:
        return [(partner, self.partner_set), *((p, self.person_set) for p in self.persons_of(partner))]

    # -- contact person → partner --------------------------------------------------------------
    def owners(self, persons: Iterable[str]) -> dict[str, str | None]:
        """The partner of each contact person (a few requests for all unknown ones)."""
        wanted = sorted({p for p in persons if p and p not in self._owner})
        if wanted and self._published(self.person_set):
            try:
                for page in self.client.iter_by(self.person_set, "Ref_Key", map(uuid.UUID, wanted),
                                                select=("Ref_Key", "Owner_Key", "Description")):
                    for row in page:
                        ref = str(row["Ref_Key"])
                        self._owner[ref] = parse_ref(row.get("Owner_Key"))
                        self.names.remember(self.person_set, ref, str(row.get("Description") or "").strip())
            except (NotPublishedError, ODataError) as exc:
                self._warn(f"{self.person_set}: {exc.message} — contact persons are shown without their partner")
        for p in wanted:
            self._owner.setdefault(p, None)
        return {p: self._owner.get(p) for p in persons}

    def preload_owners(self, page_size: int = 5000) -> bool:
        """Read every contact person's partner (and name) in one narrow paged pass: cheaper than
        :meth:`owners` by key when most persons will be asked about (an export of a whole period).
        False when the catalog cannot be read so (the persons are then asked for by key)."""
        if not self._published(self.person_set):
            return False
        props = self.client.entity_set(self.person_set).properties
        if "Owner_Key" not in props:
            return False
        select = tuple(p for p in ("Ref_Key", "Owner_Key", "Description") if p in props)
        try:
            for row in self.client.iterate(self.person_set, q.Query(select=select, orderby=("Ref_Key",)),
                                           page_size=page_size):
                ref = str(row["Ref_Key"])
                self._owner[ref] = parse_ref(row.get("Owner_Key"))
                if "Description" in row:
                    self.names.remember(self.person_set, ref, str(row.get("Description") or "").strip())
        except (NotPublishedError, ODataError) as exc:
            self._warn(f"{self.person_set}: {exc.message} — contact persons' partners are read by key")
            return False
        return True

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            log.warning("%s", message)
            self.warnings.append(message)

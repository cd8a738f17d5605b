"""Finding counterparties the way 1C's quick search does, with each platform's fallbacks.

Names are searched by their beginning (``startswith``, else ``like``, else ``substringof`` with
the prefix checked here — whichever the platform accepts, remembered per base), then by a word
beginning with the text: real names carry a legal form in front («ООО Ромашка»), so "Ром" must
find them too. :meth:`CounterpartySearch.find` turns one spec (:mod:`.specs`) into exactly one
counterparty or an error listing the candidates.
"""

from __future__ import annotations

import itertools
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from .. import family_c
from .. import query as q
from ..base import Base
from ..documents import padded_forms
from ..errors import AmbiguousError, BadQueryError, ConfigError, NoMatchError, OnecError, UnsupportedError
from ..models import Counterparty, parse_ref
from .specs import Spec

__all__ = ["CounterpartySearch"]

log = logging.getLogger("onec_history.counterparties")

_SEARCH_ORDER = ("startswith", "like", "substringof")
_WORD_SPLIT = re.compile(r"[\s\"'«»“”„()\-.,]+")


class CounterpartySearch:
    """Searches one base's counterparties (the catalogue of its profile)."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.client = base.client
        self.profile = base.profile
        self.mapper = base.counterparty_mapper()
        self._code_model: str | None = None

    # -- one ------------------------------------------------------------------------------------
    def get(self, ref: str) -> Counterparty:
        return self.mapper.map(self.client.get(self.profile.counterparty_set, ref, select=self.mapper.select()))

    def find(self, raw: str) -> Counterparty:
        """One counterparty from a reference, ИНН, code or name prefix (see :mod:`.specs`);
        several matches are an :class:`AmbiguousError` listing them."""
        spec = Spec.parse(raw)
        if spec.problem:
            raise NoMatchError(spec.problem, hint="Give a name, a code, an ИНН or a reference.")
        for stage in spec.stages:
            if stage == "ref":
                return self.get(spec.text)
            if stage in ("inn", "code"):
                found = list(self.search(inn=spec.text, limit=20) if stage == "inn"
                             else self.search(code=spec.text, limit=20))
                if found:
                    return _one(spec.text, found)
                continue
            found = list(self.search(spec.text, limit=50))
            exact = [c for c in found if c.name.casefold() == spec.text.casefold()]
            if found:
                return _one(spec.text, exact or found)
            break
        raise NoMatchError(f"No counterparty matches '{spec.text}'",
                           hint="Search with 'onec-history counterparties search TEXT'.")

    # -- many -----------------------------------------------------------------------------------
    def search(self, text: str | None = None, *, substring: bool = False, inn: str | None = None,
               code: str | None = None, group: str | None = None, buyers_only: bool = False,
               folders: bool = False, limit: int | None = None) -> Iterator[Counterparty]:
        """Counterparties by the beginning of the name (the 1C way), a substring, ИНН or code.

        At most ``limit`` of them (``None``: all), however many folders ``group`` spans.
        """
        if self.profile.documents and group:
            raise ConfigError("Counterparties of this base have no groups (УТ 11 / КА 2 / ERP keep hierarchy on "
                              "partners, Catalog_Партнеры)",
                              hint="Search by the name, the ИНН or the partner's code (--code) instead of --group.")
        clients_only = bool(self.profile.documents and buyers_only)
        found = self._search(text, substring=substring, base=self._conditions(inn, code, buyers_only, folders),
                             group=group, limit=None if clients_only else limit)
        if clients_only:  # the partner's flag is read after the search: the limit counts what passes it
            found = self._clients_only(found)
        return found if limit is None else itertools.islice(found, max(limit, 0))

    def _clients_only(self, found: Iterator[Counterparty]) -> Iterator[Counterparty]:
        """Family C: «buyer» is the partner's Клиент flag, read for a page of counterparties at a time."""
        partners = self.base.partners
        while batch := list(itertools.islice(found, self.client.page_size)):
            rows = partners.partner_rows([c.partner for c in batch])
            yield from (c for c in batch if c.partner and rows.get(c.partner, {}).get(family_c.PARTNER_IS_CLIENT))

    def _conditions(self, inn: str | None, code: str | None, buyers_only: bool, folders: bool) -> q.Filter | None:
        p = self.profile
        conds: list[q.Filter | None] = []
        if not folders and "IsFolder" in p.counterparty_es().properties:
            conds.append(q.eq("IsFolder", False))
        if inn:
            conds.append(q.eq(self._prop("inn"), inn.strip()))
        if code and p.documents and p.counterparty_attr("code") is None:
            conds.append(self._partner_code(code.strip()))
        elif code:
            prop = self._prop("code")
            conds.append(q.or_(*(q.eq(prop, form) for form in padded_forms(code.strip(), self._model_code(prop)))))
        if buyers_only and p.counterparty_attr("buyer") is not None:
            conds.append(q.eq(self._prop("buyer"), True))
        return q.and_(*conds) if any(conds) else None

    def _search(self, text: str | None, *, substring: bool, base: q.Filter | None, group: str | None,
                limit: int | None) -> Iterator[Counterparty]:
        groups: list[q.Filter | None] = [None]
        if group:
            terms = [q.eq("Parent_Key", r) for r in sorted(self.group_with_subfolders(group))]
            groups = list(q.split_or(terms, budget=900))
        name = self.profile.counterparty_fields()["name"] or "Description"
        for gfilter in groups:
            flt = q.and_(base, gfilter) if (base or gfilter) else None
            if text and not substring:
                yield from self._quick(flt, name, text, limit)
            else:
                if text:
                    flt = q.and_(flt, q.substringof(text, name))
                query = q.Query(filter=flt, select=self.mapper.select(), orderby=(name,), top=limit)
                yield from (self.mapper.map(r) for r in self.client.iterate(self.profile.counterparty_set, query))

    def _partner_code(self, code: str) -> q.Filter:
        """Family C: a code is the partner's (НФ-00000012); its counterparties are the answer."""
        partners = self.base.partners
        forms = [code]
        if partners.partner_set in self.client.metadata():
            row = next(iter(self.client.iterate(partners.partner_set, q.Query(
                filter=q.ne("Code", ""), select=("Ref_Key", "Code"), orderby=("Code desc",), top=1))), None)
            forms = padded_forms(code, str(row.get("Code") or "") if row else "")
        refs = partners.partners_with_code(forms)
        prop = partners.partner_attr
        if not refs or prop is None:
            return q.eq("Ref_Key", uuid.UUID(int=0))  # no partner has that code: nothing matches
        return q.or_(*(q.eq(prop, uuid.UUID(r)) for r in refs))

    def _model_code(self, prop: str) -> str:
        """A code of this catalogue as 1C made it (its width and prefix), read once."""
        if self._code_model is None:
            query = q.Query(filter=q.ne(prop, ""), select=("Ref_Key", prop), orderby=(f"{prop} desc",), top=1)
            row = next(iter(self.client.iterate(self.profile.counterparty_set, query)), None)
            self._code_model = str(row.get(prop) or "") if row else ""
        return self._code_model

    def _prop(self, logical: str) -> str:
        a = self.profile.counterparty_attr(logical)
        if a is None:
            raise ConfigError(f"This base has no counterparty attribute for '{logical}'",
                              hint="Map it in the config file's [profile.counterparty] table.")
        return a.prop

    def _quick(self, base: q.Filter | None, name: str, text: str, limit: int | None) -> Iterator[Counterparty]:
        """Names beginning with ``text`` first, then names with a word beginning with it."""
        seen: set[str] = set()
        for row in self._prefix_rows(base, name, text):
            seen.add(str(row["Ref_Key"]))
            yield self.mapper.map(row)
            if limit is not None and len(seen) >= limit:
                return
        query = q.Query(filter=q.and_(base, q.substringof(text, name)), select=self.mapper.select(), orderby=(name,))
        try:
            for row in self.client.iterate(self.profile.counterparty_set, query):
                cp = self.mapper.map(row)
                if cp.ref in seen or not _word_starts(cp.name, text):
                    continue
                seen.add(cp.ref)
                yield cp
                if limit is not None and len(seen) >= limit:
                    return
        except (BadQueryError, UnsupportedError) as exc:
            log.info("the platform rejected substringof(): %s; only name prefixes were searched", exc.message)

    def _prefix_rows(self, base: q.Filter | None, name: str, text: str) -> Iterator[dict[str, Any]]:
        """Names beginning with ``text``, with the platform's fallbacks: startswith → like → substringof."""
        order = list(_SEARCH_ORDER)
        remembered = self.base.remembered_search()
        if remembered in order:
            order.remove(remembered)
            order.insert(0, remembered)
        last_exc: OnecError | None = None
        for fn in order:
            query = q.Query(filter=q.and_(base, _prefix_filter(fn, name, text)), select=self.mapper.select(),
                            orderby=(name,))
            rows = self.client.iterate(self.profile.counterparty_set, query)
            try:
                first = next(rows, None)
            except (BadQueryError, UnsupportedError) as exc:
                log.info("the platform rejected %s(): %s; falling back", fn, exc.message)
                last_exc = exc
                continue
            if fn != remembered:
                self.base.remember_search(fn)
            if first is None:
                return
            for row in itertools.chain((first,), rows):
                # substringof (the last fallback) also matches inside the name: keep true prefixes only
                if fn != "substringof" or str(row.get(name) or "").casefold().startswith(text.casefold()):
                    yield row
            return
        assert last_exc is not None
        raise last_exc

    # -- folders and names ------------------------------------------------------------------------
    def group_with_subfolders(self, group: str) -> set[str]:
        """The folder named (or referenced by) ``group`` and every folder below it, in one pass."""
        folders = {
            str(r["Ref_Key"]): (parse_ref(r.get("Parent_Key")), str(r.get("Description") or "").strip())
            for r in self.client.iterate(
                self.profile.counterparty_set,
                q.Query(filter=q.eq("IsFolder", True), select=("Ref_Key", "Parent_Key", "Description")),
            )
        }
        roots = {ref for ref, (_, name) in folders.items() if name.casefold() == group.strip().casefold()}
        if not roots and group in folders:
            roots = {group}
        if not roots:
            raise NoMatchError(
                f"No group of counterparties is named '{group}'",
                hint="Folder names are matched whole; list them with 'counterparties search --folders'.",
            )
        children: dict[str | None, list[str]] = {}
        for ref, (parent, _) in folders.items():
            children.setdefault(parent, []).append(ref)
        out, stack = set(), list(roots)
        while stack:
            ref = stack.pop()
            if ref not in out:
                out.add(ref)
                stack.extend(children.get(ref, ()))
        return out

    def with_names(self, items: Iterable[Counterparty]) -> list[Counterparty]:
        """The counterparties with their group's and manager's names, in one bulk lookup per catalogue."""
        items = list(items)
        cps, users = self.profile.counterparty_set, self.profile.users_set
        names = self.base.names
        if self.profile.documents:  # family C: the code, the manager live on the partner
            items = self._partner_details(items)
        names.prefetch([(cps, c.parent) for c in items] + [(users, c.manager) for c in items])
        return [c.model_copy(update={"parent_name": names.name(cps, c.parent),
                                     "manager_name": names.name(users, c.manager)}) for c in items]

    def _partner_details(self, items: list[Counterparty]) -> list[Counterparty]:
        rows = self.base.partners.partner_rows([c.partner for c in items])
        manager = f"{family_c.PARTNER_MANAGER}_Key"
        out = []
        for c in items:
            row = rows.get(c.partner or "", {})
            out.append(c.model_copy(update={
                "partner_name": str(row.get("Description") or "").strip() or None,
                "partner_code": str(row.get("Code") or "").strip() or None,
                "code": c.code or str(row.get("Code") or "").strip() or None,
                "manager": c.manager or parse_ref(row.get(manager)),
                "buyer": c.buyer if c.buyer is not None else row.get(family_c.PARTNER_IS_CLIENT),
            }))
        return out


def _prefix_filter(fn: str, name: str, text: str) -> q.Filter:
    if fn == "startswith":
        return q.startswith(name, text)
    if fn == "like":
        return q.like(name, q.like_escape(text) + "%")
    return q.substringof(text, name)


def _one(spec: str, found: list[Counterparty]) -> Counterparty:
    if len(found) == 1:
        return found[0]
    raise AmbiguousError(f"'{spec}' matches {len(found)} counterparties", candidates=found,
                         choices=[f"{c.name} (код {c.code}, ИНН {c.inn or '—'})" for c in found],
                         hint="Give more of the name, the code, the ИНН or the reference.")


def _word_starts(name: str, text: str) -> bool:
    """Does a word of ``name`` (after a legal form or a quote) begin with ``text``?"""
    needle = text.casefold()
    folded = name.casefold()
    return folded.startswith(needle) or any(folded[m.end():].startswith(needle) for m in _WORD_SPLIT.finditer(folded))

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import unquote

import pytest

from onec_history import query as q
from onec_history.errors import QueryError

G = "4f0c3e2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ромашка", "'Ромашка'"),
        ("Ромашка & Ко's +#1", "'Ромашка & Ко''s +#1'"),
        ("''", "''''''"),
        ("", "''"),
        ("100%", "'100%'"),
        ("a_b[c]", "'a_b[c]'"),
        ("line1\nline2", "'line1\nline2'"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (-42, "-42"),
        (12.5, "12.5"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
        (Decimal("1E+3"), "1000"),
        (Decimal("12.3400"), "12.34"),
        (uuid.UUID(G), f"guid'{G}'"),
        (datetime(2024, 1, 31, 9, 5, 7), "datetime'2024-01-31T09:05:07'"),
        (datetime(1, 1, 1), "datetime'0001-01-01T00:00:00'"),
        (date(2024, 2, 29), "datetime'2024-02-29T00:00:00'"),
    ],
)
def test_literal(value: object, expected: str) -> None:
    assert q.literal(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), object(), b"bytes"])
def test_literal_rejects(bad: object) -> None:
    with pytest.raises(QueryError):
        q.literal(bad)


def test_aware_datetime_needs_server_timezone() -> None:
    aware = datetime(2024, 1, 31, 9, 0, tzinfo=timezone.utc)
    with pytest.raises(QueryError, match="time zone"):
        q.literal(aware)
    msk = timezone(timedelta(hours=3))
    assert q.literal(aware, server_tz=msk) == "datetime'2024-01-31T12:00:00'"


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (q.eq("Description", "O'Neil"), "Description eq 'O''Neil'"),
        (q.ne("Posted", True), "Posted ne true"),
        (q.ge("Date", datetime(2024, 1, 1)) & q.lt("Date", datetime(2024, 2, 1)),
         "Date ge datetime'2024-01-01T00:00:00' and Date lt datetime'2024-02-01T00:00:00'"),
        (q.eq("A", 1) | q.eq("B", 2) & q.eq("C", 3), "A eq 1 or (B eq 2 and C eq 3)"),
        ((q.eq("A", 1) | q.eq("B", 2)) & q.eq("C", 3), "(A eq 1 or B eq 2) and C eq 3"),
        (~q.eq("DeletionMark", True), "not (DeletionMark eq true)"),
        (q.startswith("Description", "Ром"), "startswith(Description,'Ром')"),
        (q.substringof("ашк", "Description"), "substringof('ашк',Description)"),
        (q.endswith("ИНН", "01"), "endswith(ИНН,'01')"),
        (q.like("Description", q.like_escape("50%_[x") + "%"), "like(Description,'50[%][_][[]x%')"),
        (q.cast_eq("Основание", G, "StandardODATA.Document_Событие"),
         f"Основание eq cast(guid'{G}','Document_Событие')"),
        (q.isof("Основание", "Document_ЗаказПокупателя"), "isof(Основание,'Document_ЗаказПокупателя')"),
        (q.any_("Участники", "d", q.eq("d/Контакт", "x")), "Участники/any(d: d/Контакт eq 'x')"),
        (q.all_("Товары", "t", q.gt("t/Цена", 10)), "Товары/all(t: t/Цена gt 10)"),
        (q.eq("Контрагент/Description", "x"), "Контрагент/Description eq 'x'"),
        (q.and_(None, q.eq("A", 1), None), "A eq 1"),
    ],
)
def test_filters(built: q.Filter, expected: str) -> None:
    assert built.text == expected


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a)or(1", "x' or '1", "a//b", "a/", "Ref_Key eq"])
def test_field_names_are_checked(name: str) -> None:
    with pytest.raises(QueryError):
        q.eq(name, 1)


def test_guid_rejects_non_uuid() -> None:
    with pytest.raises(QueryError):
        q.guid("') or ('1")


def test_render_encodes_like_1c_needs() -> None:
    query = q.Query(
        filter=q.eq("Description", "Ромашка & Ко's +#1 100%"),
        select=("Ref_Key", "Description"),
        orderby=("Date desc", "Ref_Key"),
        top=10,
        skip=20,
        allowed_only=True,
    )
    text = query.render()
    assert text.startswith("$format=json&$filter=")
    assert "+" not in text and " " not in text and "#" not in text
    assert "%20" in text
    assert "%26" in text and "%2B" in text and "%23" in text and "%25" in text
    assert "%D0%A0%D0%BE%D0%BC" in text  # UTF-8 "Ром"
    assert "''s" in text
    # every parameter separated by a raw '&' only
    keys = [part.split("=", 1)[0] for part in text.split("&")]
    assert keys == ["$format", "$filter", "$select", "$orderby", "$top", "$skip", "allowedOnly"]
    decoded = dict(part.split("=", 1) for part in text.split("&"))
    assert unquote(decoded["$filter"]) == "Description eq 'Ромашка & Ко''s +#1 100%'"
    assert unquote(decoded["$orderby"]) == "Date desc,Ref_Key"


def test_render_select_double_star_and_newline() -> None:
    text = q.Query(select=("**",), filter=q.eq("Комментарий", "a\nb")).render()
    assert "$select=**" in text
    assert "%0A" in text


def test_orderby_validation() -> None:
    with pytest.raises(QueryError):
        q.Query(orderby=("Date sideways",)).render()
    with pytest.raises(QueryError):
        q.Query(top=-1).render()


def test_split_or_respects_budget() -> None:
    keys = [uuid.UUID(int=i) for i in range(200)]
    terms = [q.eq("Ref_Key", k) for k in keys]
    groups = list(q.split_or(terms, budget=1500, overhead=100))
    assert len(groups) > 1
    rendered = [q.encode(g.text) for g in groups]
    assert all(len(r) <= 1400 for r in rendered)
    # nothing lost, nothing repeated, order kept
    seen = [t for g in groups for t in g.text.split(" or ")]
    assert seen == [t.text for t in terms]


def test_split_or_single_term_too_long() -> None:
    with pytest.raises(QueryError):
        list(q.split_or([q.eq("Description", "x" * 2000)], budget=1500))


def test_where_combines() -> None:
    base = q.Query(filter=q.eq("A", 1))
    assert base.where(q.eq("B", 2)).filter == q.Filter("A eq 1 and B eq 2", "and")
    assert base.where(None) is base

"""Response bodies in 1C's two formats: JSON (``$format=json``) and the default Atom XML.

Shapes follow /work/shared/reference/samples/: properties in $metadata order, tabular sections
inline (JSON rows carry Ref_Key and LineNumber as a string), ``X@navigationLinkUrl`` keys after
the properties, Atom ``m:properties`` with ``d:`` elements and no ``m:type`` on primitives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from onec_history.demo.schema import NAMESPACE, Schema, Table, type_columns
from onec_history.demo.store import Row, to_json

_ATOM = "http://www.w3.org/2005/Atom"
_D = "http://schemas.microsoft.com/ado/2007/08/dataservices"
_M = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_SCHEME = "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"
_RELATED = "http://schemas.microsoft.com/ado/2007/08/dataservices/related/"

JSON_TYPE = "application/json;charset=utf-8"
FEED_TYPE = "application/atom+xml;type=feed;charset=utf-8"
ENTRY_TYPE = "application/atom+xml;type=entry;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"

Sections = Mapping[str, Mapping[str, list[Row]]]  # section -> Ref_Key -> rows


def entity_path(table: Table, row: Row) -> str:
    if "Ref_Key" not in table.key:  # a register record: keyed by its dimensions
        parts = [f"{k}=guid'{row[k]}'" if k.endswith("_Key") else f"{k}='{row[k]}'" for k in table.key]
        return f"{table.set_name}({','.join(parts)})"
    if table.owner is not None:
        return f"{table.set_name}(Ref_Key=guid'{row['Ref_Key']}',LineNumber={row['LineNumber']})"
    return f"{table.set_name}(guid'{row['Ref_Key']}')"


def _ordered(table: Table, names: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Selected names split into plain columns, sections and ``X_Type`` halves, each in 1C's order.

    ``Товары/Цена`` in $select selects the section with only that field (see section_fields).
    """
    wanted = set(names) | {n.split("/", 1)[0] for n in names if "/" in n}
    types = type_columns(table)
    plain = [c for c in table.columns if c in names and c not in types]
    sections = [s for s in table.tabular if s in wanted]
    halves = [c for c in table.columns if c in names and c in types]
    return plain, sections, halves


def section_fields(names: list[str], section: str) -> set[str] | None:
    """Fields of ``section`` named as ``section/field`` in $select; None = the whole row."""
    if section in names:
        return None
    fields = {n.split("/", 1)[1] for n in names if n.startswith(section + "/")}
    return None if "*" in fields or "**" in fields else fields | {"LineNumber"}


# --- JSON ---------------------------------------------------------------------------------------------


def _row_json(table: Table, row: Row, fields: set[str] | None = None) -> dict[str, Any]:
    types = type_columns(table)
    order = [n for n in table.columns if n not in types] + [n for n in table.columns if n in types]
    return {n: to_json(table.columns[n], row[n]) for n in order if fields is None or n in fields}


def entity_json(
    schema: Schema, table: Table, row: Row, names: list[str], sections: Sections, *, links: bool
) -> dict[str, Any]:
    plain, section_names, halves = _ordered(table, names)
    out: dict[str, Any] = {n: to_json(table.columns[n], row[n]) for n in plain}
    for section in section_names:
        ts = schema.tables[table.tabular[section]]
        fields = section_fields(names, section)
        out[section] = [_row_json(ts, r, fields) for r in sections.get(section, {}).get(str(row["Ref_Key"]), [])]
    out.update((n, to_json(table.columns[n], row[n])) for n in halves)
    if links:
        path = entity_path(table, row)
        for nav in table.navigations.values():
            if nav.key_column in out:
                out[f"{nav.name}@navigationLinkUrl"] = f"{path}/{nav.name}"
    return out


def dumps(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=None).encode("utf-8")


def collection_json(
    root: str,
    schema: Schema,
    table: Table,
    rows: list[Row],
    names: list[str],
    sections: Sections,
    *,
    count: int | None,
    metadata: bool,
) -> bytes:
    doc: dict[str, Any] = {}
    if metadata:
        doc["odata.metadata"] = f"{root}$metadata#{table.set_name}"
    if count is not None:
        doc["odata.count"] = str(count)  # a string, as 1C sends it (odata-1c.md §1)
    doc["value"] = [entity_json(schema, table, r, names, sections, links=metadata) for r in rows]
    return dumps(doc)


def single_json(
    root: str, schema: Schema, table: Table, row: Row, names: list[str], sections: Sections, *, metadata: bool
) -> bytes:
    doc: dict[str, Any] = {}
    if metadata:
        doc["odata.metadata"] = f"{root}$metadata#{table.set_name}/@Element"
    doc.update(entity_json(schema, table, row, names, sections, links=metadata))
    return dumps(doc)


def error_json(code: str, message: str) -> bytes:
    return dumps({"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}})


def service_json(root: str, schema: Schema) -> bytes:
    sets = [{"name": n, "url": n} for n in schema.tables]
    return dumps({"odata.metadata": f"{root}$metadata", "value": sets})


# --- Atom ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _prop(name: str, value: Any) -> str:
    text = _text(value)
    return f"<d:{name}>{text}</d:{name}>" if text else f"<d:{name}/>"


def _section_atom(owner: Table, section: str, ts: Table, rows: list[Row], fields: set[str] | None) -> str:
    row_type = f"{NAMESPACE}.{owner.set_name}_{section}_RowType"
    if not rows:
        return f'<d:{section} m:type="Collection({row_type})"/>'
    parts = [f'<d:{section} m:type="Collection({row_type})">']
    for row in rows:
        values = _row_json(ts, row, fields)
        values.pop("Ref_Key", None)  # the Atom sample's rows carry no owner key
        parts.append(
            f'<d:element m:type="{row_type}">' + "".join(_prop(k, v) for k, v in values.items()) + "</d:element>"
        )
    parts.append(f"</d:{section}>")
    return "".join(parts)


def entry_atom(
    root: str, schema: Schema, table: Table, row: Row, names: list[str], sections: Sections, updated: str
) -> str:
    path = entity_path(table, row)
    parts = [
        f"<entry><id>{escape(root + path)}</id>",
        f'<category term="{NAMESPACE}.{table.set_name}" scheme="{_SCHEME}"/>',
        f'<title type="text"/><updated>{updated}</updated><author/><summary/>',
    ]
    plain, section_names, halves = _ordered(table, names)
    for nav in table.navigations.values():
        if nav.key_column in plain:
            parts.append(
                f"<link rel={quoteattr(_RELATED + nav.name)} href={quoteattr(path + '/' + nav.name)} "
                f'type="{ENTRY_TYPE}" title={quoteattr(nav.name)}/>'
            )
    parts.append(f'<link rel="edit" href={quoteattr(path)} title="edit-link"/>')
    parts.append(f'<content type="application/xml"><m:properties xmlns:d="{_D}" xmlns:m="{_M}">')
    parts += [_prop(n, to_json(table.columns[n], row[n])) for n in plain]
    for section in section_names:
        ts = schema.tables[table.tabular[section]]
        rows = sections.get(section, {}).get(str(row["Ref_Key"]), [])
        parts.append(_section_atom(table, section, ts, rows, section_fields(names, section)))
    parts += [_prop(n, to_json(table.columns[n], row[n])) for n in halves]
    parts.append("</m:properties></content></entry>")
    return "".join(parts)


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


def _head(root: str, element: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{element} xmlns="{_ATOM}" xmlns:d="{_D}" '
        f'xmlns:m="{_M}" xml:base={quoteattr(root)}>'
    )


def feed_atom(
    root: str, schema: Schema, table: Table, rows: list[Row], names: list[str], sections: Sections, *, count: int | None
) -> bytes:
    updated = _now()
    parts = [
        _head(root, "feed"),
        f"<id>{escape(root + table.set_name)}</id>",
        f'<title type="text">{escape(table.set_name)}</title><updated>{updated}</updated><author/>',
        f'<link rel="self" href={quoteattr(table.set_name)} title={quoteattr(table.set_name)}/>',
    ]
    if count is not None:
        parts.append(f"<m:count>{count}</m:count>")
    parts += [entry_atom(root, schema, table, r, names, sections, updated) for r in rows]
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def single_atom(root: str, schema: Schema, table: Table, row: Row, names: list[str], sections: Sections) -> bytes:
    entry = entry_atom(root, schema, table, row, names, sections, _now())
    head = _head(root, "entry")
    return (head + entry[len("<entry>") :]).encode("utf-8")


def error_atom(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<m:error xmlns:m="{_M}"><m:code>{escape(code)}</m:code>'
        f"<m:message>{escape(message)}</m:message></m:error>"
    ).encode()


def service_atom(root: str, schema: Schema) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<service xmlns="http://www.w3.org/2007/app" '
        f'xmlns:atom="{_ATOM}" xml:base={quoteattr(root)}><workspace><atom:title>Default</atom:title>'
    ]
    parts += [
        f"<collection href={quoteattr(n)}><atom:title>{escape(n)}</atom:title></collection>" for n in schema.tables
    ]
    parts.append("</workspace></service>")
    return "".join(parts).encode("utf-8")


# --- what the web server in front says ------------------------------------------------------------------


def iis_page(status: int, title: str, detail: str) -> bytes:
    """An HTML error page of the kind IIS answers (odata-1c.md §2: over-long query string → 404)."""
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\n'
        f"<title>{status} - {escape(title)}</title>\n</head>\n<body>\n"
        f'<div id="header"><h1>Server Error</h1></div>\n<div id="content">\n'
        f'<div class="content-container"><fieldset>\n<h2>{status} - {escape(title)}</h2>\n'
        f"<h3>{escape(detail)}</h3>\n</fieldset></div>\n</div>\n</body>\n</html>\n"
    ).encode("ascii", "xmlcharrefreplace")

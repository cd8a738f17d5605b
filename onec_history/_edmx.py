"""Stream an EDMX document into flat records (private to ``onec_history.metadata``).

One pass of defusedxml ``iterparse``; every schema-level element is read when it closes and
then cleared, so a 16 MB ``$metadata`` never exists in memory as a tree.
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from onec_history import errors

__all__ = ["RawEdmx", "RawType", "collection_item", "local", "read_edmx"]


class RawType:
    """An EntityType or ComplexType: key, properties and navigations, in document order."""

    __slots__ = ("key", "navs", "props")

    def __init__(self) -> None:
        self.key: tuple[str, ...] = ()
        self.props: list[tuple[str, str, bool]] = []  # name, Edm type, nullable
        self.navs: list[tuple[str, str, str, str]] = []  # name, relationship, to-role, v4 Type


class RawEdmx:
    """Everything read from the stream, before entity sets are assembled."""

    def __init__(self) -> None:
        self.namespace = ""
        self.container = ""
        self.entity_types: dict[str, RawType] = {}
        self.complex_types: dict[str, RawType] = {}
        self.enums: dict[str, tuple[str, ...]] = {}
        self.associations: dict[str, dict[str, str]] = {}  # name -> role -> end type
        self.sets: list[tuple[str, str]] = []  # set name, entity type (local name)
        self.bound: list[tuple[str, str, str]] = []  # operation, "type"|"set", bound type or set


def local(name: str) -> str:
    """``{ns}Tag`` or ``NS.Name`` -> ``Tag`` / ``Name`` (1C names never contain dots or braces)."""
    return name[max(name.rfind("}"), name.rfind(".")) + 1 :]


def collection_item(type_name: str) -> str | None:
    if type_name.startswith("Collection(") and type_name.endswith(")"):
        return type_name[len("Collection(") : -1]
    return None


def _read_structured(elem: Element) -> RawType:
    raw = RawType()
    for child in elem:
        tag = local(child.tag)
        attrib = child.attrib
        if tag == "Property":
            name = attrib.get("Name")
            if name:
                # CSDL: Nullable defaults to true; 1C always writes it out.
                nullable = attrib.get("Nullable", "true").lower() != "false"
                raw.props.append((name, attrib.get("Type", ""), nullable))
        elif tag == "NavigationProperty":
            nav = (attrib.get("Relationship", ""), attrib.get("ToRole", ""), attrib.get("Type", ""))
            raw.navs.append((attrib.get("Name", ""), *nav))
        elif tag == "Key":
            raw.key = tuple(ref.get("Name", "") for ref in child if local(ref.tag) == "PropertyRef")
    return raw


def _read_operation(elem: Element, raw: RawEdmx) -> None:
    """A bound FunctionImport (v3, how 1C writes it) or a bound v4 Action/Function."""
    name = elem.get("Name", "")
    path = elem.get("EntitySetPath")
    if path:
        raw.bound.append((name, "set", path))
    bindable = (elem.get("IsBindable") or elem.get("IsBound") or "").lower() == "true"
    params = [p for p in elem if local(p.tag) == "Parameter"]
    if not bindable or not params:
        return
    # 1C names the binding parameter "bindingParameter" and sets no EntitySet (odata1c-gate P4 probe).
    binding = next((p for p in params if p.get("Name") == "bindingParameter"), params[0])
    raw.bound.append((name, "type", local(binding.get("Type", ""))))


def _head(data: bytes) -> bytes:
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()


def _not_edmx(data: bytes, root: str | None) -> errors.ResponseError:
    head = _head(data)
    if not head:
        what = "an empty body"
    elif head.startswith(b"<!doctype html") or b"<html" in head:
        what = "an HTML page (a login page, a proxy error, or OData not published)"
    elif head[:1] in (b"{", b"["):
        what = "JSON"
    elif root in ("feed", "entry"):
        what = "an Atom feed"
    elif root:
        what = f"an XML document with root <{root}>"
    else:
        what = "something that is not XML"
    return errors.ResponseError(
        f"Expected the EDMX $metadata document but got {what}",
        hint="Check that the base URL ends in /odata/standard.odata/ and that OData is published.",
    )


def _scan(data: bytes) -> RawEdmx:
    raw = RawEdmx()
    schema: Element | None = None
    container: Element | None = None
    root_seen = False
    for event, elem in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
        tag = local(elem.tag)
        if event == "start":
            if not root_seen:
                root_seen = True
                if tag != "Edmx":
                    raise _not_edmx(data, tag)
            elif tag == "Schema":
                schema = elem
                raw.namespace = raw.namespace or elem.get("Namespace", "")
            elif tag == "EntityContainer":
                container = elem
                raw.container = raw.container or elem.get("Name", "")
            continue
        if tag == "EntitySet":
            raw.sets.append((elem.get("Name", ""), local(elem.get("EntityType", ""))))
        elif tag in ("FunctionImport", "Action", "Function"):
            _read_operation(elem, raw)
        elif tag == "EntityType":
            raw.entity_types[elem.get("Name", "")] = _read_structured(elem)
        elif tag == "ComplexType":
            raw.complex_types[elem.get("Name", "")] = _read_structured(elem)
        elif tag == "EnumType":
            members = tuple(m.get("Name", "") for m in elem if local(m.tag) == "Member")
            # A platform enum (AllowedLength) is declared twice in a live УТ dump (P4 probe).
            raw.enums.setdefault(elem.get("Name", ""), members)
        elif tag == "Association":
            ends = {e.get("Role", ""): local(e.get("Type", "")) for e in elem if local(e.tag) == "End"}
            raw.associations[elem.get("Name", "")] = ends
        else:
            continue
        # Drop what was read: its parent keeps no children, so no tree builds up.
        parent = container if tag in ("EntitySet", "FunctionImport") else schema
        if parent is not None:
            parent.clear()
    if not root_seen:
        raise _not_edmx(data, None)
    return raw


def read_edmx(data: bytes) -> RawEdmx:
    """Read ``data`` as EDMX; ResponseError naming what it is instead (HTML, Atom, JSON, cut off)."""
    head = _head(data)
    if not head.startswith(b"<") or head.startswith(b"<!doctype html") or b"<html" in head:
        raise _not_edmx(data, None)
    try:
        return _scan(data)
    except ParseError as exc:
        raise errors.ResponseError(
            f"The $metadata answer is not well-formed XML ({exc}); the download may have been cut off",
            hint="Run the command again with --refresh; if it repeats, check the web server in front of 1C.",
        ) from exc
    except DefusedXmlException as exc:
        raise errors.ResponseError(f"The $metadata answer uses forbidden XML features ({exc!r})") from exc

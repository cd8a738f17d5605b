"""Stream an EDMX document into flat records (private to ``onec_history.metadata``).

One pass of defusedxml's parser with a target that keeps only what the model needs: no element
tree is ever built, so a 16 MB ``$metadata`` costs little more memory than its result.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, XMLParser

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


class _NotEdmx(Exception):
    def __init__(self, root: str) -> None:
        self.root = root


class _Target:
    """Parser target: a small state machine over the elements 1C writes, the rest ignored."""

    def __init__(self) -> None:
        self.raw = RawEdmx()
        self.names: dict[str, str] = {}
        self.root_seen = False
        self.structured: RawType | None = None  # inside EntityType / ComplexType
        self.in_key = False
        self.members: list[str] | None = None  # inside EnumType
        self.ends: dict[str, str] | None = None  # inside Association
        self.params: list[tuple[str, str]] | None = None  # inside FunctionImport / Action / Function
        self.element: tuple[str, str] = ("", "")  # name and attributes of the open element above

    def _local(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = local(tag)
        return name

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = self._local(tag)
        if name == "Property":
            if self.structured is not None and attrib.get("Name"):
                # CSDL: Nullable defaults to true; 1C always writes it out.
                nullable = attrib.get("Nullable", "true").lower() != "false"
                self.structured.props.append((attrib["Name"], attrib.get("Type", ""), nullable))
        elif name == "PropertyRef":
            if self.structured is not None and self.in_key:
                self.structured.key += (attrib.get("Name", ""),)
        elif name == "NavigationProperty":
            if self.structured is not None:
                nav = (attrib.get("Relationship", ""), attrib.get("ToRole", ""), attrib.get("Type", ""))
                self.structured.navs.append((attrib.get("Name", ""), *nav))
        elif name == "Key":
            self.in_key = True
        elif name in ("EntityType", "ComplexType"):
            self.structured = RawType()
            self.element = (name, attrib.get("Name", ""))
        elif name == "EntitySet":
            self.raw.sets.append((attrib.get("Name", ""), local(attrib.get("EntityType", ""))))
        elif name == "Parameter":
            if self.params is not None:
                self.params.append((attrib.get("Name", ""), attrib.get("Type", "")))
        elif name in ("FunctionImport", "Action", "Function"):
            self._operation(attrib)
        elif name == "Member":
            if self.members is not None:
                self.members.append(attrib.get("Name", ""))
        elif name == "End":
            if self.ends is not None:
                self.ends[attrib.get("Role", "")] = local(attrib.get("Type", ""))
        elif name in ("EnumType", "Association"):
            self.element = (name, attrib.get("Name", ""))
            self.members, self.ends = ([], None) if name == "EnumType" else (None, {})
        elif name == "Schema":
            self.raw.namespace = self.raw.namespace or attrib.get("Namespace", "")
        elif name == "EntityContainer":
            self.raw.container = self.raw.container or attrib.get("Name", "")
        if not self.root_seen:
            self.root_seen = True
            if name != "Edmx":
                raise _NotEdmx(name)

    def _operation(self, attrib: dict[str, str]) -> None:
        """A bound FunctionImport (v3, how 1C writes it) or a bound v4 Action/Function."""
        name = attrib.get("Name", "")
        if attrib.get("EntitySetPath"):
            self.raw.bound.append((name, "set", attrib["EntitySetPath"]))
        bindable = (attrib.get("IsBindable") or attrib.get("IsBound") or "").lower() == "true"
        self.params = [] if bindable else None
        self.element = ("FunctionImport", name)

    def end(self, tag: str) -> None:
        name = self._local(tag)
        element = self.element[1]
        if name == "Key":
            self.in_key = False
        elif name in ("EntityType", "ComplexType") and self.structured is not None:
            target = self.raw.entity_types if name == "EntityType" else self.raw.complex_types
            target[element] = self.structured
            self.structured = None
        elif name in ("FunctionImport", "Action", "Function") and self.params is not None:
            params, self.params = self.params, None
            if params:
                # 1C names the binding parameter "bindingParameter", no EntitySet (odata1c-gate P4).
                binding = next((p for p in params if p[0] == "bindingParameter"), params[0])
                self.raw.bound.append((element, "type", local(binding[1])))
        elif name == "EnumType" and self.members is not None:
            # A platform enum (AllowedLength) is declared twice in a live УТ dump (P4 probe).
            self.raw.enums.setdefault(element, tuple(self.members))
            self.members = None
        elif name == "Association" and self.ends is not None:
            self.raw.associations[element] = self.ends
            self.ends = None

    def close(self) -> RawEdmx:
        return self.raw


def read_edmx(data: bytes) -> RawEdmx:
    """Read ``data`` as EDMX; ResponseError naming what it is instead (HTML, Atom, JSON, cut off)."""
    head = _head(data)
    if not head.startswith(b"<") or head.startswith(b"<!doctype html") or b"<html" in head:
        raise _not_edmx(data, None)
    target = _Target()
    parser = XMLParser(target=target, forbid_dtd=True)
    try:
        parser.feed(data)
        parser.close()
    except _NotEdmx as exc:
        raise _not_edmx(data, exc.root) from None
    except ParseError as exc:
        raise errors.ResponseError(
            f"The $metadata answer is not well-formed XML ({exc}); the download may have been cut off",
            hint="Run the command again with --refresh; if it repeats, check the web server in front of 1C.",
        ) from exc
    except DefusedXmlException as exc:
        raise errors.ResponseError(f"The $metadata answer uses forbidden XML features ({exc!r})") from exc
    return target.raw

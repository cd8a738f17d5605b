"""Benchmark: parsing a big base's ``$metadata`` and loading it back from the JSON cache.

``generate_edmx()`` writes a synthetic EDMX in 1C's live shape, sized like a big УТ 11 base
(~16 MB, ~3,800 entity types: catalogs and documents with tabular sections, registers with
``_RecordType`` sets, constants, associations, enums, bound FunctionImports).

Every measurement runs in a fresh interpreter so that ``ru_maxrss`` (the process high-water
mark) belongs to that operation alone; time is the best of ``--repeat`` runs, and a separate
run under ``tracemalloc`` gives the peak of Python allocations.

    .venv/bin/python benchmarks/bench_metadata.py            # table for benchmarks/README.md
    .venv/bin/python benchmarks/bench_metadata.py --repeat 5

Scenarios:
- ``limit``      defusedxml's parser feeding a do-nothing target: the floor for a safe parser.
- ``iterparse``  defusedxml iterparse, each element cleared at its end, nothing read.
- ``tree``       defusedxml fromstring: what a parser that first builds the whole tree pays.
- ``parse``      ``parse_metadata`` (stream + assemble the model).
- ``to_json``    ``metadata_cache.dump_metadata`` of the parsed model.
- ``cache``      ``MetadataCache.load`` answered from the JSON file (what every later run pays).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NS = "StandardODATA"
_P = '        <Property Name="{}" Type="{}" Nullable="{}"/>'
_NAV = '        <NavigationProperty Name="{0}" Relationship="StandardODATA.{1}_{0}" FromRole="Begin" ToRole="End"/>'


def _props(lines: list[str], props: list[tuple[str, str, bool]]) -> None:
    lines.extend(_P.format(n, t, "true" if nullable else "false") for n, t, nullable in props)


class _Writer:
    """Accumulates the sections of the document in 1C's order."""

    def __init__(self) -> None:
        self.types: list[str] = []
        self.complex: list[str] = []
        self.enums: list[str] = []
        self.assocs: list[str] = []
        self.sets: list[str] = []
        self.functions: list[str] = []

    def entity(self, name: str, key: list[str], props: list[tuple[str, str, bool]], navs: dict[str, str]) -> None:
        lines = [f'      <EntityType Name="{name}" OpenType="true">', "        <Key>"]
        lines += [f'          <PropertyRef Name="{k}"/>' for k in key]
        lines.append("        </Key>")
        _props(lines, props)
        lines += [_NAV.format(nav, name) for nav in navs]
        lines.append("      </EntityType>")
        self.types.append("\n".join(lines))
        self.sets.append(f'        <EntitySet Name="{name}" EntityType="{NS}.{name}"/>')
        for nav, target in navs.items():
            self.assocs.append(
                f'      <Association Name="{name}_{nav}">\n'
                f'        <End Role="Begin" Type="{NS}.{name}" Multiplicity="*"/>\n'
                f'        <End Role="End" Type="{NS}.{target}" Multiplicity="0..1"/>\n'
                "      </Association>"
            )

    def row_type(self, name: str, props: list[tuple[str, str, bool]]) -> None:
        lines = [f'      <ComplexType Name="{name}">']
        _props(lines, props)
        lines.append("      </ComplexType>")
        self.complex.append("\n".join(lines))

    def bound(self, action: str, type_name: str, params: list[tuple[str, str]], returns: str = "") -> None:
        effect = "false" if returns else "true"
        ret = f' ReturnType="{returns}"' if returns else ""
        lines = [f'        <FunctionImport Name="{action}" IsBindable="true" IsSideEffecting="{effect}"{ret}>']
        lines.append(f'          <Parameter Name="bindingParameter" Type="{NS}.{type_name}"/>')
        lines += [f'          <Parameter Name="{n}" Type="{t}"/>' for n, t in params]
        lines.append("        </FunctionImport>")
        self.functions.append("\n".join(lines))

    def document(self) -> bytes:
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">\n'
            '  <edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
            'm:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">\n'
            f'    <Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="{NS}">'
        )
        container = '      <EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">'
        tail = "      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n"
        parts = [head, *self.types, *self.complex, *self.enums, *self.assocs, container]
        parts += [*self.sets, *self.functions, tail]
        return "\n".join(parts).encode()


_Props = list[tuple[str, str, bool]]


def _attributes(
    prefix: str, n_refs: int, n_comp: int, n_plain: int, targets: list[str], seed: int
) -> tuple[_Props, dict[str, str], _Props]:
    """Header attributes: references (half with navigation), composites (type halves last), plain."""
    props: list[tuple[str, str, bool]] = []
    navs: dict[str, str] = {}
    plain_types = ["Edm.String", "Edm.Double", "Edm.DateTime", "Edm.Boolean", "Edm.String", "Edm.Int64"]
    for j in range(n_refs):
        name = f"{prefix}Ссылка{j:02d}"
        props.append((f"{name}_Key", "Edm.Guid", True))
        if j % 3 == 0:
            navs[name] = targets[(seed * 7 + j) % len(targets)]
    comps = [f"{prefix}Составной{j:02d}" for j in range(n_comp)]
    props += [(c, "Edm.String", True) for c in comps]
    props += [(f"{prefix}Реквизит{j:02d}", plain_types[j % len(plain_types)], True) for j in range(n_plain)]
    return props, navs, [(f"{c}_Type", "Edm.String", True) for c in comps]


def generate_edmx(
    *,
    catalogs: int = 700,
    documents: int = 760,
    info_registers: int = 560,
    subordinate: int = 110,
    accumulation: int = 100,
    constants: int = 535,
    enums: int = 1000,
) -> tuple[bytes, dict[str, int]]:
    """A synthetic ``$metadata`` of 1C's shape; returns the bytes and the counts it contains."""
    w = _Writer()
    catalog_names = [f"Catalog_СправочникПартнеров{i:04d}" for i in range(catalogs)]
    counts = {"catalogs": catalogs, "documents": documents, "sections": 0}
    for i, name in enumerate(catalog_names):
        system = [("Ref_Key", "Edm.Guid", False), ("Predefined", "Edm.Boolean", True)]
        system += [("PredefinedDataName", "Edm.String", True), ("DataVersion", "Edm.String", True)]
        system += [("Description", "Edm.String", True), ("Code", "Edm.String", True)]
        system += [("Parent_Key", "Edm.Guid", True), ("IsFolder", "Edm.Boolean", True)]
        system += [("DeletionMark", "Edm.Boolean", True)]
        attrs, navs, type_halves = _attributes("Спр", 6, 2, 12, catalog_names, i)
        navs = {"Parent": name, **navs}
        section = "КонтактнаяИнформация"
        has_section = i % 2 == 0
        collection = [(section, f"Collection({NS}.{name}_{section}_RowType)", True)] if has_section else []
        w.entity(name, ["Ref_Key"], system + attrs + collection + type_halves, navs)
        if not has_section:
            continue
        rows = [("Ref_Key", "Edm.Guid", False), ("LineNumber", "Edm.Int64", False)]
        rows += [(f"ПолеСтроки{j:02d}", "Edm.String", True) for j in range(8)] + [("Вид_Key", "Edm.Guid", True)]
        w.row_type(f"{name}_{section}_RowType", rows)
        if i % 4 == 0:
            w.entity(f"{name}_{section}", ["Ref_Key", "LineNumber"], rows, {})
            counts["sections"] += 1
    for i in range(documents):
        name = f"Document_ДокументОперации{i:04d}"
        system = [("Ref_Key", "Edm.Guid", False), ("DataVersion", "Edm.String", True)]
        system += [("Number", "Edm.String", True), ("Date", "Edm.DateTime", True)]
        system += [("DeletionMark", "Edm.Boolean", True), ("Posted", "Edm.Boolean", True)]
        attrs, navs, type_halves = _attributes("Док", 12, 4, 12, catalog_names, i)
        sections = ["Товары", "ДополнительныеРеквизиты"]
        collections = [(s, f"Collection({NS}.{name}_{s}_RowType)", True) for s in sections]
        w.entity(name, ["Ref_Key"], system + attrs + collections + type_halves, navs)
        for k, section in enumerate(sections):
            row_attrs, row_navs, row_halves = _attributes("Стр", 4, 1, 6, catalog_names, i + k)
            rows = [("Ref_Key", "Edm.Guid", False), ("LineNumber", "Edm.Int64", False), *row_attrs, *row_halves]
            w.row_type(f"{name}_{section}_RowType", rows)
            if k == 0:
                w.entity(f"{name}_{section}", ["Ref_Key", "LineNumber"], rows, row_navs)
                counts["sections"] += 1
        for action in ("Post", "Unpost"):
            w.bound(action, name, [("PostingModeOperational", "Edm.Boolean")])
    for i in range(info_registers):
        name = f"InformationRegister_РегистрСведенийОбОбъектах{i:04d}"
        attrs, navs, type_halves = _attributes("Изм", 3, 1, 8, catalog_names, i)
        if i < subordinate:
            w.entity(
                name,
                ["Recorder_Key"],
                [("Recorder_Key", "Edm.Guid", False), ("RecordSet", f"Collection({NS}.{name}_RowType)", False)],
                {},
            )
            records = [
                ("Recorder_Key", "Edm.Guid", False),
                ("LineNumber", "Edm.Int64", False),
                ("Active", "Edm.Boolean", True),
            ]
            w.row_type(f"{name}_RowType", records + attrs + type_halves)
            w.entity(f"{name}_RecordType", ["Recorder_Key", "LineNumber"], records + attrs + type_halves, navs)
            w.bound(
                "SliceLast",
                f"{name}_RecordType",
                [("Condition", "Edm.String"), ("Period", "Edm.DateTime")],
                f"Collection({NS}.{name}_RecordType)",
            )
        else:
            key = ["Period", attrs[0][0]]
            w.entity(name, key, [("Period", "Edm.DateTime", False), *attrs, *type_halves], navs)
            w.bound(
                "SliceLast", name, [("Condition", "Edm.String"), ("Period", "Edm.DateTime")], f"Collection({NS}.{name})"
            )
    for i in range(accumulation):
        name = f"AccumulationRegister_РегистрНакопленияОстатков{i:04d}"
        head = [
            ("Recorder", "Edm.String", False),
            ("RecordSet", f"Collection({NS}.{name}_RowType)", False),
            ("Recorder_Type", "Edm.String", False),
        ]
        w.entity(name, ["Recorder", "Recorder_Type"], head, {})
        attrs, navs, type_halves = _attributes("Рес", 5, 2, 10, catalog_names, i)
        records = [
            ("Recorder", "Edm.String", False),
            ("Period", "Edm.DateTime", True),
            ("LineNumber", "Edm.Int64", False),
        ]
        records += [
            ("Active", "Edm.Boolean", True),
            ("RecordType", "Edm.String", True),
            *attrs,
            ("Recorder_Type", "Edm.String", False),
            *type_halves,
        ]
        w.row_type(f"{name}_RowType", records)
        w.row_type(f"{name}_Balance", attrs + type_halves)
        w.entity(f"{name}_RecordType", ["Recorder", "LineNumber", "Recorder_Type"], records, navs)
        w.bound(
            "Balance",
            name,
            [("Condition", "Edm.String"), ("Dimensions", "Edm.String"), ("Period", "Edm.DateTime")],
            f"Collection({NS}.{name}_Balance)",
        )
    for i in range(constants):
        w.entity(
            f"Constant_КонстантаНастройки{i:04d}",
            ["SurrogateKey"],
            [("Value", "Edm.String", True), ("SurrogateKey", "Edm.Int16", False)],
            {},
        )
    for i in range(enums):
        members = "\n".join(f'        <Member Name="ЗначениеПеречисления{j:02d}"/>' for j in range(6))
        w.enums.append(
            f'      <EnumType Name="ПереченьЗначений{i:04d}" UnderlyingType="Edm.Int32">\n{members}\n      </EnumType>'
        )
    counts["sets"] = len(w.sets)
    counts["entity_types"] = len(w.types)
    counts["associations"] = len(w.assocs)
    return w.document(), counts


# --------------------------------------------------------------------------- measuring


class _NoopTarget:
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def close(self) -> None:
        pass


def _limit(data: bytes) -> object:
    """The floor for any defusedxml-based reader: its parser calling a target that does nothing."""
    from defusedxml.ElementTree import XMLParser

    parser = XMLParser(target=_NoopTarget(), forbid_dtd=True)
    parser.feed(data)
    return parser.close()


def _iterparse(data: bytes) -> object:
    """The usual streaming idiom: defusedxml iterparse, every element cleared when it ends."""
    from defusedxml.ElementTree import iterparse

    for _, elem in iterparse(io.BytesIO(data), events=("end",)):
        elem.clear()
    return None


def _tree(data: bytes) -> object:
    from defusedxml.ElementTree import fromstring

    return fromstring(data)


def _rss_kib(field: str) -> int:
    """VmRSS / VmHWM of this process image (ru_maxrss would include the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset VmHWM to the current RSS


def _operation(scenario: str, path: Path, cache_dir: Path) -> Callable[[], object]:
    from onec_history.metadata import parse_metadata
    from onec_history.metadata_cache import MetadataCache

    if scenario == "cache":
        cache = MetadataCache(cache_dir)

        def never() -> bytes:
            raise AssertionError("the cache should have answered")

        return lambda: cache.load("https://bench.example/odata/standard.odata/", never)
    data = path.read_bytes()
    if scenario == "limit":
        return lambda: _limit(data)
    if scenario == "iterparse":
        return lambda: _iterparse(data)
    if scenario == "tree":
        return lambda: _tree(data)
    if scenario == "parse":
        return lambda: parse_metadata(data)
    if scenario == "to_json":
        from onec_history.metadata_cache import dump_metadata

        model = parse_metadata(data)
        return lambda: dump_metadata(model)
    raise SystemExit(f"unknown scenario {scenario}")


def _child(scenario: str, path: Path, cache_dir: Path, traced: bool) -> None:
    op = _operation(scenario, path, cache_dir)
    before = _rss_kib("VmRSS")
    _reset_peak()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    result = op()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    after = _rss_kib("VmHWM")
    size = len(result) if isinstance(result, bytes) else 0
    print(
        json.dumps(
            {"seconds": seconds, "rss_kib": after - before, "rss_total_kib": after, "traced": peak, "size": size}
        )
    )


def _run(scenario: str, path: Path, cache_dir: Path, traced: bool) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", scenario, str(path), str(cache_dir)]
    out = subprocess.run([*cmd, "--traced"] if traced else cmd, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("SCENARIO", "EDMX", "CACHE_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.traced)
        return

    from onec_history.metadata import parse_metadata
    from onec_history.metadata_cache import MetadataCache

    data, counts = generate_edmx()
    with tempfile.TemporaryDirectory() as tmp:
        path, cache_dir = Path(tmp) / "metadata.xml", Path(tmp) / "cache"
        path.write_bytes(data)
        model = MetadataCache(cache_dir).load("https://bench.example/odata/standard.odata/", lambda: data)
        cache_file = next(cache_dir.iterdir())
        print(
            f"EDMX: {len(data) / 1e6:.1f} MB, {counts['entity_types']} entity types, {counts['sets']} sets, "
            f"{counts['associations']} associations, {len(model.enums)} enums; "
            f"JSON cache: {cache_file.stat().st_size / 1e6:.1f} MB"
        )
        assert len(parse_metadata(data).sets) == counts["sets"]
        rows = []
        for scenario in ("limit", "iterparse", "tree", "parse", "to_json", "cache"):
            runs = [_run(scenario, path, cache_dir, traced=False) for _ in range(args.repeat)]
            traced = _run(scenario, path, cache_dir, traced=True)
            best = min(r["seconds"] for r in runs)
            rss = max(r["rss_kib"] for r in runs) / 1024
            rows.append((scenario, best, rss, traced["traced"] / 2**20))
        limit = rows[0][1]
        print(f"\n| scenario | best of {args.repeat}, s | × limit | peak RSS growth, MiB | tracemalloc peak, MiB |")
        print("|---|---:|---:|---:|---:|")
        for scenario, best, rss, peak in rows:
            print(f"| {scenario} | {best:.3f} | {best / limit:.2f} | {rss:.0f} | {peak:.0f} |")


if __name__ == "__main__":
    main()

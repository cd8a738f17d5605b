"""The history page and the chain picture, opened in a real headless Chromium (Debian's package,
driven by Playwright with the system browser): the DOM after the scripts ran is checked against
``history --format json`` of the same client, and a screenshot of each page is kept in
``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from onec_history.chains.model import Chain, DocKey, Node
from onec_history.chains.timeline import Timeline
from onec_history.cli.main import main
from onec_history.demo.server import DemoServer, start_demo
from onec_history.pages.html import history_html

pytestmark = pytest.mark.usefixtures("isolated")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium in a closed network: no background connections, a fresh profile (as the machine's notes say).
_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = os.environ.get("ONEC_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "No Chromium found: install Debian's package 'chromium' (.ci/run does) or set ONEC_TEST_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser there is a broken CI, not a pass
        pytest.skip(message)  # as the PostgreSQL tests do on a machine without the server
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def ut11() -> Iterator[DemoServer]:
    with start_demo("ut11") as srv:
        yield srv


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def open_page(browser: Browser, path: Path, *, script: bool = True) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=script)
    page.goto(path.as_uri())
    return page


def shot(page: Page, name: str, *, full: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)  # an SVG document has no "full page"


def geometry(page: Page) -> dict[str, Any]:
    """Boxes and arrows as the browser laid them out: ids, rectangles, arrow ends."""
    result: dict[str, Any] = page.evaluate("""() => {
      const boxes = {}, arrows = [];
      document.querySelectorAll('svg.chain').forEach((svg, i) => {
        svg.querySelectorAll('g.node').forEach(g => {
          const r = g.querySelector('rect');
          boxes[g.dataset.id] = boxes[g.dataset.id] || [];
          boxes[g.dataset.id].push({svg: i, x: +r.getAttribute('x'), y: +r.getAttribute('y'),
                                    w: +r.getAttribute('width'), h: +r.getAttribute('height'),
                                    own: g.classList.contains('own'), text: g.textContent});
        });
        svg.querySelectorAll('line.edge').forEach(l => arrows.push({svg: i, from: l.dataset.from, to: l.dataset.to,
          x1: +l.getAttribute('x1'), y1: +l.getAttribute('y1'), x2: +l.getAttribute('x2'), y2: +l.getAttribute('y2')}));
      });
      return {boxes, arrows};
    }""")
    return result


@pytest.mark.parametrize("family", ["ut10", "unf", "ut11"])
def test_the_history_page_draws_every_document_and_link_of_the_json(
        family: str, browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        request: pytest.FixtureRequest) -> None:
    srv: DemoServer = request.getfixturevalue(family)
    code, out, err = run(capsys, "--url", srv.url, "history", "ООО Ромашка", "--format", "json")
    assert code == 0, err
    truth = json.loads(out)
    before = srv.requests_served
    run(capsys, "--url", srv.url, "history", "ООО Ромашка", "--format", "json")
    json_cost = srv.requests_served - before
    page_file = tmp_path / "history.html"
    before = srv.requests_served
    code, _, err = run(capsys, "--url", srv.url, "history", "ООО Ромашка", "--format", "html", "-o", str(page_file))
    assert code == 0, err
    assert srv.requests_served - before == json_cost  # the page asks 1C for nothing more than the JSON
    page = open_page(browser, page_file)
    shot(page, f"history-{family}")
    drawn = geometry(page)
    nodes = {n["id"] for c in truth["chains"] for n in c["nodes"]}
    edges = {(e["parent"], e["child"]) for c in truth["chains"] for e in c["edges"]}
    assert set(drawn["boxes"]) == nodes and all(len(v) == 1 for v in drawn["boxes"].values())  # each once
    assert {(a["from"], a["to"]) for a in drawn["arrows"]} == edges and len(drawn["arrows"]) == len(edges)
    for a in drawn["arrows"]:  # an arrow leaves its parent's bottom edge and ends on its child's top edge
        p, c = drawn["boxes"][a["from"]][0], drawn["boxes"][a["to"]][0]
        assert p["svg"] == c["svg"] == a["svg"]
        assert p["x"] <= a["x1"] <= p["x"] + p["w"] and abs(a["y1"] - (p["y"] + p["h"])) < 1
        assert c["x"] <= a["x2"] <= c["x"] + c["w"] and abs(a["y2"] - c["y"]) < 1
    own = {n["id"] for c in truth["chains"] for n in c["nodes"] if n["own"]}
    assert {i for i, v in drawn["boxes"].items() if v[0]["own"]} == own
    rows = page.eval_on_selector_all("tr.step", "rows => rows.map(r => r.dataset.id)")
    assert sorted(rows) == sorted(nodes)
    assert "ООО Ромашка" in page.inner_text("h1")


def test_the_search_box_filters_the_timeline_and_hides_empty_chains(
        browser: Browser, ut10: DemoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page_file = tmp_path / "history.html"
    assert run(capsys, "--url", ut10.url, "history", "ООО Ромашка", "--format", "html", "-o", str(page_file))[0] == 0
    page = open_page(browser, page_file)
    total = page.locator("tr.step").count()
    page.fill("#search", "мониторов")
    visible = page.locator("tr.step:not(.hidden)")
    assert 0 < visible.count() < total
    assert all("мониторов" in t.lower() for t in visible.all_inner_texts())
    assert "найдено" in page.inner_text("#found")
    page.fill("#search", "нет-такого-текста")
    assert page.locator("tr.step:not(.hidden)").count() == 0
    assert page.locator("details.group:not(.hidden)").count() == 0
    page.fill("#search", "")
    assert page.locator("tr.step:not(.hidden)").count() == total
    page.click("#collapse")
    assert page.evaluate("[...document.querySelectorAll('details.group')].every(d => !d.open)")
    shot(page, "history-search")


def test_without_javascript_everything_is_there(browser: Browser, ut10: DemoServer, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    page_file = tmp_path / "history.html"
    assert run(capsys, "--url", ut10.url, "history", "ООО Ромашка", "--format", "html", "-o", str(page_file))[0] == 0
    page = open_page(browser, page_file, script=False)
    assert page.locator("svg.chain g.node").count() == page.locator("tr.step").count() > 5
    assert page.locator("#collapse").is_hidden()  # the script's buttons appear only with the script


def test_the_chain_picture_and_page(browser: Browser, ut10: DemoServer, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--url", ut10.url, "chain", "Событие", "270", "--format", "json")
    assert code == 0
    truth = json.loads(out)
    for fmt in ("svg", "html"):
        target = tmp_path / f"chain.{fmt}"
        assert run(capsys, "--url", ut10.url, "chain", "Событие", "270", "--format", fmt, "-o", str(target))[0] == 0
        page = open_page(browser, target)
        shot(page, f"chain-{fmt}", full=fmt == "html")
        drawn = geometry(page)
        assert set(drawn["boxes"]) == {n["id"] for n in truth["nodes"]}
        assert {(a["from"], a["to"]) for a in drawn["arrows"]} == {(e["parent"], e["child"]) for e in truth["edges"]}
    assert page.locator("g.node.start").count() == 1


def _big_timeline(n_chains: int = 75, per: int = 4) -> Timeline:
    chain = Chain(None)
    base = datetime(2025, 1, 1, 9, 0)
    groups = []
    for i in range(n_chains):
        keys: list[DocKey] = []
        for j in range(per):
            key = DocKey("Document_ЗаказПокупателя" if j else "Document_Событие", f"{i:08d}-0000-0000-0000-{j:012d}")
            chain.nodes[key] = Node(key, number=f"{i * per + j:011d}", date=base + timedelta(days=i, hours=j),
                                    posted=True, amount=1000.0 * j if j else None,
                                    title='<b>«Тема» & "кавычки"</b>' if j == 0 else None)
            if keys:
                chain.add_edge(keys[-1], key, "ДокументОснование")
            keys.append(key)
        groups.append(keys)
    timeline = Timeline("x", None, None, chain, {g[0] for g in groups}, "walk")
    timeline.groups = groups
    return timeline


def test_a_300_document_history_renders_in_under_a_second_and_weighs_under_1_mb(
        browser: Browser, tmp_path: Path) -> None:
    timeline = _big_timeline()
    text = history_html(timeline, {"name": "ООО <Большой> & Ко", "ИНН": "7701000001"}, base="демо")
    page_file = tmp_path / "big.html"
    page_file.write_text(text, encoding="utf-8")
    assert len(text.encode("utf-8")) < 1_000_000
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    started = time.perf_counter()
    page.goto(page_file.as_uri(), wait_until="load")
    elapsed = time.perf_counter() - started
    assert page.locator("svg.chain g.node").count() == 300
    assert elapsed < 1.0, elapsed
    # text is text: the subject's markup is shown, not run, and the name's < > & survive
    assert page.locator("svg.chain b").count() == 0 and "<b>«Тема»" in page.inner_text("table.steps")
    assert page.inner_text("h1") == "ООО <Большой> & Ко"
    started = time.perf_counter()
    page.fill("#search", "00000000299")
    assert page.locator("tr.step:not(.hidden)").count() == 1
    assert time.perf_counter() - started < 1.0
    shot(page, "history-300")

"""Layout checked by geometry in a real Chromium: the date histogram inside its column with
stray years off its axis, no sideways scroll on a phone with long file paths, filters
reachable from the top on a phone, and entity icons drawn without any emoji font.

The corpus is samples/news plus generated notes, in a deeply nested folder with long names,
that mention years from 1990 to 2009 and two stray years (1850, 2100).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browserfixtures import AXE, ROOT, open_page, served, unavailable

from indexer.cli import main

pytestmark = pytest.mark.browser

LONG = "a-very-long-folder-name-that-a-newsroom-export-might-use-for-its-archive-of-notes"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("layout-site")
    notes = work / LONG / LONG / "notes"
    notes.mkdir(parents=True)
    for n, year in enumerate(range(1990, 2010)):
        (notes / f"note-{n:02d}-{LONG}.txt").write_text(
            f"Harbour archive note {n}\n\nThe harbour board met in March {year} and again in "
            f"June {year}. Helena Marsh reviewed the dredging plan for Port Alder that year.\n",
            encoding="utf-8",
        )
    (notes / "junk-early.txt").write_text(
        "Harbour ledger\n\nPage 10 of the harbour ledger was dated March 1850 by mistake.\n",
        encoding="utf-8",
    )
    (notes / "junk-late.txt").write_text(
        "Harbour forecast\n\nThe harbour lease runs until the year 2100, the board said.\n",
        encoding="utf-8",
    )
    home = work / "home"
    assert (
        main(
            ["--home", str(home), "--quiet", "ingest", str(ROOT / "samples/news"), str(work / LONG)]
        )
        == 0
    )
    with served(home) as url:
        yield url


def test_dates_histogram_stays_in_its_column_with_junk_years_off_the_axis(
    site: str, page: Any
) -> None:
    page.goto(site + "/?q=harbour")
    histogram = page.locator("#facet-mentioned")
    assert histogram.count() == 1, "no Dates mentioned histogram"
    tab = page.get_by_role("tab", name="Dates mentioned")
    if tab.count():
        tab.click()
    assert histogram.is_visible()
    column = page.locator("aside.facets").bounding_box()
    bars = histogram.locator("ol.bars a.bar").evaluate_all(
        "bars => bars.map(b => { const r = b.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert len(bars) >= 10
    assert all(
        column["x"] - 1 <= left and right <= column["x"] + column["width"] + 1
        for left, right in bars
    )
    axis = histogram.locator(".bars-axis").inner_text()
    assert "1850" not in axis and "2100" not in axis
    assert axis.split()[0] >= "1900" and axis.split()[-1] <= "2030"  # samples: 2024-25
    outliers = histogram.locator(".bars-outliers").inner_text()
    assert "1850" in outliers and "2100" in outliers
    # on a timeline: the bars are left to right in time
    starts = histogram.locator("ol.bars a.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('data-from'))"
    )
    assert starts == sorted(starts)


def test_phone_has_no_sideways_scroll_and_filters_are_one_tap_away(site: str, browser: Any) -> None:
    phone = open_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    try:
        phone.goto(site + "/?q=harbour+note")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"content {width} px wide on a 390 px phone"
        jump = phone.locator("a.filters-jump")
        box = jump.bounding_box()
        assert box and box["y"] < 844 and box["width"] > 0, "no Filters link on the first screen"
        jump.click()
        phone.wait_for_function("location.hash === '#filters'")
        top = phone.locator("aside.facets").bounding_box()["y"]
        assert -2 <= top < 844 / 2, f"filters not brought into view (top at {top})"
        assert not phone.console.problems()
    finally:
        phone.context.close()


def test_entity_icons_are_drawn_without_an_emoji_font(site: str, page: Any) -> None:
    page.goto(site + "/?q=harbour")
    icons = page.locator("ol.hits .chip svg.icon")
    assert icons.count() >= 3
    sizes = icons.evaluate_all(
        "icons => icons.map(i => i.getBoundingClientRect()).map(r => [r.width, r.height])"
    )
    assert all(w > 4 and h > 4 for w, h in sizes)
    before = page.locator("ol.hits .chip-person").first.evaluate(
        "c => getComputedStyle(c, '::before').content"
    )
    assert before in ("none", "normal", ""), f"a text/emoji icon is still drawn: {before}"


def test_axe_finds_no_serious_violations_on_the_phone_search(site: str, browser: Any) -> None:
    if not AXE.is_file():
        unavailable(f"axe-core is not installed at {AXE} (make test installs it with npm)")
    audit = open_page(browser, width=390, height=844, bypass_csp=True)
    try:
        audit.goto(site + "/?q=harbour")
        audit.add_script_tag(path=str(AXE))
        result = audit.evaluate("axe.run(document, {resultTypes: ['violations']})")
    finally:
        audit.context.close()
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_j_and_k_move_between_results_and_enter_opens_one(site: str, page: Any) -> None:
    page.goto(site + "/?q=harbour")
    page.locator("body").click(position={"x": 5, "y": 5})
    titles = page.locator("ol.hits .hit-title a")
    assert titles.count() >= 3
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = titles.nth(1)
    assert second.evaluate("a => a === document.activeElement")
    assert "is-current" in (page.locator("ol.hits .hit").nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert titles.nth(0).evaluate("a => a === document.activeElement")
    href = titles.nth(0).get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + href)
    page.goto(site + "/about")
    assert "next / previous result" in page.locator(".keyboard-help").inner_text()


def test_a_document_opened_from_results_marks_the_words_and_leads_back(
    site: str, page: Any
) -> None:
    page.goto(site + "/?q=dredging&sort=oldest&person=Helena+Marsh")
    page.locator("ol.hits .hit-title a").first.click()
    page.wait_for_url("**/documents/**")
    marks = page.locator(".document-text mark.term").all_inner_texts()
    assert marks and all(m.lower().startswith("dredging") for m in marks)
    back = page.locator(".back-to-results a")
    back.click()
    page.wait_for_url("**/?**")
    assert page.locator("#q").input_value() == "dredging"
    assert page.locator("select[name=sort]").input_value() == "oldest"
    assert "person=Helena+Marsh" in page.url


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not on the page"
    return box


def _document_with_rail(page: Any, site: str) -> str:
    """A document with names and related stories, opened from a search for it."""
    page.goto(site + "/?q=Helena+Marsh+harbour")
    href = page.locator("ol.hits .hit-title a").first.get_attribute("href")
    page.goto(site + href)
    assert page.locator(".document-rail .document-entities .chip").count() >= 1
    assert page.locator(".document-rail #related li").count() >= 1
    return href


def test_document_text_is_wide_with_a_rail_beside_it_and_stacked_on_a_phone(
    site: str, browser: Any
) -> None:
    wide = open_page(browser, width=1280, height=900)
    try:
        href = _document_with_rail(wide, site)
        page_box = _box(wide, "main")
        text, rail = _box(wide, ".document-text"), _box(wide, ".document-rail")
        # the reading column takes the room the rail leaves: over 55 % of the page's width
        assert text["width"] >= 0.55 * page_box["width"], (text, page_box)
        assert rail["x"] >= text["x"] + text["width"], "the rail is not beside the text"
        assert rail["y"] < text["y"] + 200, "the rail starts far below the top of the text"
        assert rail["x"] + rail["width"] <= 1280
        assert not wide.console.problems()
    finally:
        wide.context.close()
    phone = open_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    try:
        phone.goto(site + href)
        text, rail = _box(phone, ".document-text"), _box(phone, ".document-rail")
        assert rail["y"] >= text["y"] + text["height"] - 1, "the rail is not below the text"
        assert text["width"] >= 300, f"the text is squeezed to {text['width']} px"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"content {width} px wide on a 390 px phone"
    finally:
        phone.context.close()

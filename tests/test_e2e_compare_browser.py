"""Comparing two versions of a story in a real Chromium (Playwright) against a live docsift.

The corpus is the two seed articles (../shared/seeds: a report and a rewrite of it), ingested
by the real pipeline with NER, plus two versions of a harbour story whose later one carries
script tags. Chromium is Debian's; without it these tests skip, unless DOCSIFT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browserfixtures import AXE, SEEDS, open_page, served, unavailable

from indexer.cli import main

pytestmark = pytest.mark.browser

STRIKE = (
    "Harbour strike talks collapse\n\n"
    "Dock workers at the city harbour walked out on Monday after wage talks with the port "
    "operator collapsed late on Sunday night, leaving dozens of container ships waiting "
    "offshore and lorries queueing along the coast road into the town centre.\n\n"
    '"We will not go back for less than five per cent," said union leader Helena Marsh, '
    "who has led the dockers for twelve years.\n\n"
    "The operator offered three per cent and called the strike unlawful, adding that it "
    "would seek an injunction in the high court later in the week.\n"
)
STRIKE_LATER = STRIKE.replace(
    "Harbour strike talks collapse", "Harbour strike <script>window.__pwned=1</script>"
) + (
    '\n"The strikers are holding the whole city to ransom," said Mayor Thomas Quillfeather, '
    "speaking outside the town hall. <script>window.__pwned=2</script>\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SEEDS.is_dir():
        pytest.skip("needs ../shared/seeds, which is absent on this machine")
    work = tmp_path_factory.mktemp("compare-site")
    strike = work / "strike"
    strike.mkdir()
    (strike / "strike-1.txt").write_text(STRIKE, encoding="utf-8")
    (strike / "strike-2.txt").write_text(STRIKE_LATER, encoding="utf-8")
    home = work / "home"
    assert main(["--home", str(home), "--quiet", "ingest", str(SEEDS), str(strike)]) == 0
    with served(home) as url:
        yield url


def _seed_compare_url(page: Any, site: str) -> str:
    hits = page.request.get(site + "/api/search?q=Rutte&versions=all").json()["hits"]
    original = next(h for h in hits if h["title"].startswith("Nato focuses"))
    rewrite = next(h for h in hits if h["id"] != original["id"])
    return f"/compare/{original['id']}/{rewrite['id']}"


def test_document_page_links_to_the_comparison_and_it_shows_what_the_rewrite_adds(
    site: str, page: Any
) -> None:
    page.goto(site + "/?q=Rutte+Ukraine+military")
    page.locator("ol.hits .hit", has_text="2 versions").locator(".hit-title a").click()
    page.wait_for_url(re.compile(r"/documents/"))
    link = page.locator("#versions a.compare-link")
    assert link.count() == 1 and link.inner_text().startswith("Compare with")
    link.click()
    page.wait_for_url(re.compile(r"/compare/"))
    summary = page.locator(".summary-line").inner_text()
    assert summary.startswith("Compared with A, B adds 2 people")
    assert "2 quotes; drops 2 people" in summary
    assert page.locator(".compare-warning").inner_text().startswith("2 quotes in B")
    only_b = page.locator(".compare-grid tbody tr").first.locator("td").nth(1)
    assert sorted(only_b.locator("a.chip").all_inner_texts()) == [
        "Dmitry Peskov",
        "Harald Vilimsky",
    ]
    unsupported = page.locator(".quote-change.is-unsupported")
    assert unsupported.count() == 2
    assert all("Mark Rutte" in t for t in unsupported.locator(".quote-speaker").all_inner_texts())
    assert "The most crucial task" in unsupported.first.locator("blockquote").inner_text()
    # sentences only in the rewrite are highlighted, with their new names and quotes marked
    # (alone in its row, or beside the sentence only in A that it replaced)
    only_b = "tr:is(.row-only-b, .row-replaced)"
    peskov = page.locator(f"{only_b} .side-b", has_text="Dmitry Peskov")
    assert peskov.count() == 1
    assert peskov.locator("mark.cmp-name", has_text="Dmitry Peskov").count() == 1
    background = peskov.evaluate("td => getComputedStyle(td).backgroundColor")
    blank = page.locator("tr.row-only-b .side-a").first.evaluate(
        "td => getComputedStyle(td).backgroundColor"
    )
    assert background != blank
    assert page.locator(f"{only_b} mark.cmp-quote", has_text="crucial task").count() == 1


def test_swapping_sides_and_following_a_name(site: str, page: Any) -> None:
    page.goto(site + _seed_compare_url(page, site))
    page.get_by_role("link", name="Swap A and B").click()
    page.wait_for_load_state()
    only_b = page.locator(".compare-grid tbody tr").first.locator("td").nth(1)
    assert sorted(only_b.locator("a.chip").all_inner_texts()) == ["Andrii Sybiha", "Donald Trump"]
    only_b.get_by_role("link", name="Andrii Sybiha").click()
    page.wait_for_url(re.compile(r"/entity/person/"))
    assert page.locator(".entity-head h1").inner_text() == "Andrii Sybiha"


def test_rewrites_filter_finds_the_rewrite_and_back_restores(site: str, page: Any) -> None:
    page.goto(site + "/")
    box = page.locator("#facet-changes a.facet-value", has_text="Has unsupported quotes")
    assert box.get_attribute("aria-checked") == "false"
    before = int(page.locator(".result-count").get_attribute("data-total"))
    box.click()
    page.wait_for_url(re.compile(r"changes=unsupported_quotes"))
    assert parse_qs(urlsplit(page.url).query)["changes"] == ["unsupported_quotes"]
    titles = page.locator("ol.hits .hit-title a").all_inner_texts()
    assert "NATO’s Focus on Military Support for Ukraine" in titles
    assert int(page.locator(".result-count").get_attribute("data-total")) < before
    chip = page.locator('.active-filters a[data-facet="changes"]')
    assert "Has unsupported quotes" in chip.inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    assert int(page.locator(".result-count").get_attribute("data-total")) == before


def test_hostile_text_in_a_comparison_runs_no_script(site: str, page: Any) -> None:
    hits = page.request.get(site + "/api/search?q=dockers&versions=all").json()["hits"]
    first = next(h for h in hits if "script" not in h["title"])
    later = next(h for h in hits if h["id"] != first["id"])
    page.goto(site + f"/compare/{first['id']}/{later['id']}")
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in page.locator(".compare-version h2").nth(1).inner_text()
    assert "Thomas Quillfeather" in page.locator("tr.row-only-b").inner_text()


def test_seed_comparison_fits_a_laptop_screen_with_the_differences_first(
    site: str, browser: Any
) -> None:
    laptop = open_page(browser, width=1280, height=800)
    try:
        laptop.goto(site + _seed_compare_url(laptop, site))

        def bottom(selector: str) -> float:
            box = laptop.locator(selector).first.bounding_box()
            assert box, selector
            return box["y"] + box["height"]

        # what B changes, its warning and the names only one version has: the first screen
        for selector in (".summary-line", ".compare-warning", ".compare-grid"):
            assert bottom(selector) <= 800, f"{selector} ends at {bottom(selector)} px"
        # the quotes B puts in someone's mouth come before those it only leaves out
        kinds = laptop.locator(".compare-quotes .quote-change").evaluate_all(
            "items => items.map(i => i.checkVisibility() ? i.className : 'hidden')"
        )
        assert "is-unsupported" in kinds[0] and kinds.count("hidden") == 7
        # the whole page was 6,100 px: the sentences scroll in a pane a screen tall
        height = laptop.evaluate("document.documentElement.scrollHeight")
        assert height <= 2 * 1280, f"the page is {height} px tall"
        pane = laptop.locator(".compare-pane")
        sizes = pane.evaluate("p => [p.scrollHeight, p.clientHeight]")
        assert sizes[0] > sizes[1] and sizes[1] <= 800, sizes
        assert pane.get_attribute("tabindex") == "0"  # scrolled from the keyboard too
        head = laptop.locator(".compare-table thead th").first
        pane.evaluate("p => p.scrollTo(0, p.scrollHeight)")
        head_top = head.bounding_box()["y"]
        pane_top = pane.bounding_box()["y"]
        assert abs(head_top - pane_top) < 3, "the column heads scroll out of the pane"
        assert laptop.evaluate("document.documentElement.scrollWidth") <= 1280
        assert not laptop.console.problems()
    finally:
        laptop.context.close()


def test_identical_sentences_fold_and_open_on_a_click(site: str, page: Any) -> None:
    hits = page.request.get(site + "/api/search?q=dockers&versions=all").json()["hits"]
    first = next(h for h in hits if "script" not in h["title"])
    later = next(h for h in hits if h["id"] != first["id"])
    page.goto(site + f"/compare/{first['id']}/{later['id']}")
    run = page.locator("tr.row-same-run details").first
    hidden = run.locator("li").first
    assert not hidden.is_visible()
    run.locator("summary").click()
    assert hidden.is_visible() and "Dock workers" in run.inner_text()


def test_compare_page_fits_a_phone(site: str, browser: Any) -> None:
    phone = open_page(browser, width=390, height=844)
    try:
        probe = phone.request.get(site + "/api/search?q=Rutte&versions=all").json()["hits"]
        ids = sorted(h["id"] for h in probe)
        phone.goto(site + f"/compare/{ids[0]}/{ids[1]}")
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"content {width[0]} px wide in {width[1]} px"
        # each sentence gets the phone's width: A over B, an empty side takes no room
        empty = phone.locator(".compare-table td.is-empty").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().height)"
        )
        assert empty and max(empty) == 0, empty
        pair = phone.locator(".compare-table tr.row-changed").first
        a, b = pair.locator("td.side-a").bounding_box(), pair.locator("td.side-b").bounding_box()
        assert b["y"] >= a["y"] + a["height"] - 1 and a["width"] > 300, (a, b)
        assert not phone.console.problems()
    finally:
        phone.context.close()


def test_axe_finds_no_serious_violations_on_the_compare_page(site: str, browser: Any) -> None:
    if not Path(AXE).is_file():
        unavailable(f"axe-core is not installed at {AXE} (make test installs it with npm)")
    audit = open_page(browser, bypass_csp=True)  # axe is injected as a script
    try:
        path = _seed_compare_url(audit, site)
        for url in (site + path, site + "/?changes=unsupported_quotes"):
            audit.goto(url)
            audit.add_script_tag(path=str(AXE))
            result = audit.evaluate("axe.run(document, {resultTypes: ['violations']})")
            bad = [
                f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not bad, f"{url}:\n" + "\n".join(bad)
    finally:
        audit.context.close()

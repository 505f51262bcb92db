"""indexer.page.extractors and indexer.page.markup: several extractors combined, never an empty
article, block boundaries as word boundaries, and hostile-input caps that drop only the broken part.

Every page here is written by the test; the figures on real pages are bench/extraction_quality.py's.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import trafilatura
from bs4 import BeautifulSoup

from indexer.page.clean import clean_html
from indexer.page.extractors import METHODS, agreement, fallback_text, shingle_counts
from indexer.page.markup import MAX_ATTRIBUTES, cap_attributes
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings
from web.app import create_app

SENTENCE = (
    "the harbour council met on Tuesday to discuss the ferry budget and the dredging plans for "
    "next year, and residents filled the public gallery to hear the debate."
)
PARAGRAPHS = [f"Paragraph {i}: {SENTENCE}" for i in range(8)]
NAV = "<ul class='menu'>" + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(8))
NAV += "</ul>"


def page(article: str, head: str = "") -> str:
    return (
        f"<html><head><title>Ferry budget</title>{head}</head><body>{NAV}{article}"
        "<div class='footer'><p>Copyright 2024 The Courier.</p></div></body></html>"
    )


def paragraphs_html() -> str:
    return "<h1>Ferry budget approved</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def trafilatura_precision(html: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = trafilatura.bare_extraction(
            html, favor_precision=True, include_comments=False, include_tables=True
        )
    return (result.text or "") if result is not None else ""


def test_an_article_trafilatura_precision_loses_is_still_extracted() -> None:
    # a container named like a comment thread: trafilatura prunes it before reading (and its
    # own fallbacks read the pruned tree), so precision mode keeps only the footer
    html = page(f"<div class='commentable-story'>{paragraphs_html()}</div>")
    assert "Paragraph 3" not in trafilatura_precision(html)

    clean = clean_html(html)

    assert all(paragraph in clean.body for paragraph in PARAGRAPHS)
    assert clean.extractor in METHODS and clean.extractor != "trafilatura"


def test_when_trafilatura_and_readability_agree_trafilatura_is_kept() -> None:
    clean = clean_html(page(f"<article>{paragraphs_html()}</article>"))
    assert clean.extractor == "trafilatura"
    assert all(paragraph in clean.body for paragraph in PARAGRAPHS)
    assert "Section 3" not in clean.body and "Copyright" not in clean.body


def test_a_page_only_the_fallback_reads_is_not_empty() -> None:
    # no paragraph long enough for any content extractor: the beautifulsoup4 reading is kept
    html = "<html><body><article><b>Ferry</b> budget approved.</article></body></html>"
    clean = clean_html(html)
    assert "Ferry budget approved." in clean.body
    assert clean.extractor in METHODS


@pytest.mark.parametrize(
    "broken",
    [
        '<meta name="description" content="The council approved the ferry budget>',
        '<link rel="alternate" title="RSS" "href="/feed.xml" />',
        '<meta name="keywords" content=ferry,budget,"harbour>',
        '<p class="intro" style="color: red"">',
    ],
    ids=["unclosed-meta-content", "stray-quote", "quote-in-unquoted-value", "doubled-quote"],
)
def test_an_unclosed_attribute_running_into_script_keeps_the_article(broken: str) -> None:
    # The attribute runs on into the script, as on real pages, and the article comes after it.
    # Read with quotes pairing up anywhere, the broken tag swallowed the page up to the end and
    # the attribute cap cut the article off after its first 250-odd words.
    paragraphs = [f"Paragraph {i}: {SENTENCE}" for i in range(15)]
    links = "".join(f'<a href="/section/{i}">Section {i}</a> ' for i in range(6))
    script = '<script>var config = {"site": "courier", "ads": true}; if (a > b) { run(); }</script>'
    html = (
        f"<html><head><title>Ferry budget</title>{broken}{script}</head><body>"
        f"<nav>{links}</nav><article><h1>Ferry budget approved</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + '</article><div class="footer">Copyright The Courier</div></body></html>'
    )

    assert cap_attributes(html) == html  # no element has 256 real attributes: nothing to cut
    body = clean_html(html).body

    assert all(paragraph in body for paragraph in paragraphs)


def test_the_attribute_cap_drops_only_the_extra_attributes() -> None:
    attributes = " ".join(f'data-a{i}="x"' for i in range(2_000))
    html = page(f"<div {attributes}>{paragraphs_html()}</div>")

    capped = cap_attributes(html)

    tag = re.search(r"<div [^>]*>", capped)
    assert tag is not None and tag.group().count("data-a") == MAX_ATTRIBUTES
    assert capped.endswith(html[html.index("><h1>") :])  # everything after the tag is kept
    assert all(paragraph in clean_html(html).body for paragraph in PARAGRAPHS)


def test_unclosed_tags_and_deep_nesting_keep_the_article() -> None:
    # 600 never-closed <font> tags (deeper than libxml2's default 256 levels) and unclosed <p>s
    article = "<div class='story'><h1>Ferry budget approved</h1>" + "".join(
        f"<p><font face='Arial'>{p}" for p in PARAGRAPHS
    )
    article += "<font>" * 600 + "The end of the ferry story, after the nested fonts.</div>"
    clean = clean_html(page(article))
    assert all(paragraph in clean.body for paragraph in PARAGRAPHS)


GLUED = re.compile(r"OmarNancy|PelosiChuck|Omar\S*Pelosi")


def sidebar_page() -> str:
    names = ("Ilhan Omar", "Nancy Pelosi", "Chuck Schumer")
    links = "".join(f"<a href='/people/{i}'>{name}</a>" for i, name in enumerate(names))
    divs = "<div class='who'>" + "<div>".join(names) + "</div>" * len(names)
    return page(
        f"<article>{paragraphs_html()}<p>Named in this story: {links}</p>"
        f"<div class='named'>Also: {divs}</div></article>"
    )


def test_adjacent_link_and_block_texts_are_separate_words() -> None:
    body = clean_html(sidebar_page()).body
    assert "Ilhan Omar" in body and "Nancy Pelosi" in body
    assert not GLUED.search(body), body[-300:]


def test_the_beautifulsoup_fallback_separates_adjacent_links_and_blocks() -> None:
    text = fallback_text(BeautifulSoup(sidebar_page(), "lxml"))
    assert "Ilhan Omar" in text and "Chuck Schumer" in text
    assert not GLUED.search(text), text[-300:]


def test_agreement_is_shingle_f1() -> None:
    a = shingle_counts(" ".join(PARAGRAPHS))
    assert agreement(a, a) == 1.0
    assert agreement(a, shingle_counts("nothing in common with the ferry story at all")) < 0.05
    assert agreement(a, shingle_counts(" ".join(PARAGRAPHS[:4]))) == pytest.approx(2 / 3, 0.1)
    assert agreement(a, shingle_counts("")) == 0.0


def test_the_kept_extractor_is_stored_indexed_and_shown(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "plain.html").write_text(page(f"<article>{paragraphs_html()}</article>"), "utf-8")
    (folder / "thread.html").write_text(
        page(f"<div class='commentable-story'>{paragraphs_html()}</div>").replace(
            "Ferry budget approved", "Dredging plan approved"
        ),
        "utf-8",
    )
    expected = {
        name: clean_html((folder / name).read_text("utf-8")).extractor
        for name in ("plain.html", "thread.html")
    }
    assert expected["plain.html"] == "trafilatura" and expected["thread.html"] != "trafilatura"
    with DocumentStore(settings.db_path) as store:
        pipeline = Pipeline(settings, store)
        try:
            report = pipeline.run([str(folder)])
        finally:
            pipeline.close()
        assert report.added == 2
        stored = {Path(d.source).name: d for d in store.iter_documents()}
    assert {name: d.extract_method for name, d in stored.items()} == expected

    service = SearchService.from_settings(settings)
    assert service.search(parse_request({"q": "dredging"})).total >= 1
    indexed = {name: service.get(d.doc_id) for name, d in stored.items()}
    assert {name: d.extract_method for name, d in indexed.items()} == expected

    client = create_app(settings, service).test_client()
    doc_id = stored["thread.html"].doc_id
    data = client.get(f"/api/documents/{doc_id}").get_json()
    assert data["extract_method"] == expected["thread.html"]
    html = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    shown = BeautifulSoup(html, "html.parser").select_one(".extract-method")
    assert shown is not None and shown.get_text() == expected["thread.html"]


def comment_thread(count: int) -> str:
    return "".join(
        f"<p>I was at the meeting {i} and the council should have asked the ferry users first, "
        f"nobody I know was consulted about the dredging.</p>"
        f"<p class='posted'>Posted by: Reader{i} | Mar {i + 1}, 2007 2:00 PM</p>"
        for i in range(count)
    )


def test_a_comment_thread_after_a_comments_heading_is_left_out() -> None:
    # Typepad-style: the comments are plain paragraphs after <h2>Comments</h2>, in the same
    # container as the post, so no class names them as a thread
    html = page(
        f"<div class='entry'>{paragraphs_html()}<p class='posted'>Posted by Kathy</p>"
        f"<h2><a id='comments'></a>Comments</h2>{comment_thread(12)}</div>"
    )

    body = clean_html(html).body

    assert all(paragraph in body for paragraph in PARAGRAPHS)
    assert "Reader3" not in body and "nobody I know was consulted" not in body


def test_a_comments_heading_before_a_longer_article_removes_nothing() -> None:
    # a comment-count heading above the story: what follows it is the article, not a thread
    html = page(
        f"<div class='entry'><p>By the harbour desk</p><h3>Comments (2)</h3>"
        f"{paragraphs_html()}</div>"
    )

    body = clean_html(html).body

    assert all(paragraph in body for paragraph in PARAGRAPHS)

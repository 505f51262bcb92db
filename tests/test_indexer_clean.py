"""indexer.page.clean: main content kept, boilerplate dropped, metadata read, garbage survived."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.page.clean import (
    CleanText,
    clean_html,
    clean_plain,
    looks_like_html,
    normalise_text,
    unwrap_lines,
)
from indexer.page.decode import decode_bytes
from search.errors import SkipDocument

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
ARTICLE_URL = "https://courier.example/news/bridge"
ARTICLE_PARAGRAPHS = [
    "The harbour bridge reopened to traffic on Monday morning after two years of structural "
    "repairs, ending long detours for thousands of commuters who cross the estuary every day.",
    "Engineers replaced the corroded steel cables and resurfaced the entire deck. The city "
    "council said the work finished three weeks ahead of schedule and slightly under the "
    "approved budget.",
    'Local shop owners on the north bank welcomed the news. "Our takings fell by a third while '
    'the bridge was closed," said baker Tomas Reyes, whose family has run the corner bakery for '
    "forty years.",
    "Cyclists will get a separate protected lane from April, and the council plans to publish "
    "its wider transport plan before the summer holidays.",
]


def shared_dir(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)}, which is absent on this machine")
    return path


@pytest.fixture
def article() -> CleanText:
    html = (FIXTURES / "html" / "article_with_boilerplate.html").read_text(encoding="utf-8")
    return clean_html(html, url=ARTICLE_URL)


def test_clean_html_keeps_every_article_paragraph(article: CleanText) -> None:
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in article.body


def test_clean_html_separates_paragraphs_with_a_blank_line(article: CleanText) -> None:
    assert f"{ARTICLE_PARAGRAPHS[0]}\n\n{ARTICLE_PARAGRAPHS[1]}" in article.body


@pytest.mark.parametrize(
    "boilerplate",
    [
        "News section",  # nav
        "Weather section",
        "We use cookies",  # cookie banner
        "garden furniture",  # ad
        "Share on Social",  # share buttons
        "Tweet this story",
        "Ferry timetable",  # related stories
        "morning newsletter",
        "All rights reserved",  # footer
    ],
)
def test_clean_html_drops_boilerplate(article: CleanText, boilerplate: str) -> None:
    assert boilerplate not in article.body


def test_clean_html_never_includes_script_or_style_text(article: CleanText) -> None:
    assert "SCRIPT_TEXT_MUST_NOT_APPEAR" not in article.body
    assert "STYLE_TEXT_MUST_NOT_APPEAR" not in article.body
    assert "dataLayer" not in article.body


def test_clean_html_reads_title_author_and_date_from_meta_tags(article: CleanText) -> None:
    assert article.title == "Harbour bridge reopens after two years of repairs"
    assert article.author == "Maria Okonkwo"
    assert article.published == datetime.date(2024, 3, 18)
    assert article.published_source == "meta:article:published_time"
    assert article.language == "en"


def test_clean_html_links_are_absolute_without_fragments_or_other_schemes(
    article: CleanText,
) -> None:
    assert article.links == (
        "https://courier.example/",
        "https://courier.example/news/",
        "https://courier.example/sport/",
        "https://example.org/weather",
        "https://social.example/share?u=1",
        "https://courier.example/news/transport-plan",
        "https://courier.example/news/ferry",
    )


def test_clean_html_reads_headline_author_and_date_from_json_ld() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example Site"},
            {
                "@type": "NewsArticle",
                "headline": "Council approves new library",
                "datePublished": "2023-11-05T09:15:00+00:00",
                "author": [{"@type": "Person", "name": "Ana Lima"}, {"name": "Ben Ode"}],
            },
        ],
    }
    html = (
        "<html><head><title>Library | Example Site</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        "<body><article><p>The council voted on Tuesday to build a new public library in the "
        "old market hall, with construction starting next spring.</p>"
        "<p>The library will have a children's wing and a small theatre.</p>"
        "</article></body></html>"
    )

    result = clean_html(html)

    assert result.title == "Council approves new library"
    assert result.author == "Ana Lima, Ben Ode"
    assert result.published == datetime.date(2023, 11, 5)
    assert result.published_source == "json-ld"
    assert "old market hall" in result.body


def test_clean_html_reads_date_from_time_element_when_no_meta() -> None:
    html = (
        "<html><head><title>Notes</title></head><body><article>"
        '<time datetime="2022-07-01T10:00">1 July</time>'
        "<p>The summer schedule begins this week, with longer opening hours at every branch "
        "and free entry for children under twelve.</p></article></body></html>"
    )

    result = clean_html(html)

    assert (result.published, result.published_source) == (datetime.date(2022, 7, 1), "time")
    assert result.title == "Notes"


def test_clean_html_falls_back_to_soup_for_short_pages() -> None:
    html = (
        "<html><head><title>Note</title></head><body>"
        '<nav class="menu">Home About Contact</nav>'
        '<div class="content"><p>The meeting moved to Tuesday.</p><p>Bring the figures.</p></div>'
        '<div class="cookie-notice">Accept cookies</div>'
        "<footer>(c) 2024 Example Corp</footer></body></html>"
    )

    result = clean_html(html)

    assert result.title == "Note"
    assert result.body == "The meeting moved to Tuesday.\n\nBring the figures."


def test_clean_html_without_text_is_skipped() -> None:
    html = (
        "<html><head><script>var x = 1;</script><style>p { color: red }</style></head>"
        "<body><div> &nbsp; </div><!-- a comment --></body></html>"
    )

    with pytest.raises(SkipDocument, match="no text after cleaning"):
        clean_html(html, url="https://example.com/empty")


def test_clean_html_decoded_fixture_keeps_non_ascii_text() -> None:
    decoded = decode_bytes((FIXTURES / "html" / "shift_jis_meta.html").read_bytes())

    result = clean_html(decoded.text)

    assert result.title == "日本語のページ"
    assert "東京は日本の首都です。" in result.body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc", "a\nb\nc"),
        ("one   two\t\tthree  \nfour", "one two three\nfour"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("  \n\n text \n\n  ", "text"),
        ("bell\x07 and nul\x00 gone", "bell and nul gone"),
        ("cafe\u0301", "café"),  # NFC
        ("non\u00a0breaking\u3000space", "non breaking space"),
        ("line one  \n  \n  \nline two", "line one\n\nline two"),
        ("", ""),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_clean_plain_uses_short_first_line_as_title() -> None:
    result = clean_plain("Quarterly report\r\n\r\nSales rose 5%.\nCosts fell.\n")

    assert result == CleanText(title="Quarterly report", body="Sales rose 5%.\nCosts fell.")


def test_clean_plain_question_headline_is_a_title() -> None:
    result = clean_plain("Will the bridge open on time?\nEngineers say yes.")

    assert (result.title, result.body) == ("Will the bridge open on time?", "Engineers say yes.")


def test_clean_plain_prose_first_line_falls_back_to_file_stem() -> None:
    text = "This is a sentence of prose. It keeps going for a while.\nAnd more text here."

    result = clean_plain(text, source_name="/data/seeds/meeting-notes.txt")

    assert result.title == "meeting-notes"
    assert result.body == text


def test_clean_plain_single_line_without_source_uses_first_words() -> None:
    result = clean_plain("one two three four five six seven eight nine ten")

    assert result.title == "one two three four five six seven eight …"
    assert result.body == "one two three four five six seven eight nine ten"


def test_clean_plain_long_first_line_is_not_a_title() -> None:
    text = "x" * 201 + "\nThe second line is prose, not a heading."

    assert clean_plain(text, source_name="notes.txt").title == "notes"


def test_clean_plain_empty_text_is_skipped() -> None:
    with pytest.raises(SkipDocument, match="empty after cleaning"):
        clean_plain(" \n\t\x00 \r\n", source_name="blank.txt")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("<!DOCTYPE html><html><body>hi</body></html>", True),
        (b"\n  <html lang='en'><head>", True),
        ("<p>Just a paragraph</p>", True),
        (b"<?xml version='1.0'?><rss></rss>", False),
        ("Dear reader, 3 < 4 and 5 > 2.", False),
        (b"plain text\n" * 200 + b"<html>", False),  # beyond the first kilobyte
        ("", False),
    ],
)
def test_looks_like_html(prefix: str | bytes, expected: bool) -> None:
    assert looks_like_html(prefix) is expected


MARKUP_PIECES = st.sampled_from(
    [
        "<html>",
        "</html>",
        "<body>",
        "<p>",
        "</p>",
        "<div class='ad'>",
        "</div>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "<meta charset='x'>",
        '<script type="application/ld+json">{"headline": [1, {"a": ',
        "<a href='http://[::1'>",
        "<time datetime='2024-99-99'>",
        "&amp;",
        "&#0;",
        "<?xml version='1.0' encoding='utf-8'?>",
        "\x00",
        "\ufeff",
    ]
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(MARKUP_PIECES, st.text(max_size=40)), max_size=30))
def test_clean_html_only_ever_raises_skip_document(pieces: list[str]) -> None:
    try:
        result = clean_html("".join(pieces), url="https://example.com/x")
    except SkipDocument:
        return
    assert result.body


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=1024))
def test_decode_then_clean_random_bytes_only_raises_skip_document(data: bytes) -> None:
    text = decode_bytes(data).text
    try:
        clean_html(text)
        clean_plain(text)
    except SkipDocument:
        pass


@pytest.mark.shared
@pytest.mark.slow
def test_extraction_f1_on_dev_set_is_at_least_95_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    directory = shared_dir("data", "article_extraction_dev")
    bench = Path(__file__).resolve().parents[1] / "bench" / "extraction_quality.py"
    monkeypatch.syspath_prepend(str(bench.parent))  # the bench scripts import bench/common.py
    spec = importlib.util.spec_from_file_location("extraction_quality", bench)
    scorer = importlib.util.spec_from_file_location("extraction_score", directory / "score.py")
    assert spec is not None and spec.loader is not None
    assert scorer is not None and scorer.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    score = importlib.util.module_from_spec(scorer)
    scorer.loader.exec_module(score)
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))

    predictions, _ = module.predict(directory)

    assert score.score(truth, predictions)["f1"] >= 0.95


def test_clean_plain_finds_a_headline_below_a_summary_paragraph() -> None:
    text = (
        "The council approved the harbour plan on Tuesday after a long debate, and work will "
        "begin next spring, officials said.\n"
        "Harbour Plan Wins Approval\n"
        "Councillors voted 12 to 3 in favour of the plan."
    )
    clean = clean_plain(text, source_name="003_a5ac2c1f.txt")
    assert clean.title == "Harbour Plan Wins Approval"
    assert clean.body.startswith("The council approved")


def test_unwrap_lines_rejoins_hard_wrapped_wire_copy() -> None:
    wrapped = (
        "Philippine Finance Secretary Jaime Ongpin starts talks with the\n"
        "country's advisory committee in New York tomorrow, a year after\n"
        "President Corazon\n"
        "Aquino took power, central bank officials said in a statement.\n"
        "    The country now has foreign debt of about 28 billion dollars and\n"
        "wants better terms than those given to Mexico last year, they said.\n"
        "    Reserves   1,200   1,100\n"
    )
    text = unwrap_lines(wrapped)
    paragraphs = text.split("\n\n")
    assert "President Corazon Aquino took power" in paragraphs[0]
    assert paragraphs[1].startswith("The country now has foreign debt")
    assert paragraphs[2] == "Reserves   1,200   1,100"  # table rows are left alone


def test_unwrap_lines_leaves_ordinary_paragraphs_alone() -> None:
    text = (
        "A long paragraph on one line that goes on and on well past any wrap width. " * 3
        + "\n\nA second paragraph.\nWith a short line."
    )
    assert unwrap_lines(text) == text

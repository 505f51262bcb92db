"""The publication date of an HTML page, through clean_html as a user's page goes: placeholder
and future dates, day/month order, mastheads, UTC against local dates, month precision."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from indexer.page.clean import CleanText, clean_html

BODY = "".join(
    f"<p>Paragraph {i}: the council voted to repair the harbour wall and to keep the ferry "
    "running through the winter, after residents packed the hall for the evening meeting.</p>"
    for i in range(4)
)


def page(
    *,
    head: str = "",
    lang: str = "en",
    masthead: str = "",
    byline: str = "",
    after: str = "",
    title: str = "Council keeps the winter ferry",
) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} | Harbour Post</title>{head}</head><body>"
        f'<header class="site-header"><a class="logo" href="/">Harbour Post</a>{masthead}'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        f"<article><h1>{title}</h1>{byline}{BODY}</article>{after}"
        "<footer><p>© 2001-2024 Harbour Post</p></footer></body></html>"
    )


def dated(html: str, url: str = "https://harbourpost.com/news/winter-ferry") -> CleanText:
    return clean_html(html, url=url)


def json_ld(**fields: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# -- dates that are no dates ----------------------------------------------------------------


def test_a_json_ld_placeholder_date_falls_back_to_the_url_date() -> None:
    html = page(head=json_ld(headline="Council keeps the winter ferry", datePublished="0001-01-01"))
    result = dated(html, "https://harbourpost.com/2019/02/14/winter-ferry")
    assert (result.published, result.published_source) == (dt.date(2019, 2, 14), "url")


def test_a_placeholder_meta_date_falls_back_to_the_byline() -> None:
    html = page(
        head='<meta property="article:published_time" content="0001-01-01T00:00:00Z">',
        byline='<p class="byline">By Ana Silva | 3 June 2021</p>',
    )
    result = dated(html)
    assert (result.published, result.published_source) == (dt.date(2021, 6, 3), "byline")


def test_a_future_date_is_refused() -> None:
    future = dt.date.today() + dt.timedelta(days=40)
    html = page(head=f'<meta property="article:published_time" content="{future.isoformat()}">')
    assert dated(html).published is None
    html = page(
        head=f'<meta property="article:published_time" content="{future.isoformat()}">',
        byline='<p class="byline">By Ana Silva | 3 June 2021</p>',
    )
    assert dated(html).published == dt.date(2021, 6, 3)


# -- day/month order ----------------------------------------------------------------------


def test_a_us_page_reads_11_04_2008_as_4_november() -> None:
    html = page(lang="en-US", byline='<p class="byline">By Ana Silva | 11/04/2008</p>')
    assert dated(html).published == dt.date(2008, 11, 4)


def test_a_com_site_whose_other_dates_are_us_ordered_reads_11_04_2008_as_4_november() -> None:
    byline = '<p class="byline">By Ana Silva | 11/04/2008</p>'
    correction = "<p>Correction appended 11/25/2008: an earlier version misspelt a name.</p>"
    result = dated(page(byline=byline, after=correction), "https://harbourpost.com/news/x")
    assert result.published == dt.date(2008, 11, 4)


@pytest.mark.parametrize("lang", ["en-GB", "de", "fr-FR"])
def test_a_european_page_reads_11_04_2008_as_11_april(lang: str) -> None:
    html = page(lang=lang, byline='<p class="byline">By Ana Silva | 11/04/2008</p>')
    assert dated(html).published == dt.date(2008, 4, 11)


def test_a_uk_domain_reads_the_day_first() -> None:
    html = page(byline='<p class="byline">By Ana Silva | 11.04.2008</p>')
    assert dated(html, "https://harbourpost.co.uk/news/x").published == dt.date(2008, 4, 11)


def test_an_ambiguous_date_with_nothing_to_read_it_by_keeps_only_its_year() -> None:
    result = dated(page(byline='<p class="byline">By Ana Silva | 11/04/2008</p>'))
    assert (result.published, result.published_precision) == (dt.date(2008, 1, 1), "year")


def test_a_url_month_settles_an_ambiguous_date_to_the_day() -> None:
    html = page(byline='<p class="byline">By Ana Silva | 11/04/2008</p>')
    result = dated(html, "https://harbourpost.com/2008/04/winter-ferry")
    assert (result.published, result.published_precision) == (dt.date(2008, 4, 11), "day")


def test_a_url_that_names_only_the_month_gives_month_precision() -> None:
    result = dated(page(), "https://harbourpost.com/2024/03/winter-ferry/")
    assert (result.published, result.published_precision) == (dt.date(2024, 3, 1), "month")
    assert result.published_source == "url"


def test_a_saved_page_takes_the_date_of_its_canonical_url() -> None:
    head = '<link rel="canonical" href="https://harbourpost.com/2022/10/05/winter-ferry">'
    result = clean_html(page(head=head))
    assert (result.published, result.published_source) == (dt.date(2022, 10, 5), "url")


# -- the masthead and other furniture -------------------------------------------------------


@pytest.mark.parametrize(
    "masthead",
    [
        '<div class="date-today">Tuesday, 12 March 2024</div>',
        "<div><span>Today is Tuesday, March 12, 2024</span></div>",
        '<p class="current-date"><time datetime="2024-03-12">12 March 2024</time></p>',
        "<div>Tuesday, 12 March 2024</div>",
    ],
)
def test_the_mastheads_today_date_is_not_the_articles(masthead: str) -> None:
    assert dated(page(masthead=masthead)).published is None
    html = page(masthead=masthead, byline='<p class="byline">By Ana Silva | 2 May 2019</p>')
    assert dated(html).published == dt.date(2019, 5, 2)


def test_dates_of_related_stories_and_comments_are_not_the_articles() -> None:
    related = "".join(
        f"<li><a href='/n/{d}'>Story {d}</a> <span class='date'>{d} May 2019</span></li>"
        for d in (3, 4, 5, 6)
    )
    comments = '<section id="comments"><p class="comment-meta">Ben on 8 May 2019</p></section>'
    html = page(after=f'<aside class="related"><ul>{related}</ul></aside>{comments}')
    assert dated(html).published is None


def blog_post(date_block: str) -> str:
    """A blog page as Blogger and Typepad lay one out: the day above the post, outside it."""
    return (
        "<!doctype html><html lang='en'><head><title>Harbour Notes: Council keeps the winter "
        "ferry</title></head><body><div id='header'><h1 class='blog-title'>Harbour Notes</h1>"
        f"</div><div class='pagebody'>{date_block}<div class='entry'><h3 class='entry-header'>"
        f"Council keeps the winter ferry</h3><div class='entry-body'>{BODY}</div></div></div>"
        "</body></html>"
    )


def test_a_blogs_date_header_above_the_post_is_its_date() -> None:
    html = blog_post("<h2 class='date-header'>Wednesday, September 26, 2012</h2>")
    assert dated(html).published == dt.date(2012, 9, 26)


def test_a_header_date_in_the_sites_masthead_is_still_furniture() -> None:
    html = blog_post("<div class='header-date'>Wednesday, September 26, 2012</div>")
    assert dated(html).published is None


def test_a_date_inside_a_sentence_is_not_the_publication_date() -> None:
    html = page(byline="<p>The festival, which opened on 14 March 2024, drew large crowds.</p>")
    assert dated(html).published is None


# -- UTC against the page's local date ------------------------------------------------------


def test_a_utc_stamp_one_day_off_the_byline_gives_way_to_the_local_date() -> None:
    html = page(
        head='<meta property="article:published_time" content="2024-03-14T23:30:00Z">',
        byline='<p class="byline">By Ana Silva | March 15, 2024</p>',
    )
    result = dated(html)
    assert (result.published, result.published_source) == (dt.date(2024, 3, 15), "byline")


def test_a_stamp_with_an_offset_keeps_its_own_local_date() -> None:
    html = page(head='<meta property="article:published_time" content="2024-03-14T23:30:00-05:00">')
    result = dated(html)
    assert (result.published, result.published_source) == (
        dt.date(2024, 3, 14),
        "meta:article:published_time",
    )


def test_a_utc_stamp_that_agrees_with_the_byline_is_kept() -> None:
    html = page(
        head='<meta property="article:published_time" content="2024-03-14T10:00:00Z">',
        byline='<p class="byline">By Ana Silva | March 14, 2024</p>',
    )
    assert dated(html).published_source == "meta:article:published_time"


# -- what the byline says -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected", "source"),
    [
        (
            '<p class="dates">Published 3 June 2021 | Updated 5 June 2021</p>',
            (2021, 6, 3),
            "byline",
        ),
        ('<p class="dates">Updated 5 June 2021</p>', (2021, 6, 5), "updated"),
        (
            '<div class="meta"><span>Ana Silva</span><span class="date">Jun. 3, 2021</span></div>',
            (2021, 6, 3),
            "byline",
        ),
        ("<p>Posted by admin on June 3, 2021 in News · 4 Comments</p>", (2021, 6, 3), "byline"),
        ("<p>LIMA, 3 June 2021 (Reuters) - The council met.</p>", (2021, 6, 3), "byline"),
    ],
)
def test_the_byline_forms_sites_use(
    byline: str, expected: tuple[int, int, int], source: str
) -> None:
    result = dated(page(byline=byline))
    assert (result.published, result.published_source) == (dt.date(*expected), source)

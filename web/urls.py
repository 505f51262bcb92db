"""Links between search pages: every one is a SearchRequest turned back into a query string.

The request itself knows how to toggle a facet value or change page; these helpers only add the
few variations the templates need and the rule for which stored URLs are safe to link to.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from flask import url_for

from search.query import SearchRequest

WEB_SCHEMES = ("http://", "https://")


def search_url(search_request: SearchRequest) -> str:
    """The HTML search page for a request; the bare path when nothing is set."""
    query = search_request.query_string()
    base = url_for("views.search")
    return f"{base}?{query}" if query else base


def without_facet(search_request: SearchRequest, facet: str) -> SearchRequest:
    """The request with every value of one facet removed (the facet's "clear" link)."""
    for value in search_request.selected(facet):
        search_request = search_request.with_toggled(facet, value)
    return search_request


def with_filter(search_request: SearchRequest, facet: str, value: str) -> SearchRequest:
    """The request narrowed by one more facet value; unchanged if it is already selected."""
    if value in search_request.selected(facet):
        return search_request
    return search_request.with_toggled(facet, value)


def without_date(search_request: SearchRequest, bound: str) -> SearchRequest:
    """The request with its `from` or `to` bound dropped, back on page 1."""
    if bound == "from":
        return replace(search_request, date_from=None, page=1)
    return replace(search_request, date_to=None, page=1)


def page_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and a few around `page`; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, page - radius), min(pages, page + radius) + 1)})
    window: list[int | None] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            window.append(None)
        window.append(number)
        previous = number
    return window


def url_host(url: str | None) -> str:
    """The host of an http(s) URL, for compact provenance in result lists; "" otherwise."""
    if not url or not url.lower().startswith(WEB_SCHEMES):
        return ""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket in a scraped link
        return ""


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs with a host become links: `javascript:` or `data:` URLs stay text."""
    return bool(url_host(url))

"""Links between search pages: every one is a SearchRequest turned back into a query string.

The request itself knows how to toggle a facet value or change page; these helpers only add the
few variations the templates need and the rule for which stored URLs are safe to link to.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from flask import request, url_for

from search.facets import bucket_range
from search.parameters import HISTOGRAMS
from search.query import SearchRequest
from search.timeline import Bar

WEB_SCHEMES = ("http://", "https://")
# the date bounds a request can carry, in URL order, with their chip labels
DATE_BOUNDS = {
    "from": "From",
    "to": "To",
    "mentioned_from": "Mentions dates from",
    "mentioned_to": "Mentions dates to",
}
# an entity page lists its documents newest first, 20 to a page; its links into the search
# leave those out so the search page uses its own defaults
ENTITY_PAGE_PARAMS = ("sort", "per_page", "page")


def search_url(search_request: SearchRequest) -> str:
    """The HTML search page for a request; the bare path when nothing is set."""
    query = search_request.query_string()
    base = url_for("views.search")
    return f"{base}?{query}" if query else base


def feed_url(search_request: SearchRequest) -> str:
    """The Atom feed of a search: its query and filters, without page, sort or page size (a
    feed is always the newest documents first)."""
    params = params_except(search_request, ("sort", "per_page"))
    base = url_for("views.search_feed")
    return f"{base}?{urlencode(params)}" if params else base


def export_url(search_request: SearchRequest, export_format: str) -> str:
    """Every document of a search as a file (GET /api/export): its query, filters and sort,
    without page or page size (an export is never paged)."""
    params = [*params_except(search_request, ("per_page",)), ("format", export_format)]
    return f"{url_for('api.export')}?{urlencode(params)}"


def absolute_url(path: str) -> str:
    """A path of this site as an absolute URL, for feeds read elsewhere."""
    return urljoin(request.host_url, path)


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
    """The request with one date bound (`from`, `to`, `mentioned_from`, `mentioned_to`)
    dropped, back on page 1."""
    for histogram, (low, high) in HISTOGRAMS.items():
        start, end = search_request.date_range(histogram)
        if bound == low:
            return search_request.with_date_range(histogram, None, end)
        if bound == high:
            return search_request.with_date_range(histogram, start, None)
    raise ValueError(f"unknown date bound {bound!r}")


def active_dates(search_request: SearchRequest) -> list[tuple[str, str, dt.date]]:
    """(parameter, label, date) for every date bound set, for the removable chips."""
    params = dict(search_request.to_params())
    return [
        (bound, label, dt.date.fromisoformat(params[bound]))
        for bound, label in DATE_BOUNDS.items()
        if bound in params
    ]


def params_except(search_request: SearchRequest, names: list[str] | tuple[str, ...]) -> list:
    """The request's parameters minus `names` and `page`: hidden fields of the small forms
    (a date range, a facet's value search) that change one thing and keep the rest."""
    return [(k, v) for k, v in search_request.to_params() if k not in names and k != "page"]


def entity_url(label: str, name: str) -> str:
    """The entity page of a person, organisation or place."""
    return url_for("views.entity", label=label, name=name)


def entity_search_url(toggle_query: str) -> str:
    """A search page link from a value on an entity page (its own sort and size dropped)."""
    params = [(k, v) for k, v in parse_qsl(toggle_query) if k not in ENTITY_PAGE_PARAMS]
    base = url_for("views.search")
    return f"{base}?{urlencode(params)}" if params else base


def facet_page_url(
    search_request: SearchRequest, facet: str, contains: str = "", page: int = 1
) -> str:
    """The "show more" page listing many values of one facet for the current search (its
    page `page`, only values containing `contains`)."""
    params = params_except(search_request, ())
    if contains:
        params.append(("fq", contains))
    if page > 1:
        params.append(("fpage", str(page)))
    query = urlencode(params)
    base = url_for("views.facet_page", facet=facet)
    return f"{base}?{query}" if query else base


def facet_api_url(search_request: SearchRequest, facet: str, contains: str = "") -> str:
    """/api/facets for a facet page: the search's query goes as `query`, the text as `q`."""
    params = [("query" if k == "q" else k, v) for k, v in params_except(search_request, ())]
    if contains:
        params.insert(0, ("q", contains))
    base = url_for("api.facet_values", facet=facet)
    return f"{base}?{urlencode(params)}" if params else base


def bucket_bounds(value: str) -> tuple[str, str]:
    """The first and last day of a histogram bucket ("2024-06" → 2024-06-01, 2024-06-30) as
    ISO dates, for brushing a range across bars; ("", "") when the value is not a date."""
    try:
        start, end = bucket_range(value)
    except ValueError:
        return "", ""
    return start.isoformat(), end.isoformat()


def bar_url(name: str, bar: Bar, req: SearchRequest | None) -> str:
    """Where a histogram bar leads: its bucket toggled (one bucket) or its range set (a bar
    merging several buckets, cleared when it is the range already chosen). Without a
    request (entity pages) the link is a search started from the first bucket's query."""
    single = bar.single
    if single is not None:
        base = url_for("views.search")
        return (
            single.toggle_url(base) if req is not None else entity_search_url(single.toggle_query)
        )
    start, _ = bucket_range(bar.first)
    _, end = bucket_range(bar.last)
    if req is not None:
        chosen = req.date_range(name) == (start, end)
        return search_url(req.with_date_range(name, *((None, None) if chosen else (start, end))))
    low, high = HISTOGRAMS[name]
    params = [(k, v) for k, v in parse_qsl(bar.values[0].toggle_query) if k not in (low, high)]
    params += [(low, start.isoformat()), (high, end.isoformat())]
    return entity_search_url(urlencode(params))


def mentioned_date_url(value: str) -> str:
    """The search for documents mentioning a date ("2024-12-03", "2024-12", "1990s"); "" when
    the value is not a date."""
    try:
        start, end = bucket_range(value)
    except ValueError:
        return ""
    return search_url(SearchRequest().with_date_range("mentioned", start, end))


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

"""The HTML pages: parse the request, call the SearchService, render a template. Nothing else.

Template helpers live here (filters and globals) so the templates stay declarative; anything
about search semantics belongs in search/.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace
from urllib.parse import parse_qsl

from babel import Locale
from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from search.compare import parse_compare
from search.documents import Document, content_type_label, iso_at
from search.errors import DocumentNotFound, EntityNotFound, QueryError
from search.highlight import query_words
from search.mention_sentences import MentionSentence
from search.parameters import (
    DEFAULT_FACET_VALUES,
    ENTITY_FACETS,
    ENTITY_NOUNS,
    FACET_LABELS,
    FILTER_LABELS,
    HISTOGRAMS,
    facet_text,
    parameter,
    whole_number,
)
from search.query import QUERY_FIELDS, SearchRequest
from search.reasons import plain_reason
from search.service import SearchService
from search.stories import CHANGE_FLAGS
from search.timeline import timeline
from web import feed, mentions, urls
from web.compare_rows import display_rows, side_by_side
from web.context import get_service

bp = Blueprint("views", __name__)

# the facet page shows this many values at a time
FACET_PAGE_VALUES = DEFAULT_FACET_VALUES
_ENGLISH = Locale("en")
BAR_LEVELS = 10


@bp.get("/search")
@bp.get("/")  # registered first, so url_for gives "/"
def search() -> str:
    service = get_service()
    search_request = service.parse(request.args)
    response = service.search(search_request)
    return render_template(
        "search.html",
        response=response,
        req=search_request,
        changes=service.change_facet(search_request),
        # sorting by date means nothing when no document (in these results) has a date
        dated=any(f.name == "published" and f.values for f in response.facets),
    )


@bp.get("/search.atom")
def search_feed() -> Response:
    """The newest documents of a search as Atom, so a feed reader can follow the query."""
    service = get_service()
    search_request = service.parse(request.args)
    response = service.search(feed.feed_request(search_request))
    body = feed.atom_feed(
        response,
        title=feed.feed_title(search_request, FILTER_LABELS),
        self_url=urls.absolute_url(urls.feed_url(search_request)),
        html_url=urls.absolute_url(urls.search_url(search_request.with_page(1))),
        document_url=lambda hit: url_for("views.document", doc_id=hit.doc_id, _external=True),
        ingested=lambda hit: _ingested_at(service, hit.doc_id),
    )
    return Response(body, content_type=f"{feed.ATOM_TYPE}; charset=utf-8")


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str) -> str:
    service = get_service()
    doc = service.get(doc_id)
    back_request = results_request(request.args.get("back", ""))
    versions = service.versions(doc_id)
    link_for = mentions.entity_link_for(doc, urls.entity_url, urls.mentioned_date_url)
    return render_template(
        "document.html",
        doc=doc,
        paragraphs=mentions.marked_paragraphs(doc, link_for),
        page_anchors=mentions.page_anchors(doc),
        parent=_stored(service, doc.parent_id),
        legend=mentions.mention_labels_used(doc),
        dates=mentions.mentioned_dates(doc),
        versions=versions,
        related=service.related(doc_id),
        back_url=urls.search_url(back_request) if back_request else "",
        back_query=back_request.query_string() if back_request else "",
        highlight=query_words(back_request.q) if back_request else [],
        compare_urls={
            link.doc_id: compare_url(*service.compare_order(doc_id, link.doc_id))
            for link in versions
        },
    )


def _ingested_at(service: SearchService, doc_id: str) -> dt.datetime | None:
    """When a document was ingested: an undated feed entry's stable `updated`."""
    try:
        found = service.get(doc_id)
    except DocumentNotFound:
        return None
    at = found.ingested_at
    return at.replace(tzinfo=dt.UTC) if at and at.tzinfo is None else at


def results_request(back: str) -> SearchRequest | None:
    """The search a document was opened from (`back`, its query string), re-parsed so the
    link back carries only valid parameters; None when absent or invalid."""
    if not back or len(back) > 4000:
        return None
    try:
        return get_service().parse(MultiDict(parse_qsl(back)))
    except QueryError:
        return None


def _stored(service: object, doc_id: str) -> Document | None:
    """The document with this id, or None (a message's attachment outlives a deleted message)."""
    if not doc_id:
        return None
    try:
        return service.get(doc_id)  # type: ignore[attr-defined]
    except DocumentNotFound:
        return None


@bp.get("/compare/<a>/<b>")
def compare(a: str, b: str) -> str:
    """Two versions of a story side by side, with what b adds, drops or changes."""
    comparison = get_service().compare(a, b)
    return render_template(
        "compare.html",
        comparison=comparison,
        rows=display_rows(side_by_side(comparison)),
        swap_url=compare_url(b, a),
    )


@bp.get("/compare")
def compare_ids() -> str:
    """The same page for ids a path segment cannot hold: /compare?a=<id>&b=<id>."""
    return compare(*parse_compare(request.args))


def compare_url(a: str, b: str) -> str:
    """The comparison page of two documents (query form for ids holding a slash)."""
    if "/" in a or "/" in b:
        return url_for("views.compare_ids", a=a, b=b)
    return url_for("views.compare", a=a, b=b)


@bp.get("/entity/<label>/<path:name>")
def entity(label: str, name: str) -> str:
    found = get_service().entity(label, entity_name(label, name))
    return render_template("entity.html", entity=found)


@bp.get("/facets/<facet>")
def facet_page(facet: str) -> str:
    """ "Show more" for one facet: every value, a page of them at a time (`fpage`), narrowed
    by the text in `fq`."""
    service = get_service()
    search_request = service.parse(request.args)
    contains = facet_text(request.args.get("fq"), "fq")
    number = whole_number(request.args.get("fpage"), parameter("facet_page", "fpage"))
    offset = (number - 1) * FACET_PAGE_VALUES
    found = service.facet_values(facet, search_request, FACET_PAGE_VALUES, contains, offset)
    return render_template(
        "facet.html",
        facet=found,
        req=search_request,
        fq=contains,
        fpage=number,
        first=offset + 1,
        pages=max(1, -(-found.total_values // FACET_PAGE_VALUES)),
    )


@bp.get("/favicon.ico")
def favicon() -> WerkzeugResponse:
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/about")
def about() -> str:
    return render_template("about.html", stats=get_service().stats())


def entity_name(label: str, name: str) -> str:
    """An entity page's name as facets store it: without surrounding spaces.

    Raises:
        EntityNotFound: a name of only spaces (as a filter it would be dropped, and the page
            would claim every document mentions it).
    """
    stripped = name.strip()
    if not stripped and label in ENTITY_FACETS:
        raise EntityNotFound(label, name)
    return stripped or name


@bp.app_template_filter("bar_level")
def bar_level(count: int, top: int) -> int:
    """A histogram bar's height class, 1..10 relative to the tallest (0 for an empty bucket)."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(BAR_LEVELS, math.ceil(count * BAR_LEVELS / top)))


@bp.app_template_filter("date_label")
def date_label(value: str, short: bool = False) -> str:
    """A date value at its precision for people: "3 December 2024", "June 2024", "2024",
    "1990s"; `short` abbreviates the month. Anything else comes back unchanged."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return f"{day.day} {day:%b %Y}" if short else long_date(day)
        if len(value) == 7:
            month = dt.date.fromisoformat(f"{value}-01")
            return f"{month:%b %Y}" if short else f"{month:%B %Y}"
    except ValueError:
        pass
    return value


@bp.app_template_filter("language_name")
def language_name(code: str) -> str:
    """A language code as readers know it ("de" -> "German"), from the CLDR data Babel ships;
    the code itself when CLDR has no name for it."""
    return str(_ENGLISH.languages.get(code, code)) if code else "unknown"


@bp.app_template_filter("language_source")
def language_source(source: str) -> str:
    """How a document's language was decided (indexer.language.detect), in words."""
    declared = re.search(r"page declared (\S+?)\)?$", source)
    if source.startswith("text"):
        said = f"; the page declared {language_name(declared.group(1))}" if declared else ""
        return f"detected from the text{said}"
    if source == "declared":
        return "as the page declares: too little text to tell"
    if source == "assumed":
        return "assumed: too little text to tell"
    return source


@bp.app_template_filter("facet_value_label")
def facet_value_label(value: str, facet: str) -> str:
    """A facet value as shown: language codes by name, names as they are."""
    return language_name(value) if facet == "language" else value


@bp.app_template_filter("highlighted")
def highlighted(snippet: str) -> Markup:
    """The one place HTML from the index is trusted.

    Hit.snippet comes from Whoosh's HtmlFormatter (or the service's excerpt), both of which
    escape the document text and add only <mark> tags.
    """
    return Markup(snippet)


@bp.app_template_filter("mention_marked")
def mention_marked(sentence: MentionSentence, label: str) -> Markup:
    """A quoted sentence as escaped HTML with <mark> around each mention of the entity."""
    pieces: list[Markup] = []
    pos = 0
    for start, end in sentence.marks:
        pieces.append(escape(sentence.text[pos:start]))
        pieces.append(
            Markup('<mark class="entity entity-{}">{}</mark>').format(
                label, sentence.text[start:end]
            )
        )
        pos = end
    pieces.append(escape(sentence.text[pos:]))
    return Markup("").join(pieces)


@bp.app_template_filter("long_date")
def long_date(value: dt.date | None, precision: str = "day") -> str:
    """3 December 2024: unambiguous for readers everywhere, unlike 03/12/2024; "December 2024"
    or "2024" for a publication date known only to the month or the year."""
    if not value:
        return ""
    if precision == "year":
        return f"{value:%Y}"
    return f"{value:%B %Y}" if precision == "month" else f"{value.day} {value:%B %Y}"


@bp.app_template_filter("iso_at")
def iso_at_filter(value: dt.date, precision: str = "day") -> str:
    """The machine-readable form for <time datetime>: "2024-12-03", "2024-12" or "2024"."""
    return iso_at(value, precision)


for _helper in (
    urls.search_url,
    urls.feed_url,
    urls.export_url,
    urls.without_facet,
    urls.with_filter,
    urls.without_date,
    urls.active_dates,
    urls.params_except,
    urls.entity_url,
    urls.entity_search_url,
    urls.facet_page_url,
    urls.facet_api_url,
    urls.mentioned_date_url,
    urls.bucket_bounds,
    urls.bar_url,
    urls.page_window,
    urls.is_web_url,
    urls.url_host,
):
    bp.add_app_template_global(_helper)
bp.add_app_template_global(timeline)
bp.add_app_template_filter(plain_reason, "plain_reason")


@bp.record_once
def _template_tables(state: BlueprintSetupState) -> None:
    """The tables the templates read: globals like the helpers above, but not functions,
    which add_app_template_global is for."""
    state.app.jinja_env.globals.update(
        facet_labels=FACET_LABELS,
        filter_labels=FILTER_LABELS,
        entity_nouns=ENTITY_NOUNS,
        mention_names=mentions.MENTION_NAMES,
        histogram_params=HISTOGRAMS,
        query_fields=QUERY_FIELDS,
        change_labels=CHANGE_FLAGS,
    )


bp.add_app_template_global(compare_url)
bp.add_app_template_filter(content_type_label, "type_label")


@bp.app_template_global("all_versions_url")
def all_versions_url(search_request: SearchRequest) -> str:
    """The same search with every version of a story shown as its own hit."""
    return urls.search_url(replace(search_request, versions="all", page=1))


@bp.app_template_global("exact_url")
def exact_url(search_request: SearchRequest, q: str) -> str:
    """The search for `q` exactly as typed: no other spellings of names, no correction."""
    return urls.search_url(replace(search_request, q=q, exact=True, page=1))


@bp.app_template_global("suggestion_url")
def suggestion_url(search_request: SearchRequest, q: str) -> str:
    """The same search with the spelling suggestion as its text (one click)."""
    return urls.search_url(replace(search_request, q=q, page=1))

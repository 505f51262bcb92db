"""The HTML pages: parse the request, call the SearchService, render a template. Nothing else.

Template helpers live here (filters and globals) so the templates stay declarative; anything
about search semantics belongs in search/.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, render_template, request
from markupsafe import Markup

from search.query import QUERY_FIELDS
from web import urls
from web.app import get_service

bp = Blueprint("views", __name__)

FACET_LABELS = {"person": "People", "org": "Organisations", "place": "Places", "year": "Year"}
FILTER_LABELS = {"person": "Person", "org": "Organisation", "place": "Place", "year": "Year"}


@bp.get("/search")
@bp.get("/")  # registered first, so url_for gives "/"
def search() -> str:
    service = get_service()
    search_request = service.parse(request.args)
    response = service.search(search_request)
    return render_template("search.html", response=response, req=search_request)


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str) -> str:
    doc = get_service().get(doc_id)
    return render_template("document.html", doc=doc, paragraphs=split_paragraphs(doc.body))


@bp.get("/about")
def about() -> str:
    return render_template("about.html", stats=get_service().stats())


def split_paragraphs(text: str) -> list[str]:
    """Cleaned text keeps paragraphs as blank-line-separated blocks."""
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


@bp.app_template_filter("highlighted")
def highlighted(snippet: str) -> Markup:
    """The one place HTML from the index is trusted.

    Hit.snippet comes from Whoosh's HtmlFormatter (or the service's excerpt), both of which
    escape the document text and add only <mark> tags.
    """
    return Markup(snippet)


@bp.app_template_filter("long_date")
def long_date(value: dt.date | None) -> str:
    """3 December 2024: unambiguous for readers everywhere, unlike 03/12/2024."""
    return f"{value.day} {value:%B %Y}" if value else ""


for _helper in (
    urls.search_url,
    urls.without_facet,
    urls.with_filter,
    urls.without_date,
    urls.page_window,
    urls.is_web_url,
    urls.url_host,
):
    bp.add_app_template_global(_helper)
bp.add_app_template_global(FACET_LABELS, "facet_labels")
bp.add_app_template_global(FILTER_LABELS, "filter_labels")
bp.add_app_template_global(QUERY_FIELDS, "query_fields")

"""A small fixed news corpus in a real on-disk Whoosh index, and apps over it, for web tests.

Plain functions rather than fixtures so each test module declares its own fixtures and nothing
is imported for its side effects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from search.documents import Document, Mention, make_doc_id
from search.index import write_documents, write_names
from search.names import NameTable
from search.service import SearchService
from search.settings import Settings
from web import create_app

XSS_TITLE = "<script>alert(1)</script> Harbour exposé"
# mentions sit right against the markup, so escaping must hold at every piece boundary
XSS_BODY = (
    "Beware of Mallory<script>alert(1)</script>today in the harbour report.\n\n"
    'A second paragraph with <img src=x onerror="alert(2)"> and more harbour news.'
)
XSS_URL = "javascript:alert(3)"
# the spellings the indexer merged into a shown name, written beside the index
VARIANTS = ("Volodymyr Zelenskyy", "Zelenskiy")
NAMES = NameTable(aliases={"person": dict.fromkeys(VARIANTS, "Volodymyr Zelensky")})

# (label, surface text, canonical value); dates carry their ISO value at their precision
MentionSpec = tuple[str, str, str]
PRECISION = {10: "day", 7: "month", 4: "year", 5: "decade"}


def _mentions(body: str, specs: tuple[MentionSpec, ...]) -> tuple[Mention, ...]:
    """Body mentions with offsets found in the text: each spec is the next occurrence."""
    found = []
    seen: dict[str, int] = {}
    for label, text, value in specs:
        start = body.index(text, seen.get(text, 0))
        seen[text] = start + len(text)
        precision = PRECISION[len(value)] if label == "date" else ""
        found.append(Mention(label, text, start, start + len(text), "body", value, precision))
    return tuple(found)


def _doc(
    url: str,
    title: str,
    body: str,
    published: dt.date | None,
    mentions: tuple[MentionSpec, ...] = (),
    **kw: object,
) -> Document:
    return Document(
        doc_id=make_doc_id(url),
        title=title,
        body=body,
        url=url,
        source=kw.pop("source", "news.example"),
        published=published,
        mentions=_mentions(body, mentions),
        **kw,
    )  # type: ignore[arg-type]


CORPUS: tuple[Document, ...] = (
    _doc(
        "https://news.example/nato-ministers",
        "Nato foreign ministers meet in Brussels",
        "Nato foreign ministers gathered in Brussels to discuss support for Ukraine.\n\n"
        "Mark Rutte chaired his first ministerial meeting. "
        "Mr Rutte said the support would last through 2025.",
        dt.date(2024, 12, 3),
        (
            ("org", "Nato", "NATO"),
            ("place", "Brussels", "Brussels"),
            ("person", "Mark Rutte", "Mark Rutte"),
            ("person", "Mr Rutte", "Mark Rutte"),
            ("date", "2025", "2025"),
        ),
        people=("Mark Rutte", "Antony Blinken"),
        orgs=("NATO",),
        places=("Brussels",),
        author="Jane Reporter",
        published_source="meta",
        encoding="utf-8",
        decode_method="meta",
    ),
    _doc(
        "https://news.example/zelensky-washington",
        "Zelensky visits Washington",
        "Volodymyr Zelensky met Joe Biden at the White House on 12 December 2023 to ask "
        "Congress for aid. Mr Zelenskiy thanked him.",
        dt.date(2023, 12, 12),
        (
            ("person", "Volodymyr Zelensky", "Volodymyr Zelensky"),
            ("person", "Joe Biden", "Joe Biden"),
            ("date", "12 December 2023", "2023-12-12"),
            ("org", "Congress", "Congress"),
            ("person", "Mr Zelenskiy", "Volodymyr Zelensky"),
        ),
        people=("Volodymyr Zelensky", "Joe Biden"),
        orgs=("Congress",),
        places=("Washington",),
    ),
    _doc(
        "https://news.example/rutte-chief",
        "Rutte named Nato secretary general",
        "The alliance appointed Mark Rutte as its next secretary general in The Hague, "
        "from 1 October 2024.",
        dt.date(2024, 6, 26),
        (
            ("person", "Mark Rutte", "Mark Rutte"),
            ("place", "The Hague", "The Hague"),
            ("date", "1 October 2024", "2024-10-01"),
        ),
        people=("Mark Rutte",),
        orgs=("NATO",),
        places=("The Hague",),
    ),
    _doc(
        "https://news.example/harbour-fire",
        "Fire at the Rotterdam harbour",
        "A large fire broke out in the harbour of Rotterdam overnight; nobody was hurt. "
        "The quay was built in the 1990s.",
        dt.date(2022, 5, 1),
        (("place", "Rotterdam", "Rotterdam"), ("date", "1990s", "1990s")),
        orgs=("Port of Rotterdam",),
        places=("Rotterdam",),
    ),
    _doc(
        "https://news.example/eu-summit",
        "EU summit on Ukraine aid",
        "Volodymyr Zelensky addressed the European Union summit in Brussels by video link "
        "on 21 March 2024.",
        dt.date(2024, 3, 21),
        (
            ("person", "Volodymyr Zelensky", "Volodymyr Zelensky"),
            ("org", "European Union", "European Union"),
            ("place", "Brussels", "Brussels"),
            ("date", "21 March 2024", "2024-03-21"),
        ),
        people=("Volodymyr Zelensky", "Ursula von der Leyen"),
        orgs=("European Union",),
        places=("Brussels",),
    ),
    _doc(
        XSS_URL,
        XSS_TITLE,
        XSS_BODY,
        dt.date(2021, 1, 1),
        (("person", "Mallory", "Mallory"), ("date", "today", "2021-01-01")),
        people=("Mallory",),
        source="evil.example",
    ),
    _doc(
        "file:///archive/memo.txt",
        "Undated memo about the archive",
        "An internal memo about the archive, with no date anywhere.",
        None,
        source="archive",
    ),
)
BY_TITLE = {doc.title: doc for doc in CORPUS}
NEWEST_FIRST = [
    d.title
    for d in sorted(
        (d for d in CORPUS if d.published), key=lambda d: d.published or dt.date.min, reverse=True
    )
]


def build_service(tmp_path: Path, docs: tuple[Document, ...] = CORPUS) -> SearchService:
    """A SearchService over a fresh on-disk index holding `docs` (none: nothing ingested)."""
    settings = Settings(home=tmp_path / "home")
    if docs:
        write_documents(settings.index_dir, docs)
        write_names(settings.index_dir, NAMES)
    return SearchService.over_index(settings.index_dir, settings)


def build_app(tmp_path: Path, docs: tuple[Document, ...] = CORPUS) -> Flask:
    service = build_service(tmp_path, docs)
    app = create_app(service.settings, service)
    app.config["TESTING"] = True
    return app


def soup(html: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def get_page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    """Fetch a page, check its status, and parse it as a person's browser would show it."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return soup(response.data)


def hit_titles(page: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in page.select("ol.hits .hit-title a")]


def total(page: BeautifulSoup) -> int:
    return int(page.select_one(".result-count")["data-total"])

"""Hostile documents stay text, every response carries the security headers, /api/ speaks only
JSON, and DOCSIFT_TOKEN locks every route but /healthz and static files."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from webfixtures import CORPUS, build_app, soup
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.test import TestResponse

from search.documents import Document, Mention, make_doc_id
from search.index import write_documents, write_names
from search.names import NameTable
from search.query import SearchRequest
from search.results import SearchResponse
from search.service import SearchService
from search.settings import Settings, load_settings
from web import create_app
from web.app import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from web.auth import COOKIE, session_value

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
ATTR = "' onmouseover='alert(3)"
JS_URL = "javascript:alert(1)"
PERSON = f"Eve {SCRIPT}"
PERSON2 = f"Mallory {IMG}"
ORG = f"Org {ATTR}"
PLACE = f"Port {IMG}"
ALIAS = f"Evie {SCRIPT}"
TOKEN = "correct-horse-battery-staple-0123456789"


def _hostile(url: str, title: str, body: str, mentions: tuple[tuple[str, str], ...]) -> Document:
    found = []
    for label, text in mentions:
        start = body.index(text)
        value = "2024-03-01" if label == "date" else text
        precision = "day" if label == "date" else ""
        found.append(Mention(label, text, start, start + len(text), "body", value, precision))
    return Document(
        doc_id=make_doc_id(url),
        title=title,
        body=body,
        url=url,
        source=f"evil.example {IMG}",
        author=f"{IMG} {SCRIPT}",
        published=dt.date(2024, 3, 1),
        people=(PERSON, PERSON2),
        orgs=(ORG,),
        places=(PLACE,),
        mentions=tuple(found),
    )


BODY = (
    f"The harbour report by {PERSON} and {PERSON2}.\n\n"
    f"The ferry {ATTR} strike of {ORG} in {PLACE} began on 1 March 2024 {SCRIPT}."
)
MENTIONS = (
    ("person", PERSON),
    ("person", PERSON2),
    ("org", ORG),
    ("place", PLACE),
    ("date", "1 March 2024"),
)
HOSTILE = (
    _hostile(JS_URL, f"{SCRIPT} Harbour {IMG}", BODY, MENTIONS),
    _hostile("  JaVaScRiPt:alert(1)", f"Ferry {ATTR} strike", BODY, MENTIONS),
    _hostile("data:text/html,<script>alert(1)</script>", "Data harbour", BODY, MENTIONS),
    _hostile('https://evil.example/"><script>alert(1)</script>', "Quoted URL", BODY, MENTIONS),
)
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "srcset")


def hostile_app(tmp_path: Path) -> Flask:
    settings = Settings(home=tmp_path / "home")
    write_documents(settings.index_dir, HOSTILE + CORPUS[:2])
    write_names(settings.index_dir, NameTable(aliases={"person": {ALIAS: PERSON}}))
    app = create_app(settings, SearchService.over_index(settings.index_dir, settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return hostile_app(tmp_path).test_client()


def assert_inert(html: bytes, where: str) -> BeautifulSoup:
    """No markup from a document survives: only our own script, no injected element, event
    handler or dangerous URL, and none of the payloads raw in the bytes."""
    assert b"<script>alert" not in html, where
    assert b"<img" not in html, where
    page = soup(html)
    for script in page.find_all("script"):
        assert script.get("src") == "/static/app.js" and not script.get_text(strip=True), where
    for name in ("img", "iframe", "object", "embed", "math", "base", "meta[http-equiv]"):
        assert not page.select(name), (where, name)
    for svg in page.select("svg"):  # only our own icons: a class, one path, nothing else
        assert "icon" in svg.get("class", []) and svg.get("aria-hidden") == "true", where
        assert [c.name for c in svg.find_all(True)] == ["path"], (where, str(svg)[:200])
    for tag in page.find_all(True):
        handlers = [a for a in tag.attrs if a.lower().startswith("on")]
        assert not handlers, (where, tag.name, handlers)
        for attribute in URL_ATTRIBUTES:
            value = tag.get(attribute)
            if value is None:
                continue
            # browsers drop whitespace and control characters inside a scheme
            squeezed = re.sub(r"[\x00-\x20]", "", str(value)).lower()
            assert not squeezed.startswith(BAD_SCHEMES), (where, tag.name, value)
    return page


def get_inert(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return assert_inert(response.data, url)


def entity_path(label: str, name: str) -> str:
    return f"/entity/{label}/{quote(name, safe='')}"


def test_search_pages_show_hostile_titles_snippets_and_facets_as_text(
    client: FlaskClient,
) -> None:
    for url in (
        "/",
        "/?q=harbour",
        "/?q=ferry+strike&versions=all",
        "/?" + urlencode([("person", PERSON), ("person", PERSON2), ("org", ORG)]),
        "/?" + urlencode([("place", PLACE), ("q", "harbour"), ("sort", "oldest")]),
        "/?" + urlencode([("person", SCRIPT), ("org", IMG)]),  # selected, yet matching nothing
    ):
        page = get_inert(client, url)
        assert page.select("ol.hits li") or "person=%3Cscript" in url, url

    page = get_inert(client, "/?q=harbour")
    titles = [a.get_text() for a in page.select("ol.hits .hit-title a")]
    assert f"{SCRIPT} Harbour {IMG}" in titles
    facet_text = page.select_one("aside.facets").get_text()
    assert PERSON in facet_text and PERSON2 in facet_text and ORG in facet_text


def test_document_pages_show_hostile_fields_as_text_and_no_dangerous_link(
    client: FlaskClient,
) -> None:
    for doc in HOSTILE:
        page = get_inert(client, f"/documents/{doc.doc_id}")

        assert page.select_one("article h1").get_text() == doc.title
        text = page.get_text()
        for payload in (SCRIPT, IMG, ATTR, doc.author):
            assert payload in text
    page = get_inert(client, f"/documents/{HOSTILE[3].doc_id}")
    link = page.select_one(".document-url a")
    assert link is not None and link["href"] == HOSTILE[3].url  # http(s): a link, escaped


def test_entity_pages_show_hostile_names_as_text(client: FlaskClient) -> None:
    for label, name in (("person", PERSON), ("person", PERSON2), ("org", ORG), ("place", PLACE)):
        page = get_inert(client, entity_path(label, name))

        assert page.select_one(".entity-head h1").get_text() == name
    page = get_inert(client, entity_path("person", PERSON))
    assert ALIAS in page.get_text()  # "also written as"


def test_facet_pages_about_errors_and_feed_stay_inert(client: FlaskClient) -> None:
    for url in (
        "/facets/person",
        "/facets/org?" + urlencode({"fq": "org"}),
        "/facets/place?" + urlencode({"fq": SCRIPT, "q": "harbour"}),
        "/about",
    ):
        get_inert(client, url)
    for url, status in (
        ("/?" + urlencode({"q": f'"{SCRIPT}'}), 400),  # unbalanced quote, echoed in the box
        ("/?" + urlencode({"from": IMG}), 400),
        ("/documents/" + quote(SCRIPT, safe=""), 404),
        (entity_path("person", f"Nobody {IMG}"), 404),
        ("/facets/" + quote(IMG, safe=""), 400),
    ):
        get_inert(client, url, status)
    feed = client.get("/search.atom?q=harbour")
    assert feed.status_code == 200
    assert b"<script>alert" not in feed.data and b"<img" not in feed.data


def test_api_returns_hostile_text_only_as_json(client: FlaskClient) -> None:
    response = client.get(f"/api/documents/{HOSTILE[0].doc_id}")

    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["title"] == HOSTILE[0].title  # raw: escaping is the page's job
    snippet = client.get("/api/search?q=harbour").get_json()["hits"][0]["snippet"]
    assert "<script>" not in snippet and "<img" not in snippet


# -- headers on every route -----------------------------------------------------------------

SAMPLE_ARGS = {
    "doc_id": CORPUS[0].doc_id,
    "label": "person",
    "name": "Mark Rutte",
    "facet": "person",
    "filename": "style.css",
    "a": CORPUS[0].doc_id,
    "b": CORPUS[1].doc_id,
}
# routes whose parameters are in the query string
SAMPLE_QUERIES = {
    "/compare": "?" + urlencode({"a": CORPUS[0].doc_id, "b": CORPUS[1].doc_id}),
    "/api/compare": "?" + urlencode({"a": CORPUS[0].doc_id, "b": CORPUS[1].doc_id}),
}


def assert_security_headers(response: TestResponse, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (where, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    response.close()


def every_route(app: Flask) -> list[tuple[str, str]]:
    """(rule, URL) for every GET route on the app, with sample values for its variables."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        missing = rule.arguments - set(SAMPLE_ARGS)
        assert not missing, f"add a sample value for {missing} of {rule.rule}"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(SAMPLE_ARGS[name]), url)
        found.append((rule.rule, url + SAMPLE_QUERIES.get(rule.rule, "")))
    return found


def test_every_route_sends_the_security_headers(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    client = app.test_client()
    routes = every_route(app)

    assert len(routes) >= 14  # all pages, the API, the feed, static files
    for rule, url in routes:
        response = client.get(url)
        assert response.status_code in (200, 301), (rule, response.status_code)
        assert_security_headers(response, rule)


class FailingService(SearchService):
    """A service whose searches blow up, for the 500 path."""

    def search(self, request: SearchRequest) -> SearchResponse:
        raise RuntimeError("boom: /secret/path")


def failing_app(tmp_path: Path) -> Flask:
    settings = Settings(home=tmp_path / "failing")
    write_documents(settings.index_dir, CORPUS[:1])
    return create_app(settings, FailingService(settings.index_dir, settings))


ERROR_REQUESTS = [
    ("GET", "/nope", 404),
    ("GET", "/documents/nope", 404),
    ("GET", "/?page=abc", 400),
    ("POST", "/", 405),
    ("GET", "/static/nope.css", 404),
    ("GET", "/api/nope", 404),
    ("GET", "/api", 404),
    ("GET", "/api//search", 404),
    ("GET", "/api/documents/nope", 404),
    ("GET", "/api/search?page=abc", 400),
    ("POST", "/api/search", 405),
    ("PUT", "/api/documents/x", 405),
    ("DELETE", "/api/facets/person", 405),
    ("OPTIONS", "/api/search", 405),
    ("OPTIONS", "/healthz", 405),
]


@pytest.mark.parametrize(("method", "url", "status"), ERROR_REQUESTS)
def test_errors_send_the_security_headers_and_json_under_api(
    tmp_path: Path, method: str, url: str, status: int
) -> None:
    response = build_app(tmp_path).test_client().open(url, method=method)

    assert response.status_code == status
    assert_security_headers(response, url)
    if url.startswith(("/api", "/healthz")):
        assert_json_error(response, status)
    else:
        assert response.mimetype == "text/html"


def assert_json_error(response: TestResponse, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "param"}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return body["error"]


def test_unexpected_failures_are_500_with_headers_json_under_api_and_no_details(
    tmp_path: Path,
) -> None:
    client = failing_app(tmp_path).test_client()

    api = client.get("/api/search?q=x")
    error = assert_json_error(api, 500)
    assert error["code"] == "internal" and "secret" not in str(error["message"])
    assert_security_headers(api, "/api/search")
    page = client.get("/?q=x")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert b"secret" not in page.data and b"Traceback" not in page.data
    assert_security_headers(page, "/")


def test_head_answers_under_api_are_json_too(tmp_path: Path) -> None:
    response = build_app(tmp_path).test_client().head("/api/search?q=nato")

    assert response.status_code == 200 and response.mimetype == "application/json"


def test_before_any_ingest_errors_carry_the_headers(tmp_path: Path) -> None:
    client = build_app(tmp_path, docs=()).test_client()

    for url in ("/", "/api/search", f"/documents/{CORPUS[0].doc_id}"):
        response = client.get(url)
        assert response.status_code == 503
        assert_security_headers(response, url)
    assert assert_json_error(client.get("/api/search"), 503)["code"] == "index_unavailable"


# -- DOCSIFT_TOKEN --------------------------------------------------------------------------


def token_app(tmp_path: Path, token: str = TOKEN) -> Flask:
    settings = Settings(home=tmp_path / "home", token=token)
    write_documents(settings.index_dir, CORPUS)
    app = create_app(settings, SearchService.over_index(settings.index_dir, settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def locked(tmp_path: Path) -> FlaskClient:
    return token_app(tmp_path).test_client()


def challenge(response: TestResponse) -> tuple[str, dict[str, str | None]]:
    """The WWW-Authenticate header's scheme and parameters."""
    parsed = WWWAuthenticate.from_header(response.headers["WWW-Authenticate"])
    assert parsed is not None
    return parsed.type, dict(parsed.parameters)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=nato",
        f"/api/documents/{CORPUS[0].doc_id}",
        "/api/entity/person/Mark%20Rutte",
        "/api/facets/person",
        "/api/openapi.json",
        "/api/nope",  # unknown routes too: no probing without the token
    ],
)
def test_api_without_the_token_is_401_json_with_a_challenge(locked: FlaskClient, url: str) -> None:
    response = locked.get(url)

    error = assert_json_error(response, 401)
    assert error["code"] == "unauthorized"
    assert challenge(response) == ("bearer", {"realm": "docsift"})
    assert_security_headers(response, url)


def test_api_with_a_wrong_token_is_401_invalid_token(locked: FlaskClient) -> None:
    for headers in (
        bearer("wrong"),
        bearer(TOKEN[:-1]),
        bearer(TOKEN + "x"),
        bearer(""),
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ):
        response = locked.get("/api/search", headers=headers)
        assert assert_json_error(response, 401)["code"] == "unauthorized", headers
        assert challenge(response)[0] == "bearer"
    wrong = locked.get("/api/search", headers=bearer("wrong"))
    assert challenge(wrong) == ("bearer", {"realm": "docsift", "error": "invalid_token"})


def test_the_right_token_opens_every_route(locked: FlaskClient) -> None:
    for url in ("/api/search?q=nato", "/", "/about", f"/documents/{CORPUS[0].doc_id}"):
        response = locked.get(url, headers=bearer(TOKEN))
        assert response.status_code == 200, url
    scheme_case = locked.get("/api/search", headers={"Authorization": f"bearer {TOKEN}"})
    assert scheme_case.status_code == 200
    document = locked.get("/api/openapi.json", headers=bearer(TOKEN)).get_json()
    assert document["security"] == [{"bearerToken": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_healthz_and_static_files_need_no_token(locked: FlaskClient) -> None:
    assert locked.get("/healthz").get_json()["ready"] is True
    static = locked.get("/static/style.css")
    assert static.status_code == 200
    assert_security_headers(static, "/static/style.css")


def test_pages_without_the_token_are_a_401_sign_in_page(locked: FlaskClient) -> None:
    response = locked.get("/?q=nato&person=Mark+Rutte")

    assert response.status_code == 401 and response.mimetype == "text/html"
    assert challenge(response) == ("bearer", {"realm": "docsift"})
    assert_security_headers(response, "/")
    page = assert_inert(response.data, "401 page")
    form = page.select_one("form.sign-in")
    assert form["method"] == "post" and form["action"] == "/login"
    assert form.select_one("input[name=token]")["type"] == "password"
    assert form.select_one("input[name=next]")["value"] == "/?q=nato&person=Mark+Rutte"
    assert "Nato foreign ministers" not in page.get_text()


def test_signing_in_sets_a_strict_httponly_cookie_that_opens_pages_and_api(
    locked: FlaskClient,
) -> None:
    response = locked.post("/login", data={"token": TOKEN, "next": "/?q=nato"})

    assert response.status_code == 303 and response.headers["Location"] == "/?q=nato"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={session_value(TOKEN)};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert TOKEN not in cookie
    assert locked.get("/?q=nato").status_code == 200
    assert locked.get("/api/facets/person?q=rutte").status_code == 200  # app.js' fetches


def test_a_wrong_token_in_the_form_sets_no_cookie(locked: FlaskClient) -> None:
    response = locked.post("/login", data={"token": "wrong", "next": "/about"})

    assert response.status_code == 401 and "Set-Cookie" not in response.headers
    page = assert_inert(response.data, "wrong token")
    assert page.select_one("form.sign-in input[name=next]")["value"] == "/about"
    assert locked.get("/about").status_code == 401


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_sign_in_never_redirects_off_site(locked: FlaskClient, target: str) -> None:
    response = locked.post("/login", data={"token": TOKEN, "next": target})

    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_a_cookie_for_another_token_or_a_forged_one_is_refused(tmp_path: Path) -> None:
    client = token_app(tmp_path).test_client()
    for value in (session_value("old token"), TOKEN, "", "x" * 64):
        client.set_cookie(COOKIE, value)
        assert client.get("/").status_code == 401, value
        assert client.get("/api/search").status_code == 401, value


def test_tokens_are_compared_in_constant_time(
    locked: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert locked.get("/api/search", headers=bearer("short")).status_code == 401
    assert locked.get("/api/search", headers=bearer(TOKEN)).status_code == 200
    assert locked.post("/login", data={"token": "x"}).status_code == 401
    locked.set_cookie(COOKIE, "forged")
    assert locked.get("/").status_code == 401

    assert len(calls) == 4
    # fixed-length digests: the comparison reveals neither the token nor its length
    assert all(len(a) == len(b) == 32 for a, b in calls)


def test_docsift_token_comes_from_the_environment_and_stays_out_of_repr(tmp_path: Path) -> None:
    settings = load_settings(environ={"DOCSIFT_TOKEN": TOKEN}, home=tmp_path / "home")

    assert settings.token == TOKEN and TOKEN not in repr(settings)
    write_documents(settings.index_dir, CORPUS[:1])
    client = create_app(settings).test_client()
    assert client.get("/api/search").status_code == 401
    assert client.get("/api/search", headers=bearer(TOKEN)).status_code == 200


def test_without_a_token_nothing_is_asked_and_there_is_no_login_route(tmp_path: Path) -> None:
    client = build_app(tmp_path).test_client()

    assert client.get("/api/search").status_code == 200
    assert client.get("/").status_code == 200
    assert client.post("/login", data={"token": ""}).status_code == 404
    assert "security" not in client.get("/api/openapi.json").get_json()


def test_hostile_fixture_is_what_the_pages_were_checked_with() -> None:
    """Guard against a fixture edit that silently drops a payload."""
    joined = " ".join(f"{d.title} {d.body} {d.author} {d.url} {d.people} {d.orgs}" for d in HOSTILE)
    for payload in (SCRIPT, IMG, ATTR, JS_URL):
        assert payload in joined

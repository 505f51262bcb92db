"""Generated requests against every JSON API operation, from the app's own OpenAPI document.

schemathesis turns each operation's parameter schemas into Hypothesis strategies: positive
cases keep to the schemas, negative cases break them on purpose. Every answer, sent through the
real Flask app (WSGI, in process) over a small real index, must be: never a 500, JSON with
content type application/json, a status the document lists, a body matching that status'
schema (the error shape for 4xx/5xx), the security headers, and a 400 that names a parameter
the operation has. Positive cases may only be refused for what a schema cannot say (query
syntax, a date missing from the calendar, a reversed date range).

How many requests were sent is printed per operation (and asserted as a lower bound).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from webfixtures import CORPUS, build_app

from search.index import write_documents
from search.parameters import HISTOGRAMS, MAX_PAGE
from search.query import QUERY_FIELDS
from search.service import SearchService
from search.settings import Settings
from web import create_app
from web.app import SECURITY_HEADERS

SCHEMA_URL = "/api/openapi.json"
EXPORT_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
OPERATIONS = (
    "/api/search",
    "/api/export",
    "/api/documents/{doc_id}",
    "/api/compare",
    "/api/entity/{label}/{name}",
    "/api/facets/{facet}",
    "/api/openapi.json",
    "/healthz",
)
WITHOUT_PARAMETERS = ("/api/openapi.json", "/healthz")
# nothing to break: no parameters, or only a path segment any non-empty string fills
NOT_NEGATABLE = (*WITHOUT_PARAMETERS, "/api/documents/{doc_id}")
EXAMPLES = {GenerationMode.POSITIVE: 120, GenerationMode.NEGATIVE: 80}
QUERY_EXAMPLES = 120
# at least this many distinct requests per operation and mode (operations without parameters
# have exactly one possible request)
MIN_SENT = {GenerationMode.POSITIVE: 80, GenerationMode.NEGATIVE: 40}
# parameters whose rules no JSON schema states: query syntax, real calendar dates, from <= to
SEMANTIC_PARAMS = {"q", "query", *(name for pair in HISTOGRAMS.values() for name in pair)}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    500: "internal",
    503: "index_unavailable",
}
SENT: Counter[str] = Counter()

KNOWN_IDS = [doc.doc_id for doc in CORPUS]
KNOWN_NAMES = sorted(
    {
        *(name for doc in CORPUS for name in doc.people),
        *(name for doc in CORPUS for name in doc.orgs),
        *(name for doc in CORPUS for name in doc.places),
    }
)
# real values mixed into generated path parameters, so 200 answers get checked too
KNOWN_PATH_VALUES = {"doc_id": KNOWN_IDS, "name": KNOWN_NAMES}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = build_app(tmp_path_factory.mktemp("fuzz"))
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


@pytest.fixture(scope="module")
def empty_api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The same API before anything has been ingested: 503 wherever the index is needed."""
    app = build_app(tmp_path_factory.mktemp("fuzz-empty"), docs=())
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


@pytest.fixture(scope="module", autouse=True)
def report_sent(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    generated = sum(n for key, n in SENT.items() if not key.endswith(" fixed"))
    line = (
        f"test_web_fuzz: {generated} generated API requests sent, {SENT.total()} in all ("
        + ", ".join(f"{key}: {n}" for key, n in sorted(SENT.items()))
        + ")"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


def _with_known_values(case: Any, choice: tuple[str, str] | None) -> Any:
    if choice is not None:
        name, value = choice
        case.path_parameters[name] = value
    return case


def cases(operation: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Generated cases, a third of them with a real id or name in place of a generated one."""
    strategy = operation.as_strategy(generation_mode=mode)
    known = [
        (name, value)
        for name, values in KNOWN_PATH_VALUES.items()
        if "{" + name + "}" in operation.path
        for value in values
    ]
    if not known or mode is not GenerationMode.POSITIVE:
        return strategy
    choice = st.one_of(st.none(), st.none(), st.sampled_from(known))
    return st.builds(_with_known_values, strategy, choice)


def documented_params(operation: Any) -> set[str]:
    return {p["name"] for p in operation.definition.raw.get("parameters", [])}


def check_response(case: Any, response: Any, operation: Any, mode: GenerationMode) -> None:
    """Our own checks on top of schemathesis': headers, the error shape, the blamed param."""
    headers = response.headers  # lower-case names, lists of values
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == [value], name
    status = response.status_code
    if operation.path == "/api/export" and status == 200:
        # a file, not JSON: as many rows as X-Total-Count says
        media = headers["content-type"][0].split(";")[0]
        assert media in EXPORT_MEDIA.values()
        if media == EXPORT_MEDIA["csv"]:
            rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"), newline="")))[1:]
        else:
            rows = [json.loads(line) for line in response.text.splitlines()]
        assert len(rows) == int(headers["x-total-count"][0])
        return
    assert headers["content-type"][0].split(";")[0] == "application/json"
    body = response.json()
    if status >= 400:
        assert set(body) == {"error"}
        assert body["error"]["code"] == ERROR_CODES[status]
        assert "Traceback" not in body["error"]["message"]
    if status == 400:
        param = body["error"]["param"]
        assert param in documented_params(operation), (param, case.query, case.path_parameters)
        if mode is GenerationMode.POSITIVE:
            assert param in SEMANTIC_PARAMS, (body, case.query, case.path_parameters)


def fuzz(
    api_schema: Any,
    path: str,
    mode: GenerationMode,
    examples: int,
    key: str,
    checks: list[Any] = CHECKS,
) -> int:
    """Send up to `examples` generated requests to one operation; returns how many were sent."""
    operation = api_schema[path]["GET"]
    before = SENT[key]

    @given(case=cases(operation, mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: Any) -> None:
        response = case.call()
        SENT[key] += 1
        assert response.status_code != 500, response.text[:500]
        case.validate_response(response, checks=checks)
        check_response(case, response, operation, mode)

    run()
    return SENT[key] - before


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
@pytest.mark.parametrize("path", OPERATIONS)
def test_generated_requests_get_documented_json_answers(
    api: Any, path: str, mode: GenerationMode
) -> None:
    if mode is GenerationMode.NEGATIVE and path in NOT_NEGATABLE:
        pytest.skip("nothing to break: every request this operation can get is valid")
    sent = fuzz(api, path, mode, EXAMPLES[mode], f"{path} {mode.value}")

    assert sent >= (1 if path in WITHOUT_PARAMETERS else MIN_SENT[mode])


@pytest.mark.parametrize("path", OPERATIONS)
def test_before_any_ingest_the_api_answers_503_in_the_error_shape(
    empty_api: Any, path: str
) -> None:
    # not_a_server_error left out: 503 is the right answer here (and 500 is still refused)
    checks = [check for check in CHECKS if check is not not_a_server_error]
    sent = fuzz(empty_api, path, GenerationMode.POSITIVE, 25, f"{path} no-index", checks)

    assert sent >= 1


def whoosh_queries() -> st.SearchStrategy[str]:
    """Query text in Whoosh's syntax, valid and not: schemathesis' random strings seldom reach
    ranges, fields, boosts, proximity or wildcards, which is where a parser breaks."""
    words = st.sampled_from(
        ["nato", "rutte", "harbour", "zelensky", "brussels", "2024", "é", "日本", "<script>"]
        # issue 18: control characters and bidirectional overrides
        + ["\x1b[2J", "\u202e", "a\nb", "\x7f"]
    )
    field = st.sampled_from([*QUERY_FIELDS, "date", "unknown"])
    term = st.one_of(
        words,
        st.builds(lambda w, cut: w[: max(1, cut)] + "*", words, st.integers(0, 6)),
        st.builds(lambda w: "*" + w[1:] if len(w) > 1 else "?", words),
        st.builds(lambda a, b: f'"{a} {b}"', words, words),
        st.builds(lambda a, b, n: f'"{a} {b}"~{n}', words, words, st.integers(0, 9)),
        st.builds(lambda w, n: f"{w}~{n}", words, st.integers(0, 3)),
        st.builds(lambda w, n: f"{w}^{n}", words, st.integers(-1, 9)),
        st.builds(lambda a, b: f"[{a} TO {b}]", words | st.just(""), words | st.just("")),
        st.builds(lambda op, w: f"{op}{w}", st.sampled_from(["<", ">", "<=", ">="]), words),
        st.sampled_from(["*", "?", "(", ")", '"', "-", "+", "\\", ":", "^", "~", "{", "}"]),
        # wildcard bombs: many infix wildcards OR'd (the issue's), or one matching everything
        st.builds(
            lambda n, pair: " OR ".join(f"*{pair}*" for _ in range(n)),
            st.integers(1, 60),
            st.sampled_from(["a", "ab", "e", "zz", "?"]),
        ),
    )
    clause = st.one_of(term, st.builds(lambda f, t: f"{f}:{t}", field, term))
    joiner = st.sampled_from([" ", " AND ", " OR ", " NOT ", " ANDNOT ", " ANDMAYBE ", ""])
    return st.builds(
        lambda first, rest: first + "".join(j + c for j, c in rest),
        clause,
        st.lists(st.tuples(joiner, clause), max_size=4),
    ).map(lambda q: f"({q})" if q.count("(") == q.count(")") and len(q) % 3 == 0 else q)


@pytest.mark.parametrize(
    ("path", "param"), [("/api/search", "q"), ("/api/facets/{facet}", "query")]
)
def test_generated_whoosh_queries_never_break_the_search(api: Any, path: str, param: str) -> None:
    operation = api[path]["GET"]
    key = f"{path} whoosh-syntax"

    @given(
        q=whoosh_queries(),
        sort=st.sampled_from(["relevance", "newest", "oldest"]),
        versions=st.sampled_from(["collapse", "all"]),
    )
    @settings(max_examples=QUERY_EXAMPLES, deadline=None, database=None)
    def run(q: str, sort: str, versions: str) -> None:
        path_parameters = {"facet": "person"} if "{facet}" in path else {}
        query = {param: q, "sort": sort, "versions": versions}
        case = operation.Case(path_parameters=path_parameters, query=query)
        response = case.call()
        SENT[key] += 1
        assert response.status_code in (200, 400), (q, response.text[:500])
        case.validate_response(response, checks=CHECKS)
        check_response(case, response, operation, GenerationMode.POSITIVE)

    run()
    assert SENT[key] >= QUERY_EXAMPLES // 2


def test_every_real_document_entity_and_facet_matches_the_schemas(api: Any) -> None:
    """Not generated: each id and name in the corpus once, so every 200 schema is exercised."""
    requests = [("/api/documents/{doc_id}", {"doc_id": doc_id}, {}) for doc_id in KNOWN_IDS]
    for doc in CORPUS:
        for label, names in (("person", doc.people), ("org", doc.orgs), ("place", doc.places)):
            requests += [
                ("/api/entity/{label}/{name}", {"label": label, "name": n}, {}) for n in names
            ]
    for facet in ("person", "org", "place"):
        requests.append(("/api/facets/{facet}", {"facet": facet}, {"q": "a", "limit": 5}))
    requests += [
        ("/api/search", {}, {"q": "nato", "person": ["Mark Rutte"], "sort": "oldest"}),
        ("/api/search", {}, {"versions": "all", "per_page": 1, "page": 2}),
        ("/api/search", {}, {"from": "2023", "to": "2024-06", "mentioned_from": "2020"}),
    ]
    for path, path_parameters, query in requests:
        operation = api[path]["GET"]
        case = operation.Case(path_parameters=path_parameters, query=query)
        response = case.call()
        SENT[f"{path} fixed"] += 1
        assert response.status_code == 200, (path_parameters, response.text[:500])
        case.validate_response(response, checks=CHECKS)
        check_response(case, response, operation, GenerationMode.POSITIVE)


# -- the document itself -------------------------------------------------------------------


def openapi_path(rule: str) -> str:
    """A Werkzeug rule as an OpenAPI path: /api/documents/<path:doc_id> -> {doc_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_on_the_app_is_described_and_the_document_is_valid(
    tmp_path: Path,
) -> None:
    app = build_app(tmp_path)
    document = app.test_client().get(SCHEMA_URL).get_json()

    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    routes = {
        openapi_path(rule.rule): {m.lower() for m in rule.methods or ()} - {"head", "options"}
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
    }
    assert set(document["paths"]) == set(routes)  # nothing missing, nothing stale
    assert set(OPERATIONS) == set(routes)  # and every one of them is fuzzed above
    for path, methods in routes.items():
        assert set(document["paths"][path]) == methods
        for operation in document["paths"][path].values():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path))


def test_documented_limits_are_the_deployments(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", max_page_size=7, max_query_chars=40)
    write_documents(settings.index_dir, CORPUS)
    service = SearchService.over_index(settings.index_dir, settings)
    client = create_app(settings, service).test_client()

    params = {
        p["name"]: p["schema"]
        for p in client.get(SCHEMA_URL).get_json()["paths"]["/api/search"]["get"]["parameters"]
    }

    assert params["per_page"]["maximum"] == 7
    assert params["q"]["maxLength"] == 40
    assert params["page"]["maximum"] == MAX_PAGE
    assert client.get("/api/search?per_page=7").status_code == 200
    assert client.get("/api/search?per_page=8").get_json()["error"]["param"] == "per_page"
    assert client.get("/api/search", query_string={"q": "a" * 41}).status_code == 400


def test_entity_names_of_only_spaces_are_404_and_padding_is_ignored(tmp_path: Path) -> None:
    """Found while writing the schemas: a blank name used to drop out of the filter, so every
    document "mentioned" it; a padded name listed itself among its own co-mentions."""
    client = build_app(tmp_path).test_client()

    assert client.get("/api/entity/person/%20%20").get_json()["error"]["code"] == "not_found"
    assert client.get("/entity/person/%20").status_code == 404
    padded = client.get("/api/entity/person/%20Mark%20Rutte%20").get_json()
    assert padded["name"] == "Mark Rutte"
    assert "Mark Rutte" not in [v["value"] for v in padded["co_mentions"]["person"]]


# -- raw bytes in the query string (issue 18) ----------------------------------------------------

# percent-encoded bytes no client library would send from a str: the UTF-8 form of a lone
# surrogate, overlong and cut sequences, control characters, a bidirectional override
RAW_BYTES = st.one_of(
    st.binary(max_size=12),
    st.sampled_from(
        [b"\xed\xb3\xbf", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x80", b"\x1b[2J", b"\xe2\x80\xae"]
    ),
)


@pytest.fixture(scope="module")
def raw_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build_app(tmp_path_factory.mktemp("raw-bytes"))


@settings(max_examples=QUERY_EXAMPLES, deadline=None, database=None)
@given(
    pieces=st.lists(
        st.one_of(RAW_BYTES, st.sampled_from([b"harbour", b"*ab*", b" OR "])), max_size=6
    ),
    param=st.sampled_from(["q", "person", "org", "place", "from", "sort"]),
    path=st.sampled_from(["/api/search", "/api/facets/person", "/search"]),
)
def test_any_bytes_in_the_query_string_get_a_documented_answer(
    raw_app: Any, pieces: list[bytes], param: str, path: str
) -> None:
    client = raw_app.test_client()
    value = "".join(f"%{byte:02X}" for byte in b"".join(pieces))
    response = client.get(f"{path}?{param}={value}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    for name, header in SECURITY_HEADERS.items():
        assert response.headers[name] == header
    if path.startswith("/api/") and response.status_code == 400:
        assert set(response.get_json()["error"]) == {"code", "message", "param"}

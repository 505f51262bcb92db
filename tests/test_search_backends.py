"""One contract for both search backends: Whoosh (embedded) and Typesense (a real 3-node
cluster on 127.0.0.1, started once per test session through `docsift cluster start`).

Every user-visible feature is asserted on each backend with the same expectations, and a
set of requests is run on both and compared field by field with Whoosh as the reference.
Then, on the same cluster: kill -9 the leader during an ingest (nothing is lost, every node
answers for every document), and `docsift cluster status|stop|start` through the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from storyfixtures import ingest, write_corpus
from test_search_service import random_corpus
from webfixtures import CORPUS, NAMES, NEWEST_FIRST, XSS_TITLE, _doc

from indexer.cli import cli, main
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.backend import Backend
from search.documents import Document
from search.engines import open_backend
from search.errors import ConfigError, DocumentNotFound, QueryError
from search.index import rebuild_index, write_documents, write_names, write_stories
from search.names import NameTable
from search.query import SearchRequest
from search.results import SearchResponse
from search.service import SearchService
from search.settings import Settings, load_settings
from search.stories import StoryTable, VersionChanges
from search.typesense.cluster import LocalCluster, free_ports, server_unavailable_reason
from search.whoosh_backend import WhooshBackend

BACKENDS = ("whoosh", "typesense")
# a variant spelling the name table merges into "Volodymyr Zelensky"
VARIANT_DOC = _doc(
    "https://news.example/zelenskiy-kyiv",
    "Zelenskiy speaks in Kyiv",
    "Zelenskiy told parliament in Kyiv that the air defence held overnight.",
    dt.date(2024, 11, 20),
    (("date", "overnight", "2024-11-20"),),
    people=("Zelenskiy",),
    places=("Kyiv",),
)
DOCS: tuple[Document, ...] = (*CORPUS, VARIANT_DOC)


def _free_base_port() -> int:
    """A base port whose API (base..base+2) and peering (base+100..) ports are all free."""
    for _ in range(50):
        base = free_ports(1)[0]
        if base > 60000:
            continue
        wanted = [base + i for i in range(3)] + [base + 100 + i for i in range(3)]
        if all(_port_free(p) for p in wanted):
            return base
    raise RuntimeError("no free port range on 127.0.0.1")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A real 3-node Typesense cluster for the whole session, started with the CLI."""
    reason = server_unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the Typesense tests must run in CI, but: {reason}")
        pytest.skip(f"Typesense server cannot run here: {reason}")
    data = tmp_path_factory.mktemp("typesense")
    settings = load_settings(environ={}, home=data / "home", typesense_api_key="test-key")
    _start(settings, data / "cluster")
    found = LocalCluster.load(data / "cluster")
    try:
        yield found
    finally:
        found.stop()
        assert not any(s.running for s in found.status())


def _start(settings: Settings, data: Path) -> None:
    """`docsift cluster start --nodes 3` on free ports."""
    result = CliRunner().invoke(
        cli,
        [
            "cluster",
            "start",
            "--nodes",
            "3",
            "--data",
            str(data),
            "--base-port",
            str(_free_base_port()),
        ],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    assert "leader" in result.output


def typesense_settings(cluster: LocalCluster, home: Path) -> Settings:
    """Settings for the typesense backend on `cluster`, with a collection of its own."""
    return load_settings(
        environ={},
        home=home,
        backend="typesense",
        typesense_nodes=",".join(cluster.addresses),
        typesense_api_key=cluster.api_key,
        typesense_collection=f"t{uuid.uuid4().hex[:10]}",
    )


def _whoosh(
    home: Path, docs: tuple[Document, ...] | list[Document], names: NameTable
) -> SearchService:
    settings = load_settings(environ={}, home=home)
    write_documents(settings.index_dir, docs)
    write_names(settings.index_dir, names)
    return SearchService.from_settings(settings)


def _typesense(
    cluster: LocalCluster, home: Path, docs: tuple[Document, ...] | list[Document], names: NameTable
) -> SearchService:
    settings = typesense_settings(cluster, home)
    open_backend(settings).write(docs, names)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    write_names(settings.index_dir, names)
    return SearchService.from_settings(settings)


@pytest.fixture(scope="module")
def services(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, SearchService]:
    """The news corpus (plus a variant spelling) behind each backend."""
    built = {"whoosh": _whoosh(tmp_path_factory.mktemp("w") / "home", DOCS, NAMES)}
    cluster = request.getfixturevalue("cluster")
    built["typesense"] = _typesense(cluster, tmp_path_factory.mktemp("t") / "home", DOCS, NAMES)
    return built


@pytest.fixture(params=BACKENDS)
def service(request: pytest.FixtureRequest) -> SearchService:
    if request.param == "whoosh":
        # the Whoosh half needs no cluster: build it alone so it runs where Typesense cannot
        home = request.getfixturevalue("tmp_path") / "home"
        return _whoosh(home, DOCS, NAMES)
    return request.getfixturevalue("services")["typesense"]


def ask(service: SearchService, **params: object) -> SearchResponse:
    return service.search(service.parse({k: v for k, v in params.items() if v is not None}))


def titles(response: SearchResponse) -> set[str]:
    return {h.title for h in response.hits}


def facet(response: SearchResponse, name: str) -> dict[str, int]:
    found = response.facet(name)
    assert found is not None
    return {v.value: v.count for v in found.values}


# -- the contract, on each backend -----------------------------------------------------------


def test_backend_is_chosen_by_configuration(service: SearchService) -> None:
    assert service.backend.name == service.settings.backend


def test_a_person_query_takes_any_merged_spelling(service: SearchService) -> None:
    if service.backend is not None:
        pytest.skip("name variants are expanded on the Whoosh backend only (search.variants)")
    exact = ask(service, q="person:Zelenskiy", versions="all", exact="1", per_page=50)
    assert titles(exact) == {"Zelenskiy speaks in Kyiv"}
    merged = ask(service, q="person:Zelenskiy", versions="all", per_page=50)
    assert titles(merged) == {
        d.title for d in (*CORPUS, VARIANT_DOC) if set(d.people) & {*NAMES.aliases["person"]}
    } | {d.title for d in (*CORPUS, VARIANT_DOC) if "Volodymyr Zelensky" in d.people}
    assert len(titles(merged)) > 1


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nato", {"Nato foreign ministers meet in Brussels", "Rutte named Nato secretary general"}),
        # stems: "meetings" finds "meet", "visiting" finds "visits"
        ("meetings", {"Nato foreign ministers meet in Brussels"}),
        ("visiting washington", {"Zelensky visits Washington"}),
        ('"secretary general"', {"Rutte named Nato secretary general"}),
        ('"general secretary"', set()),
        ("zelensky AND brussels", {"EU summit on Ukraine aid"}),
        (
            "(Brussels OR Washington) NOT nato",
            {"Zelensky visits Washington", "EU summit on Ukraine aid"},
        ),
        ("brussels NOT nato", {"EU summit on Ukraine aid"}),
        (
            "title:nato",
            {"Nato foreign ministers meet in Brussels", "Rutte named Nato secretary general"},
        ),
        ("title:harbour rotterdam", {"Fire at the Rotterdam harbour"}),
        ("year:2023", {"Zelensky visits Washington"}),
        ("harb*", {"Fire at the Rotterdam harbour", XSS_TITLE}),
        # every word is searchable, "the" too (schema v5: no stop list)
        (
            "the",
            {
                d.title
                for d in (*CORPUS, VARIANT_DOC)
                if re.search(r"\bthe\b", f"{d.title} {d.body}", re.IGNORECASE)
            },
        ),
        (
            "NOT nato",
            {d.title for d in CORPUS if "nato" not in (d.title + d.body).lower()}
            | {VARIANT_DOC.title},
        ),
        ("harbour NOT (fire OR rotterdam)", {XSS_TITLE}),
        # a question: longer than three words without operators, any word may match
        (
            "where did the ministers of nato gather",
            {"Nato foreign ministers meet in Brussels", "Rutte named Nato secretary general"},
        ),
    ],
)
def test_query_syntax(service: SearchService, q: str, expected: set[str]) -> None:
    response = ask(service, q=q, versions="all", per_page=50)
    assert titles(response) == expected
    assert response.total == len(expected)


@pytest.mark.parametrize(
    ("q", "what"),
    [
        ("te*st", "wildcards"),
        ("year:[2020 TO 2024]", "ranges"),
        ('nato OR "secretary general"', "phrase inside OR"),
        ("(nato NOT brussels) OR kyiv", "NOT inside a group"),
    ],
)
def test_what_typesense_cannot_run_is_refused_clearly(
    service: SearchService, q: str, what: str
) -> None:
    request = service.parse({"q": q})
    if service.backend.name == "whoosh":
        service.search(request)  # Whoosh runs it
        return
    with pytest.raises(QueryError, match="Typesense backend cannot run") as raised:
        service.search(request)
    assert raised.value.param == "q"
    assert what.split()[0] in str(raised.value) or what in str(raised.value)


def test_disjunctive_facet_counts(service: SearchService) -> None:
    everything = ask(service, versions="all")
    response = ask(service, person="Mark Rutte", versions="all")
    assert titles(response) == {
        "Nato foreign ministers meet in Brussels",
        "Rutte named Nato secretary general",
    }
    # the person facet ignores its own selection: every person keeps its count
    assert facet(response, "person")["Volodymyr Zelensky"] == 3
    assert facet(response, "person")["Mark Rutte"] == 2
    # the other facets count only the selected documents
    assert facet(response, "org") == {"NATO": 2}
    assert facet(response, "place") == {"Brussels": 1, "The Hague": 1}
    # two values of one facet are OR-ed
    both = ask(service, person=["Mark Rutte", "Mallory"], versions="all")
    assert both.total == 3
    # two facets are AND-ed
    narrowed = ask(service, person="Mark Rutte", place="Brussels", versions="all")
    assert titles(narrowed) == {"Nato foreign ministers meet in Brussels"}
    assert facet(narrowed, "place") == {"Brussels": 1, "The Hague": 1}
    assert everything.facet("person").total_values == response.facet("person").total_values


def test_merged_entity_names(service: SearchService) -> None:
    response = ask(service, person="Volodymyr Zelensky", versions="all")
    assert "Zelenskiy speaks in Kyiv" in titles(response)
    assert response.total == 3
    people = facet(ask(service, versions="all"), "person")
    assert "Zelenskiy" not in people and people["Volodymyr Zelensky"] == 3
    hit = next(h for h in response.hits if h.title == "Zelenskiy speaks in Kyiv")
    assert hit.people == ("Volodymyr Zelensky",)
    assert service.variants("person", "Volodymyr Zelensky") == ("Volodymyr Zelenskyy", "Zelenskiy")


def test_date_histograms(service: SearchService) -> None:
    response = ask(service, versions="all")
    published = response.facet("published")
    assert published.granularity == "year"
    assert facet(response, "published") == {"2021": 1, "2022": 1, "2023": 1, "2024": 4}
    mentioned = response.facet("mentioned")
    assert mentioned.granularity == "year"
    # the decade ("1990s") is left out; each document once per bucket
    assert facet(response, "mentioned") == {"2021": 1, "2023": 1, "2024": 3, "2025": 1}
    # a range narrows the results but not its own histogram
    in_2024 = ask(service, **{"from": "2024", "to": "2024"}, versions="all")
    assert in_2024.total == 4
    assert facet(in_2024, "published") == facet(response, "published")
    # a narrow range picks day buckets for what remains
    march = ask(service, q="summit", versions="all")
    assert march.facet("published").granularity == "day"
    assert facet(march, "published") == {"2024-03-21": 1}
    # mentioned dates: a month range overlaps day, month and year mentions in it
    mentioned_2024 = ask(service, mentioned_from="2024-10", mentioned_to="2024-10", versions="all")
    assert titles(mentioned_2024) == {"Rutte named Nato secretary general"}
    covered = ask(service, mentioned_from="2025-06-01", mentioned_to="2025-06-02", versions="all")
    assert titles(covered) == {"Nato foreign ministers meet in Brussels"}  # "2025" covers it


MARK = "<mark>{}</mark>"


def _plain_marks(snippet: str) -> str:
    return re.sub(r"<mark[^>]*>", "<mark>", snippet)


def test_highlights(service: SearchService) -> None:
    response = ask(service, q="harbour", versions="all")
    snippets = {h.title: h.snippet for h in response.hits}
    assert MARK.format("harbour") in _plain_marks(snippets["Fire at the Rotterdam harbour"])
    assert "<script>" not in snippets[XSS_TITLE] and "&lt;script&gt;" in snippets[XSS_TITLE]
    prefixed = ask(service, q="harb*", versions="all")
    assert all(MARK.format("harbour") in _plain_marks(h.snippet) for h in prefixed.hits)
    # stems are highlighted in their written form
    assert MARK.format("meeting") in _plain_marks(ask(service, q="meetings").hits[0].snippet)


def test_paging_and_sort_by_date(service: SearchService) -> None:
    newest = ask(service, sort="newest", versions="all", per_page=50)
    dated = [h.title for h in newest.hits if h.date]
    expected = sorted((d for d in DOCS if d.published), key=lambda d: d.published, reverse=True)
    assert dated == [d.title for d in expected]
    assert newest.hits[-1].title == "Undated memo about the archive"  # undated last
    oldest = ask(service, sort="oldest", versions="all", per_page=50)
    assert [h.title for h in oldest.hits if h.date] == dated[::-1]
    assert oldest.hits[-1].date is None
    pages = [ask(service, sort="newest", versions="all", per_page=3, page=p) for p in (1, 2, 3)]
    assert [h.title for p in pages for h in p.hits] == [h.title for h in newest.hits]
    assert all(p.pages == 3 and p.total == len(DOCS) for p in pages)
    assert ask(service, sort="newest", versions="all", per_page=3, page=9).hits == ()
    assert NEWEST_FIRST[0] == "Nato foreign ministers meet in Brussels"


def test_documents_by_id_and_count(service: SearchService) -> None:
    doc = service.get(VARIANT_DOC.doc_id)
    assert doc.title == VARIANT_DOC.title and doc.body == VARIANT_DOC.body
    assert doc.published == VARIANT_DOC.published
    assert doc.people == ("Volodymyr Zelensky",)  # as the name table shows it
    assert [m.value for m in doc.mentions] == ["2024-11-20"]
    with pytest.raises(DocumentNotFound):
        service.get("no-such-id")
    assert service.stats().documents == len(DOCS)
    assert service.is_ready()


# -- both backends answer the same ---------------------------------------------------------


def _shown(response: SearchResponse, *, ordered: bool) -> dict[str, object]:
    hits = [
        (h.doc_id, h.title, h.date, h.people, h.orgs, h.places, h.language) for h in response.hits
    ]
    return {
        "total": response.total,
        "hits": hits if ordered else sorted(hits, key=str),
        "snippets": sorted(h.snippet for h in response.hits) if ordered else None,
        "facets": [
            (
                f.name,
                f.kind,
                f.granularity,
                f.total_values,
                [(v.value, v.count, v.selected, v.toggle_query) for v in f.values],
            )
            for f in response.facets
        ],
    }


@pytest.fixture(scope="module")
def random_services(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[SearchService, SearchService, list[Document]]:
    docs = random_corpus(11, 120)
    names = NameTable(aliases={"person": {"Kenji Watanabe": "Helena Marsh"}})
    cluster = request.getfixturevalue("cluster")
    return (
        _whoosh(tmp_path_factory.mktemp("rw") / "home", docs, names),
        _typesense(cluster, tmp_path_factory.mktemp("rt") / "home", docs, names),
        docs,
    )


REQUESTS = [
    {},
    {"q": "harbour"},
    {"q": "harbour strike", "sort": "newest"},
    {"q": "storm OR ferry", "sort": "oldest"},
    {"q": "council NOT budget", "person": "Helena Marsh"},
    {"person": ["Amara Okafor", "Tomás Reyes"], "org": "Northwind Freight"},
    {"place": "Kyiv", "from": "2023-02", "to": "2023-11"},
    {"q": "election", "mentioned_from": "2021", "mentioned_to": "2022-06"},
    {"from": "2023-05-01", "to": "2023-05-31", "sort": "newest"},
    {"q": '"harbour strike"', "org": "Dockworkers Union"},
    {"q": "court", "sort": "newest", "per_page": "7", "page": "2"},
    {"language": ["de", "fr"], "q": "harbour"},
    {"language": "de", "person": ["Helena Marsh", "Amara Okafor"], "sort": "oldest"},
    {"q": "language:fr storm"},
]


@pytest.mark.parametrize("params", REQUESTS, ids=[json.dumps(p) for p in REQUESTS])
def test_both_backends_answer_the_same(
    random_services: tuple[SearchService, SearchService, list[Document]], params: dict[str, object]
) -> None:
    whoosh, typesense, _ = random_services
    request = whoosh.parse({**params, "versions": "all", "per_page": params.get("per_page", "100")})
    ordered = request.effective_sort != "relevance"
    expected = _shown(whoosh.search(request), ordered=ordered)
    got = _shown(typesense.search(request), ordered=ordered)
    if not ordered and expected["total"] > request.per_page:
        # relevance differs between engines: the same matches, but not the same first page
        expected["hits"] = got["hits"] = expected["snippets"] = got["snippets"] = None
    if ordered:
        # ties in date keep index order in Whoosh; compare the dates and the sets per date
        expected_dates = [h[2] for h in expected["hits"]]
        assert [h[2] for h in got["hits"]] == expected_dates
        expected["hits"] = sorted(expected["hits"], key=str)
        got["hits"] = sorted(got["hits"], key=str)
    assert got == expected


# -- writes: count, delete, atomic rebuild ---------------------------------------------------


def _backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if kind == "whoosh":
        return WhooshBackend(load_settings(environ={}, home=tmp_path / "home"))
    return open_backend(typesense_settings(request.getfixturevalue("cluster"), tmp_path / "home"))


@pytest.mark.parametrize("kind", BACKENDS)
def test_write_delete_count(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    backend = _backend(kind, tmp_path, request)
    assert not backend.ready()
    assert backend.write(DOCS, NAMES) == len(DOCS)
    assert backend.ready() and backend.count() == len(DOCS)
    # writing a document again replaces it
    changed = replace(VARIANT_DOC, title="Zelenskiy speaks again")
    backend.write([changed], NAMES)
    assert backend.count() == len(DOCS)
    assert backend.get(VARIANT_DOC.doc_id).title == "Zelenskiy speaks again"
    assert backend.delete([VARIANT_DOC.doc_id, CORPUS[0].doc_id]) == 2
    assert backend.count() == len(DOCS) - 2
    assert backend.get(VARIANT_DOC.doc_id) is None


@pytest.mark.parametrize("kind", BACKENDS)
def test_rebuild_is_atomic(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    backend = _backend(kind, tmp_path, request)
    backend.write(CORPUS, NAMES)
    old = len(CORPUS)
    bigger = [
        _doc(f"https://news.example/r{i}", f"Rebuilt {i}", "harbour news", dt.date(2020, 1, 1))
        for i in range(40)
    ]
    seen: set[int] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def watch() -> None:
        request = SearchRequest(versions="all")
        while not stop.is_set():
            try:
                seen.add(backend.search(request).total)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    def slow() -> Iterator[Document]:
        for doc in bigger:
            time.sleep(0.01)
            yield doc

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert backend.rebuild(slow(), NAMES, StoryTable()) == len(bigger)
        time.sleep(0.3)
    finally:
        stop.set()
        watcher.join()
    assert not errors
    # searches saw the old index or the new one, never one half built
    assert seen <= {old, len(bigger)} and old in seen
    assert backend.count() == len(bigger)
    assert backend.get(CORPUS[0].doc_id) is None


# -- the cluster: failover during an ingest, and the CLI ----------------------------------------


def _reuters_like(n: int) -> list[dict[str, str]]:
    return [
        {
            "id": f"fail{i:05d}",
            "title": f"Harbour report number {i}",
            "text": f"Shipping report {i}: token{i} cargo moved through the harbour today.",
            "date": "2024-01-02",
        }
        for i in range(n)
    ]


@pytest.mark.slow
def test_ingest_survives_killing_the_leader(cluster: LocalCluster, tmp_path: Path) -> None:
    settings = typesense_settings(cluster, tmp_path / "home")
    rows = _reuters_like(6000)
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    backend = open_backend(settings)
    outcome: dict[str, object] = {}

    def ingest() -> None:
        try:
            with DocumentStore(settings.db_path) as store:
                pipeline = Pipeline(settings, store)
                outcome["report"] = pipeline.run([str(export)])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome["error"] = exc

    leader = cluster.wait_for_leader()
    thread = threading.Thread(target=ingest)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not backend.ready() or backend.count() == 0):
        time.sleep(0.05)
    assert thread.is_alive(), "the ingest finished before the leader could be killed"
    cluster.kill_node(leader)  # kill -9
    thread.join(100)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.added == len(rows) and not report.errors  # type: ignore[attr-defined]
    try:
        survivors = [n for n in cluster.nodes if n != leader]
        for node in survivors:
            _assert_node_has_every_document(cluster, node, settings, rows)
    finally:
        cluster.start_node(leader)
        cluster.wait_for_leader(60)
    # the restarted node catches up from the others
    _assert_node_has_every_document(cluster, leader, settings, rows, wait_s=60)


def _assert_node_has_every_document(
    cluster: LocalCluster,
    node: object,
    settings: Settings,
    rows: list[dict[str, str]],
    wait_s: float = 15,
) -> None:
    """Ask this node alone: every document is there and found by its own word."""
    one = replace(settings, typesense_nodes=node.address)  # type: ignore[attr-defined]
    service = SearchService.from_settings(one)
    backend = service.backend
    assert backend is not None
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if backend.count() == len(rows):
                break
        except Exception:  # noqa: BLE001 - a restarting node answers 503 for a while
            pass
        assert time.monotonic() < deadline, f"{node} holds {backend.count()} of {len(rows)}"
        time.sleep(0.5)
    collection = backend._collection_name()
    exported = backend.client.collections[collection].documents.export({"include_fields": "id"})
    ids = {json.loads(line)["id"] for line in exported.splitlines() if line.strip()}
    assert len(ids) == len(rows)
    for i in (0, len(rows) // 2, len(rows) - 1):
        found = service.search(service.parse({"q": f"token{i}"}))
        assert [h.title for h in found.hits] == [f"Harbour report number {i}"]


@pytest.mark.slow
def test_cluster_cli_status_stop_start(cluster: LocalCluster, tmp_path: Path) -> None:
    settings = load_settings(environ={}, home=tmp_path / "home", typesense_api_key=cluster.api_key)
    runner = CliRunner()
    data = str(cluster.data_dir)
    status = runner.invoke(cli, ["cluster", "status", "--data", data, "--json"], obj=settings)
    assert status.exit_code == 0, status.output
    nodes = json.loads(status.output)
    assert sorted(n["role"] for n in nodes) == ["follower", "follower", "leader"]
    assert all(n["healthy"] and n["address"].startswith("127.0.0.1:") for n in nodes)
    # documents written before a full stop are there after the restart
    home_settings = typesense_settings(cluster, tmp_path / "kept")
    open_backend(home_settings).write(CORPUS, NAMES)
    stopped = runner.invoke(cli, ["cluster", "stop", "--data", data], obj=settings)
    assert stopped.exit_code == 0 and "stopped 3 nodes" in stopped.output
    down = runner.invoke(cli, ["cluster", "status", "--data", data], obj=settings)
    assert down.exit_code == 1 and down.output.count("down") == 3
    started = runner.invoke(
        cli,
        [
            "cluster",
            "start",
            "--nodes",
            "3",
            "--data",
            data,
            "--base-port",
            str(cluster.nodes[0].api_port),
        ],
        obj=settings,
    )
    assert started.exit_code == 0, started.output
    assert all(a in started.output for a in cluster.addresses)
    backend = open_backend(home_settings)
    deadline = time.monotonic() + 30
    while backend.count() != len(CORPUS):
        assert time.monotonic() < deadline
        time.sleep(0.5)


# -- versions of one story, ingested by the real pipeline into each backend ------------------


@pytest.fixture(scope="module", params=BACKENDS)
def story_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SearchService:
    """storyfixtures' corpus (three ferry versions, two bridge versions, four singles)
    ingested with `Pipeline.run` into the backend: the write path the CLI uses."""
    root = tmp_path_factory.mktemp(f"stories-{request.param}")
    if request.param == "whoosh":
        settings = load_settings(environ={}, home=root / "home")
    else:
        settings = typesense_settings(request.getfixturevalue("cluster"), root / "home")
    ingest(settings, write_corpus(root / "corpus"))
    return SearchService.from_settings(settings)


def test_one_hit_per_story(story_service: SearchService) -> None:
    response = ask(story_service, q="harbour")
    assert response.total == 9 and response.stories == 6 and len(response.hits) == 6
    assert sorted(hit.versions for hit in response.hits) == [1, 1, 1, 1, 2, 3]
    ferry = next(hit for hit in response.hits if hit.versions == 3)
    assert ferry.doc_id in ferry.version_ids and len(ferry.version_ids) == 3
    assert len(ask(story_service, q="harbour", versions="all").hits) == 9
    # only the versions that match count
    assert [h.versions for h in ask(story_service, q="gull AND yesterday").hits] == [2]
    # paging walks stories
    seen = [h.story_id for p in (1, 2) for h in ask(story_service, per_page="4", page=str(p)).hits]
    assert len(seen) == 6 == len(set(seen))
    assert ask(story_service, per_page="4").pages == 2
    others = story_service.versions(ferry.doc_id)
    assert len(others) == 2 and all(link.reason for link in others)


def test_the_web_api_does_not_know_the_backend(story_service: SearchService) -> None:
    from web import create_app

    app = create_app(story_service.settings, story_service)
    client = app.test_client()
    found = client.get("/api/search?q=ferry&person=Nobody&from=2020").get_json()
    assert found["total"] == 0 and set(found["facets"]) >= {"person", "published"}
    found = client.get("/api/search?q=harbour").get_json()
    assert found["total"] == 9 and found["stories"] == 6
    doc = client.get(f"/api/documents/{found['hits'][0]['id']}").get_json()
    assert doc["id"] == found["hits"][0]["id"]
    bad = client.get(
        "/api/search?q=" + ("ha*r" if story_service.backend.name == "typesense" else '"unclosed')
    )
    assert bad.status_code == 400
    assert client.get("/healthz").get_json()["documents"] == 9


@pytest.mark.parametrize("kind", BACKENDS)
def test_facet_counts_through_the_backend(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backend = _backend(kind, tmp_path, request)
    backend.write(DOCS, NAMES)
    selected = SearchRequest(filters=(("person", ("Mark Rutte",)),), versions="all")
    counts, values = backend.facet_counts(selected, "person", 100)
    assert dict(counts)["Volodymyr Zelensky"] == 3 and dict(counts)["Mark Rutte"] == 2
    assert values == len(counts)
    within, _ = backend.facet_counts(selected, "person", 100, disjunctive=False)
    assert within == [("Mark Rutte", 2), ("Antony Blinken", 1)]


def test_check_says_it_is_for_whoosh(tmp_path: Path) -> None:
    settings = load_settings(
        environ={}, home=tmp_path, backend="typesense", typesense_nodes="127.0.0.1:9"
    )
    result = CliRunner().invoke(cli, ["check"], obj=settings)
    assert result.exit_code == 2 and "docsift stats" in result.output


def test_backend_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="typesense_nodes"):
        load_settings(environ={"DOCSIFT_BACKEND": "typesense"})
    with pytest.raises(ConfigError, match="backend: must be one of"):
        load_settings(environ={}, backend="elastic")
    with pytest.raises(ConfigError, match="not host:port"):
        load_settings(environ={}, backend="typesense", typesense_nodes="a:1,b")
    settings = load_settings(
        environ={
            "DOCSIFT_BACKEND": "Typesense",
            "DOCSIFT_TYPESENSE_NODES": "127.0.0.1:8108, 127.0.0.1:8109",
            "DOCSIFT_TYPESENSE_API_KEY": "secret",
        }
    )
    assert settings.backend == "typesense"
    assert settings.typesense_node_list == [("127.0.0.1", 8108), ("127.0.0.1", 8109)]
    assert "secret" not in repr(settings)


def test_cli_flags_choose_the_backend(
    cluster: LocalCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docsift --backend typesense --typesense-nodes ...` ingests into and searches the
    cluster; the API key and collection come from the environment."""
    alias = f"cli{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DOCSIFT_TYPESENSE_API_KEY", cluster.api_key)
    monkeypatch.setenv("DOCSIFT_TYPESENSE_COLLECTION", alias)
    flags = [
        "--home",
        str(tmp_path / "home"),
        "--backend",
        "typesense",
        "--typesense-nodes",
        ",".join(cluster.addresses),
    ]
    corpus = write_corpus(tmp_path / "corpus")
    assert main([*flags, "-q", "ingest", "--no-progress", str(corpus)]) == 0
    runner = CliRunner()
    found = runner.invoke(cli, [*flags, "search", "gull island", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["total"] == 3
    refused = runner.invoke(cli, [*flags, "search", "fe*ry"])
    assert refused.exit_code != 0
    assert main([*flags, "search", "fe*ry"]) == 2
    # the whoosh home beside it holds no index: the documents went to the cluster only
    assert not (tmp_path / "home" / "index" / "_MAIN_1.toc").exists()
    assert (
        open_backend(typesense_settings(cluster, tmp_path / "x"))
        .client.aliases[alias]
        .retrieve()["collection_name"]
        .startswith(alias)
    )


def _flagged_stories() -> StoryTable:
    """Two Zelensky reports as versions of one story, the later one flagged adds_people."""
    base, later = CORPUS[1].doc_id, VARIANT_DOC.doc_id
    return StoryTable.build(
        {base: (base, later)},
        {later: "same story"},
        {(base, later): "same story"},
        {later: VersionChanges(base=base, flags=("adds_people",))},
    )


@pytest.mark.parametrize("kind", BACKENDS)
def test_changes_filter_and_facet(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    stories = _flagged_stories()
    if kind == "whoosh":
        settings = load_settings(environ={}, home=tmp_path / "home")
        rebuild_index(settings.index_dir, DOCS, names=NAMES, stories=stories)
    else:
        settings = typesense_settings(request.getfixturevalue("cluster"), tmp_path / "home")
        open_backend(settings).rebuild(DOCS, NAMES, stories)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        write_names(settings.index_dir, NAMES)
        write_stories(settings.index_dir, stories)
    service = SearchService.from_settings(settings)
    flagged = ask(service, changes="adds_people", versions="all")
    assert titles(flagged) == {VARIANT_DOC.title}
    facet = service.change_facet(service.parse({"changes": "adds_people", "q": "zelenskiy"}))
    assert {v.value: (v.count, v.selected) for v in facet.values} == {
        "unsupported_quotes": (0, False),
        "adds_people": (1, True),
    }
    # the two versions collapse into one hit listing both
    collapsed = ask(service, person="Volodymyr Zelensky")
    assert collapsed.total == 3 and collapsed.stories == 2
    assert sorted(h.versions for h in collapsed.hits) == [1, 2]


def test_entity_page_and_facet_values(service: SearchService) -> None:
    entity = service.entity("person", "Volodymyr Zelensky")
    assert entity.total == 3
    assert entity.also_written_as == ("Volodymyr Zelenskyy", "Zelenskiy")
    co_people = {
        v.value: v.count for f in entity.co_mentions if f.name == "person" for v in f.values
    }
    assert co_people == {"Joe Biden": 1, "Ursula von der Leyen": 1}
    assert {v.value for v in entity.timeline.values} == {"2023-12", "2024-03", "2024-11"}
    # "show more" and the facet's search box (variants count: "zelenskiy" finds the name)
    more = service.facet_values("person", service.parse({}), limit=3)
    assert more.total_values == 6 and len(more.values) == 3
    searched = service.facet_values("person", service.parse({}), contains="zelenskiy")
    assert [v.value for v in searched.values] == ["Volodymyr Zelensky"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_name_merge_reaches_search_and_rewrites_only_what_it_touches(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "whoosh":
        settings = load_settings(environ={}, home=tmp_path / "home")
    else:
        settings = typesense_settings(request.getfixturevalue("cluster"), tmp_path / "home")
    backend = open_backend(settings)
    backend.write(DOCS, NameTable())
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    write_names(settings.index_dir, NameTable())
    service = SearchService.from_settings(settings)
    before = facet(ask(service, versions="all"), "person")
    assert before["Zelenskiy"] == 1 and before["Volodymyr Zelensky"] == 2
    rewritten: list[str] = []
    if kind == "typesense":
        real_import = backend._import

        def spy(collection: str, records: list[dict[str, object]], action: str) -> None:
            rewritten.extend(str(r["id"]) for r in records)
            real_import(collection, records, action)

        monkeypatch.setattr(backend, "_import", spy)
    backend.apply_names(NAMES, previous=NameTable())
    write_names(settings.index_dir, NAMES)  # as the pipeline records the table applied
    after = facet(ask(service, versions="all"), "person")
    assert "Zelenskiy" not in after and after["Volodymyr Zelensky"] == 3
    if kind == "typesense":
        assert rewritten == [VARIANT_DOC.doc_id]  # the one record whose names changed

        def no_export(*args: object, **kwargs: object) -> None:
            raise AssertionError("an unchanged name table must not read the collection")

        monkeypatch.setattr(backend, "_export", no_export)
        monkeypatch.setattr(backend, "_export_mentioning", no_export)
        backend.apply_names(NAMES, previous=NAMES)


@pytest.mark.parametrize("kind", BACKENDS)
def test_language_facet(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Language is a facet like the others: counted disjunctively, filtering, shown on hits,
    searchable as language:xx; documents without a language have no value."""
    languages = ["de", "en", "fr", "en", "de", ""]
    docs = [replace(d, language=languages[i % len(languages)]) for i, d in enumerate(DOCS)]
    expected: dict[str, int] = {}
    for doc in docs:
        if doc.language:
            expected[doc.language] = expected.get(doc.language, 0) + 1
    if kind == "whoosh":
        service = _whoosh(tmp_path / "home", docs, NAMES)
    else:
        service = _typesense(request.getfixturevalue("cluster"), tmp_path / "home", docs, NAMES)
    assert facet(ask(service, versions="all"), "language") == expected
    german = ask(service, language="de", versions="all", per_page=50)
    assert {h.doc_id for h in german.hits} == {d.doc_id for d in docs if d.language == "de"}
    assert all(h.language == "de" for h in german.hits)
    # its own selection does not narrow the language facet; the other facets are narrowed
    assert facet(german, "language") == expected
    german_people = {
        p
        for d in docs
        if d.language == "de"
        for p in NAMES.shown({"person": d.people, "org": (), "place": ()})["person"]
    }
    assert set(facet(german, "person")) == german_people
    both = ask(service, language=["de", "fr"], versions="all", per_page=50)
    assert both.total == expected["de"] + expected["fr"]
    assert ask(service, q="language:fr", versions="all").total == expected["fr"]
    assert service.get(docs[0].doc_id).language == "de"
    assert service.stats().languages == len(expected)


@pytest.mark.parametrize("kind", BACKENDS)
def test_source_facets(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """File type and source (the site of a URL, the folder of a file) are facets like the
    others on both engines: counted disjunctively and filtering."""
    kinds = [
        ("/in/reports/a{i}.pdf", "", "application/pdf"),
        ("/in/mail/box.mbox#{i}", "", "message/rfc822"),
        ("", "https://www.harbour.example/{i}", "text/html"),
    ]
    docs = []
    for i, d in enumerate(DOCS):
        source, url, content_type = kinds[i % len(kinds)]
        docs.append(
            replace(d, source=source.format(i=i), url=url.format(i=i), content_type=content_type)
        )
    shown = {"application/pdf": "PDF", "message/rfc822": "E-mail", "text/html": "Web page"}
    where = {"application/pdf": "/in/reports", "message/rfc822": "/in/mail", "text/html": ""}
    types: dict[str, int] = {}
    origins: dict[str, int] = {}
    for d in docs:
        types[shown[d.content_type]] = types.get(shown[d.content_type], 0) + 1
        origin = where[d.content_type] or "harbour.example"
        origins[origin] = origins.get(origin, 0) + 1
    if kind == "whoosh":
        service = _whoosh(tmp_path / "home", docs, NAMES)
    else:
        service = _typesense(request.getfixturevalue("cluster"), tmp_path / "home", docs, NAMES)
    everything = ask(service, versions="all")
    assert facet(everything, "filetype") == types
    assert facet(everything, "origin") == origins
    pdfs = ask(service, filetype="PDF", versions="all", per_page=50)
    assert {h.doc_id for h in pdfs.hits} == {
        d.doc_id for d in docs if d.content_type == "application/pdf"
    }
    assert facet(pdfs, "filetype") == types  # its own selection leaves its counts alone
    assert facet(pdfs, "origin") == {"/in/reports": types["PDF"]}
    two = ask(service, origin=["harbour.example", "/in/mail"], versions="all", per_page=50)
    assert two.total == origins["harbour.example"] + origins["/in/mail"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_export_is_every_match_newest_first(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An export holds every document a search matches (every version, past any page
    size), its count known first, names shown as the facets show them."""
    if kind == "whoosh":
        service = _whoosh(tmp_path / "home", DOCS, NAMES)
    else:
        service = _typesense(request.getfixturevalue("cluster"), tmp_path / "home", DOCS, NAMES)
    for params in ({}, {"q": "harbour"}, {"person": "Helena Marsh", "sort": "oldest"}):
        expected = ask(service, versions="all", per_page=100, **params)
        found = service.export(service.parse(params))
        documents = list(found.documents)
        found.close()
        assert found.total == len(documents) == expected.total, params
        assert {d.doc_id for d in documents} == {h.doc_id for h in expected.hits}
        dates = [d.published for d in documents if d.published]
        newest = params.get("sort") != "oldest"
        assert dates == sorted(dates, reverse=newest)
        by_id = {h.doc_id: h for h in expected.hits}
        assert all(tuple(d.people) == by_id[d.doc_id].people for d in documents)


@pytest.mark.parametrize("kind", BACKENDS)
def test_relabel_and_hide_reach_search_at_once_and_survive_reindex(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docsift aliases relabel|hide|unhide` through the CLI on each backend: a service that
    was running before sees the change, and a reindex keeps it."""
    from test_indexer_corrections import CORPUS as NAMED

    flags = ["--home", str(tmp_path / "home")]
    backend: dict[str, str] = {}
    if kind == "typesense":
        cluster = request.getfixturevalue("cluster")
        monkeypatch.setenv("DOCSIFT_TYPESENSE_API_KEY", cluster.api_key)
        monkeypatch.setenv("DOCSIFT_TYPESENSE_COLLECTION", f"fix{uuid.uuid4().hex[:8]}")
        backend = {"backend": "typesense", "typesense_nodes": ",".join(cluster.addresses)}
        flags += ["--backend", "typesense", "--typesense-nodes", backend["typesense_nodes"]]
    settings = load_settings(home=tmp_path / "home", **backend)
    with DocumentStore(settings.db_path) as store:
        store.put_many(NAMED)
    assert main([*flags, "-q", "reindex"]) == 0
    service = SearchService.from_settings(settings)
    assert facet(ask(service), "person")["Lib Dems"] == 3
    assert main([*flags, "aliases", "relabel", "Lib Dems", "--to", "org"]) == 0
    assert main([*flags, "aliases", "hide", "Nick Clegg"]) == 0
    for current in (service, None):
        if current is None:
            assert main([*flags, "-q", "reindex"]) == 0
            current = SearchService.from_settings(settings)
        people, orgs = facet(ask(current), "person"), facet(ask(current), "org")
        assert "Lib Dems" not in people and orgs["Lib Dems"] == 3
        assert "Nick Clegg" not in people
        hit = next(h for h in ask(current, q="sheffield").hits if h.doc_id == "d1")
        assert "Lib Dems" in hit.orgs and "Nick Clegg" not in hit.people
    assert main([*flags, "aliases", "unhide", "Nick Clegg"]) == 0
    assert facet(ask(current), "person")["Nick Clegg"] == 2


def test_related_stories(service: SearchService) -> None:
    related = service.related(CORPUS[0].doc_id, limit=5)
    by_title = {link.title: link.reason for link in related}
    assert by_title["Rutte named Nato secretary general"] == "shares Mark Rutte, NATO"
    assert CORPUS[0].title not in by_title
    assert all(reason.startswith(("shares ", "shared terms: ")) for reason in by_title.values())
    with pytest.raises(DocumentNotFound):
        service.related("no-such-id")

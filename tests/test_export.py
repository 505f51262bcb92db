"""Export: every match as JSON Lines or CSV, from the API (streamed), the results page's link
and `docsift export`; CSV as a spreadsheet reads it; bad parameters are HTTP 400."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from webfixtures import CORPUS, build_app, get_page

from indexer.cli import ExitStatus, main
from search.export import COLUMNS

FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'
DOCS = (
    replace(CORPUS[0], title=FORMULA_TITLE, people=("-Minus Person", "Mark Rutte")),
    *CORPUS[1:],
)


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path, DOCS).test_client()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def search_ids(client: FlaskClient, query: str) -> set[str]:
    found = client.get(f"/api/search?{query}&per_page=100&versions=all").get_json()
    return {h["id"] for h in found["hits"]}


def test_jsonl_export_streams_every_match_with_its_count(client: FlaskClient) -> None:
    response = client.get("/api/export?format=jsonl")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = [json.loads(line) for line in response.data.decode().splitlines()]
    assert len(rows) == int(response.headers["X-Total-Count"]) == len(DOCS)
    assert {r["id"] for r in rows} == search_ids(client, "q=")
    assert list(rows[0]) == list(COLUMNS)
    dates = [r["date"] for r in rows if r["date"]]
    assert dates == sorted(dates, reverse=True)  # newest first, undated last
    assert rows[-1]["date"] is None
    rutte = next(r for r in rows if r["title"] == FORMULA_TITLE)
    assert rutte["people"][:2] == ["-Minus Person", "Mark Rutte"]  # JSON keeps values as they are
    assert "Nato foreign ministers gathered" in rutte["text"]


def test_export_keeps_the_query_and_filters(client: FlaskClient) -> None:
    query = "q=rutte&person=Mark+Rutte&from=2024-06"
    response = client.get(f"/api/export?{query}&format=jsonl")
    ids = [json.loads(line)["id"] for line in response.data.decode().splitlines()]
    assert ids and set(ids) == search_ids(client, query)
    assert int(response.headers["X-Total-Count"]) == len(ids)
    nothing = client.get("/api/export?q=zzzunknownword&format=csv&bom=1")
    assert nothing.status_code == 200 and nothing.headers["X-Total-Count"] == "0"
    assert csv_rows(nothing.data) == []


def test_csv_opens_cleanly_in_a_spreadsheet(client: FlaskClient) -> None:
    response = client.get("/api/export?format=csv&bom=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert response.data.startswith("\ufeffid,title,".encode())
    rows = csv_rows(response.data)
    assert len(rows) == int(response.headers["X-Total-Count"]) == len(DOCS)
    assert list(rows[0]) == list(COLUMNS)
    first = next(r for r in rows if "HYPERLINK" in r["title"])
    assert first["title"] == "'" + FORMULA_TITLE  # text, never a formula
    assert first["people"] == "'-Minus Person; Mark Rutte"
    zelensky = next(r for r in rows if r["title"] == "Zelensky visits Washington")
    assert zelensky["people"] == "Volodymyr Zelensky; Joe Biden"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert not client.get("/api/export?format=csv").data.startswith("\ufeff".encode())


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("format=xml", "format"),
        ("format=csv&bom=maybe", "bom"),
        ("q=title:(", "q"),
        ("format=jsonl&from=yesterday", "from"),
        ("person=" + "x" * 500, "person"),
    ],
)
def test_bad_parameters_are_a_400_json_error(client: FlaskClient, query: str, param: str) -> None:
    response = client.get(f"/api/export?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]["param"] == param


def test_results_page_export_links_keep_query_and_filters(client: FlaskClient) -> None:
    page = get_page(client, "/?q=rutte&person=Mark+Rutte&page=1&per_page=5")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".export a")}
    assert set(links) == {"CSV", "JSON Lines"}
    csv_link = urlsplit(links["CSV"])
    params = parse_qs(csv_link.query)
    assert csv_link.path == "/api/export"
    assert params["q"] == ["rutte"] and params["person"] == ["Mark Rutte"]
    assert params["format"] == ["csv"] and params["bom"] == ["1"]
    assert "per_page" not in params and "page" not in params
    exported = client.get(links["JSON Lines"])
    ids = {json.loads(line)["id"] for line in exported.data.decode().splitlines()}
    assert ids == search_ids(client, "q=rutte&person=Mark+Rutte")


def test_cli_export_writes_a_file_with_every_match(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    samples = Path(__file__).resolve().parent.parent / "samples" / "news"
    home = tmp_path / "home"
    assert main(["--home", str(home), "ingest", "--no-entities", str(samples)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "search", "strike", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total"]
    out = tmp_path / "strike.csv"

    code = main(
        ["--home", str(home), "export", "strike", "--format", "csv", "--bom", "-o", str(out)]
    )

    assert code == 0
    assert f"exported {total} of {total} documents" in capsys.readouterr().err
    rows = csv_rows(out.read_bytes())
    assert len(rows) == total > 1
    assert all("strike" in (r["title"] + r["text"]).lower() for r in rows)
    city = str(samples.resolve() / "city")
    assert main(["--home", str(home), "export", "--origin", city]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list((samples / "city").iterdir()))
    assert {json.loads(line)["origin"] for line in lines} == {city}
    assert main(["--home", str(home), "export", "--from", "yesterday"]) == ExitStatus.USAGE


def test_an_export_holds_one_document_at_a_time(tmp_path: Path) -> None:
    """Reading every stored document must not pull the index into memory: the Python heap
    grows by far less than the stored text while 3,000 documents stream past."""
    import random
    import tracemalloc

    from search.documents import Document
    from search.index import write_documents
    from search.service import SearchService
    from search.settings import Settings

    rng = random.Random(21)
    words = ["harbour", "council", "storm", "ferry", "budget", "strike", "court", "quay"]
    docs = [
        Document(
            doc_id=f"d{i:05d}",
            title=f"Report {i}",
            body=" ".join(rng.choice(words) + str(rng.randrange(10_000)) for _ in range(300)),
        )
        for i in range(3000)
    ]
    stored_text = sum(len(d.body) for d in docs)
    settings = Settings(home=tmp_path / "home")
    for start in range(0, len(docs), 1000):  # three segments
        write_documents(settings.index_dir, docs[start : start + 1000])
    service = SearchService.over_index(settings.index_dir, settings)
    service.search(service.parse({}))

    tracemalloc.start()
    try:
        found = service.export(service.parse({}))
        rows = sum(1 for _ in found.documents)
        found.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rows == found.total == len(docs)
    assert peak < stored_text / 5, (peak, stored_text)

"""Each document's language: detected from the text (a page's declared language is only a
hint), stored, a facet, and the reason a non-English document gets no entities."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import shared_path
from webfixtures import get_page

from indexer.cli import cli, main
from indexer.language.detect import detect_language
from indexer.store import DocumentStore
from search.service import SearchService
from search.settings import Settings
from web.app import create_app

ENGLISH = (
    "Harbour strike ends after ten days\n\n"
    "By Sam Writer | 14 June 2024\n\n"
    "Dockworkers returned to the Lower Quay in Rotterdam on Friday after the union accepted "
    "a pay offer. Amara Okafor, who leads the Dockworkers Union, said the members had won "
    "what they came for. The port authority said ships would be unloaded by Sunday."
)
# written for this test; the template declares English, as many real templates do
GERMAN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Streik im Hafen beendet</title></head>
<body><article>
<h1>Streik im Hafen beendet</h1>
<p>Nach zehn Tagen haben die Hafenarbeiter in Hamburg am Freitag die Arbeit wieder
aufgenommen. Die Gewerkschaft hatte dem Angebot der Arbeitgeber zugestimmt, wie ihre
Vorsitzende Petra Lindner am Abend mitteilte. Der Patient Hafen brauche jetzt Ruhe, sagte sie.</p>
<p>Die Hafenverwaltung erklärte, dass alle wartenden Schiffe bis Sonntag entladen werden.
Weitere Informationen stehen den Reedereien ab Montag zur Verfügung.</p>
</article></body></html>
"""


def test_the_text_decides_and_the_declared_language_is_a_hint() -> None:
    german = detect_language(
        "Streik im Hafen beendet",
        "Nach zehn Tagen haben die Hafenarbeiter die Arbeit wieder aufgenommen, "
        "weil die Gewerkschaft dem Angebot zugestimmt hat.",
        declared="en-US",
    )
    assert (german.code, german.source) == ("de", "text (page declared en)")
    french = detect_language(
        "Fin de la grève au port",
        "Les dockers ont repris le travail vendredi après dix jours de grève.",
        declared="fr",
    )
    assert (french.code, french.source) == ("fr", "text")
    # too little text to tell: the page's word stands, else English is assumed
    assert detect_language("Q3 2024", "", declared="de-AT").code == "de"
    assert detect_language("Q3 2024", "", declared="de-AT").source == "declared"
    assert (detect_language("Q3 2024", "").code, detect_language("", "").source) == (
        "en",
        "assumed",
    )
    assert detect_language("", "", declared="not a tag!").source == "assumed"


@pytest.fixture(scope="module")
def mixed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "strike.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "streik.html").write_text(GERMAN_PAGE, encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    return home


def _doc_id(home: Path, language: str) -> str:
    with DocumentStore(Settings(home=home).db_path) as store:
        return next(d.doc_id for d in store.iter_documents() if d.language == language)


def test_a_german_page_gets_no_entities_and_says_so(mixed_home: Path) -> None:
    settings = Settings(home=mixed_home)
    with DocumentStore(settings.db_path) as store:
        stored = {d.language: d for d in store.iter_documents()}
    assert set(stored) == {"en", "de"}
    german, english = stored["de"], stored["en"]
    assert german.language_source == "text (page declared en)"
    assert (german.people, german.orgs, german.places, german.mentions) == ((), (), (), ())
    assert "Rotterdam" in english.places  # English is still read by the entity model
    app = create_app(settings, SearchService.from_settings(settings))
    client = app.test_client()
    data = client.get(f"/api/documents/{german.doc_id}").get_json()
    assert data["language"] == "de" and data["entities"] == "not analysed (language de)"
    assert data["people"] == data["orgs"] == data["places"] == []
    assert client.get(f"/api/documents/{english.doc_id}").get_json()["entities"] == "analysed"
    page = get_page(client, f"/documents/{german.doc_id}")
    assert page.select_one(".document-language").get_text(" ", strip=True).startswith("German")
    assert "the page declared English" in page.select_one(".document-language").get_text()
    assert (
        page.select_one(".document-entity-status")
        .get_text(" ", strip=True)
        .startswith("not analysed (language de")
    )
    assert page.select_one(".document-entities") is None
    # no German junk among the facet values ("Der Patient", "Verfügung")
    everything = client.get("/api/search").get_json()["facets"]
    values = {v["value"] for name in ("person", "org", "place") for v in everything[name]}
    assert not values & {"Der Patient", "Verfügung", "Petra Lindner", "Hamburg"}
    assert {v["value"]: v["count"] for v in everything["language"]} == {"en": 1, "de": 1}


def test_the_language_facet_filters_on_the_page_and_in_the_cli(mixed_home: Path) -> None:
    settings = Settings(home=mixed_home)
    client = create_app(settings, SearchService.from_settings(settings)).test_client()
    page = get_page(client, "/search?language=de")
    assert [a.get_text(strip=True) for a in page.select("ol.hits .hit-title a")] == [
        "Streik im Hafen beendet"
    ]
    # shown by name; counted disjunctively (English stays selectable while German is chosen)
    labels = [s.get_text(strip=True) for s in page.select("#facet-language .facet-label")]
    assert sorted(labels) == ["English", "German"]
    assert (
        page.select_one(".active-filters").get_text(" ", strip=True).startswith("Language: German")
    )
    assert page.select_one(".hit-language").get_text(strip=True) == "German"
    assert get_page(client, "/search?language=DE").select("ol.hits .hit-title a")  # any case
    result = CliRunner().invoke(
        cli, ["--home", str(mixed_home), "search", "--language", "en", "--json"]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert [h["title"] for h in hits] == ["Harbour strike ends after ten days"]
    assert hits[0]["language"] == "en"
    both = CliRunner().invoke(
        cli,
        ["--home", str(mixed_home), "search", "--language", "en", "--language", "de", "--json"],
    )
    assert json.loads(both.output)["total"] == 2


def test_reindex_gives_older_documents_a_language_and_drops_their_junk(
    tmp_path: Path,
) -> None:
    """A store written before languages were detected: `docsift check` asks for a reindex
    (the schema changed), and the reindex detects each language; the German document loses
    the entities the English model gave it, the English one keeps its own."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "strike.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "streik.html").write_text(GERMAN_PAGE, encoding="utf-8")
    home = tmp_path / "home"
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    settings = Settings(home=home)
    german_id = _doc_id(home, "de")
    # as an older docsift left it: no language, and the English model's junk on German text
    junk = [
        {"label": "person", "text": "Der Patient", "start": 0, "end": 11, "value": "Der Patient"}
    ]
    with sqlite3.connect(settings.db_path) as db:
        db.execute("UPDATE documents SET language = '', language_source = ''")
        db.execute(
            "UPDATE documents SET people = ?, mentions = ? WHERE doc_id = ?",
            (json.dumps(["Der Patient"]), json.dumps(junk), german_id),
        )
        db.execute("INSERT INTO entities VALUES (?, 'person', 'Der Patient', 1)", (german_id,))
    (settings.index_dir / "docsift-index.json").write_text(json.dumps({"schema_version": 3}))
    check = CliRunner().invoke(cli, ["--home", str(home), "check", "--json"])
    assert check.exit_code == 1
    assert [p["code"] for p in json.loads(check.output)["problems"]] == ["schema_mismatch"]
    assert main(["--home", str(home), "--quiet", "reindex"]) == 0
    assert CliRunner().invoke(cli, ["--home", str(home), "check"]).exit_code == 0
    with DocumentStore(settings.db_path) as store:
        documents = {d.doc_id: d for d in store.iter_documents()}
        assert store.entity_counts().get(("person", "Der Patient")) is None
    german = documents.pop(german_id)
    (english,) = documents.values()
    assert (german.language, german.language_source, german.people) == ("de", "text", ())
    assert english.language == "en" and "Rotterdam" in english.places
    service = SearchService.from_settings(settings)
    people = service.search(service.parse({})).facet("person")
    assert "Der Patient" not in {v.value for v in people.values}


@pytest.mark.shared
def test_languages_of_real_pages() -> None:
    """The hand-checked languages of the extraction pages (bench/language_labels.json): every
    non-English page found, no English page called something else."""
    labels = json.loads(
        (Path(__file__).resolve().parents[1] / "bench" / "language_labels.json").read_text()
    )
    wrong = []
    seen = 0
    for folder in ("article_extraction_dev", "extraction_more"):
        truth_path = shared_path("data", folder, "ground-truth.json")
        for page_id, gold in json.loads(truth_path.read_text(encoding="utf-8")).items():
            text = gold.get("articleBody") or ""
            if page_id in labels["excluded"] or not text.strip():
                continue
            title, _, body = text.partition("\n")
            found = detect_language(title, body).code
            seen += 1
            if found != labels["languages"].get(page_id, labels["default"]):
                wrong.append((page_id, found))
    assert seen > 1000
    assert wrong == []

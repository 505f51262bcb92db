"""A user's corrections to the entity facets (`docsift aliases relabel|hide|unhide`) and the
review list that points at what to correct (`docsift entities review`), on a real store and
index on disk: applied at once to a running search service, kept through `docsift reindex`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.pipeline import Pipeline
from indexer.store import AliasRow, DocumentStore
from search.documents import Document, Mention
from search.service import SearchService
from search.settings import Settings

Entity = tuple[str, str]  # (label, text as written)


def make_doc(doc_id: str, title: str, body: str, entities: list[Entity]) -> Document:
    """A stored document whose entity mentions point at their words in the body."""
    mentions = []
    for label, text in entities:
        start = body.index(text)
        mentions.append(Mention(label, text, start, start + len(text), value=text))
    values = {
        label: tuple(dict.fromkeys(t for lab, t in entities if lab == label))
        for label in ("person", "org", "place")
    }
    return Document(
        doc_id=doc_id,
        title=title,
        body=body,
        people=values["person"],
        orgs=values["org"],
        places=values["place"],
        content_hash=doc_id,
        language="en",
        language_source="text",
        mentions=tuple(mentions),
    )


CORPUS = (
    make_doc(
        "d1",
        "By-election in Sheffield",
        "The Lib Dems held the seat in Sheffield. Nick Clegg thanked the voters.",
        [("person", "Lib Dems"), ("place", "Sheffield"), ("person", "Nick Clegg")],
    ),
    make_doc(
        "d2",
        "Coalition talks",
        "The Lib Dems met Labour negotiators on Monday.",
        [("person", "Lib Dems"), ("org", "Labour")],
    ),
    make_doc(
        "d3",
        "Party conference",
        "Nick Clegg opened the conference of the Lib Dems in Brighton.",
        [("person", "Nick Clegg"), ("org", "Lib Dems"), ("place", "Brighton")],
    ),
    # a club tagged as a person twice and as an organisation once, written in capitals
    make_doc(
        "d4",
        "Derby day",
        "MANCHESTER UNITED beat their neighbours at home.",
        [("person", "MANCHESTER UNITED")],
    ),
    make_doc(
        "d5",
        "Cup draw",
        "MANCHESTER UNITED will play away in the fourth round.",
        [("person", "MANCHESTER UNITED")],
    ),
    make_doc(
        "d6",
        "Transfer news",
        "MANCHESTER UNITED signed a defender from Porto.",
        [("org", "MANCHESTER UNITED"), ("place", "Porto")],
    ),
    # a wire credit read as a person
    make_doc(
        "d7",
        "Markets close higher",
        "Shares rose in London on Friday.\nReporting by Jane Fields; editing by Tom Reuters",
        [("place", "London"), ("person", "Jane Fields"), ("person", "Tom Reuters")],
    ),
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store holding CORPUS and an index built from it by `docsift reindex`."""
    settings = Settings(home=tmp_path / "home")
    with DocumentStore(settings.db_path) as store:
        store.put_many(CORPUS)
        Pipeline(settings, store).reindex()
    return settings.home


def docsift(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    return result.exit_code, result.output


def facet(service: SearchService, name: str, **params: str) -> dict[str, int]:
    found = service.search(service.parse(params)).facet(name)
    assert found is not None
    return {v.value: v.count for v in found.values}


def test_relabel_moves_a_name_at_once_and_survives_reindex(home: Path) -> None:
    service = SearchService.from_settings(Settings(home=home))  # running before the change
    # the corpus files "Lib Dems" under person (2 documents to 1): it shows there, everywhere
    assert facet(service, "person")["Lib Dems"] == 3
    assert "Lib Dems" not in facet(service, "org")
    code, output = docsift(home, "aliases", "relabel", "Lib Dems", "--to", "org")
    assert code == 0, output
    assert "'Lib Dems' is now shown as organisation (3 documents)" in output
    for current in (service, SearchService.from_settings(Settings(home=home))):
        assert "Lib Dems" not in facet(current, "person")
        assert facet(current, "org")["Lib Dems"] == 3
        hits = current.search(current.parse({"org": "Lib Dems", "sort": "oldest"})).hits
        assert [h.doc_id for h in hits] == ["d1", "d2", "d3"]
        assert all("Lib Dems" in h.orgs and "Lib Dems" not in h.people for h in hits)
        document = current.get("d1")
        assert "Lib Dems" in document.orgs
        assert {m.label for m in document.mentions if m.value == "Lib Dems"} == {"org"}
        assert current.entity("org", "Lib Dems").total == 3
    code, output = docsift(home, "aliases", "list", "--json")
    assert json.loads(output)["relabels"] == [{"name": "Lib Dems", "label": "org"}]
    assert docsift(home, "reindex")[0] == 0
    rebuilt = SearchService.from_settings(Settings(home=home))
    assert facet(rebuilt, "org")["Lib Dems"] == 3 and "Lib Dems" not in facet(rebuilt, "person")
    # back to the automatic decision
    code, output = docsift(home, "aliases", "relabel", "Lib Dems", "--to", "auto")
    assert code == 0, output
    assert facet(service, "person")["Lib Dems"] == 3


def test_hide_removes_a_name_from_facets_and_cards_until_unhidden(home: Path) -> None:
    service = SearchService.from_settings(Settings(home=home))
    assert facet(service, "person")["Nick Clegg"] == 2
    code, output = docsift(home, "aliases", "hide", "Nick Clegg")
    assert code == 0, output
    assert "'Nick Clegg' is hidden (2 documents)" in output
    assert "Nick Clegg" not in facet(service, "person")
    hits = service.search(service.parse({"q": "clegg"})).hits  # the text still finds him
    assert {h.doc_id for h in hits} == {"d1", "d3"}
    assert all("Nick Clegg" not in h.people for h in hits)
    document = service.get("d1")
    assert "Nick Clegg" not in document.people
    assert not [m for m in document.mentions if m.value == "Nick Clegg"]
    assert service.search(service.parse({"person": "Nick Clegg"})).total == 0
    assert docsift(home, "reindex")[0] == 0
    rebuilt = SearchService.from_settings(Settings(home=home))
    assert "Nick Clegg" not in facet(rebuilt, "person")
    listed = json.loads(docsift(home, "aliases", "list", "--json")[1])["hidden"]
    assert listed == [{"name": "Nick Clegg", "label": None}]
    code, output = docsift(home, "aliases", "unhide", "Nick Clegg")
    assert code == 0, output
    assert facet(rebuilt, "person")["Nick Clegg"] == 2
    code, output = docsift(home, "aliases", "unhide", "Nick Clegg")
    assert code == 2 and "'Nick Clegg' is not hidden" in output


def test_hiding_under_one_label_keeps_the_others(home: Path) -> None:
    service = SearchService.from_settings(Settings(home=home))
    assert docsift(home, "aliases", "relabel", "Lib Dems", "--to", "org")[0] == 0
    assert docsift(home, "aliases", "hide", "Lib Dems", "--label", "person")[0] == 0
    assert facet(service, "org")["Lib Dems"] == 3  # moved to org, so not hidden
    assert docsift(home, "aliases", "hide", "Lib Dems", "--label", "org")[0] == 0
    assert "Lib Dems" not in facet(service, "org") and "Lib Dems" not in facet(service, "person")


def test_corrections_refuse_unknown_names(home: Path) -> None:
    for args in (("relabel", "Nobody Known", "--to", "org"), ("hide", "Nobody Known")):
        code, output = docsift(home, "aliases", *args)
        assert code == 2
        assert "'Nobody Known' is not mentioned anywhere" in output
    code, output = docsift(home, "aliases", "relabel", "Lib Dems", "--to", "party")
    assert code == 2 and "party" in output


def test_review_lists_the_likeliest_errors_first_with_their_fix(home: Path) -> None:
    settings = Settings(home=home)
    with DocumentStore(settings.db_path) as store:
        # a merge of two different first names, as an automatic rule might make one
        store.put_many(
            [
                make_doc("d8", "Talks", "Noam Cohen spoke.", [("person", "Noam Cohen")]),
                make_doc("d9", "More talks", "Ben Cohen replied.", [("person", "Ben Cohen")]),
                make_doc("d10", "Debate", "Clegg took questions.", [("person", "Clegg")]),
            ]
        )
        store.replace_auto_aliases(
            [AliasRow("person", "Ben Cohen", "Noam Cohen", "surname", manual=False)]
        )
    code, output = docsift(home, "entities", "review", "--json")
    assert code == 0, output
    listed = json.loads(output)
    first = listed[0]
    assert (first["label"], first["name"], first["documents"]) == (
        "person",
        "MANCHESTER UNITED",
        3,
    )
    assert [r["code"] for r in first["reasons"]] == ["mixed_types", "all_caps"]
    assert first["reasons"][0]["detail"] == "tagged person in 2, organisation in 1 documents"
    assert first["fix"] == "docsift aliases relabel 'MANCHESTER UNITED' --to org"
    by_name = {item["name"]: item for item in listed}
    assert [r["code"] for r in by_name["Tom Reuters"]["reasons"]] == ["credit_line"]
    assert by_name["Tom Reuters"]["fix"] == "docsift aliases hide 'Tom Reuters' --label person"
    assert [r["code"] for r in by_name["Noam Cohen"]["reasons"]] == ["different_names"]
    assert by_name["Noam Cohen"]["fix"] == "docsift aliases split 'Ben Cohen' --label person"
    assert "Sheffield" not in by_name and "Labour" not in by_name
    # a lone surname: merged into the full name the corpus has for it, not hidden
    assert [r["code"] for r in by_name["Clegg"]["reasons"]] == ["one_word"]
    assert by_name["Clegg"]["fix"] == "docsift aliases merge Clegg 'Nick Clegg' --label person"
    scores = [item["score"] for item in listed]
    assert scores == sorted(scores, reverse=True)
    # the fix it prints works, and the value leaves the list
    code, output = docsift(home, "aliases", "relabel", "MANCHESTER UNITED", "--to", "org")
    assert code == 0, output
    again = json.loads(docsift(home, "entities", "review", "--json")[1])
    fixed = next(item for item in again if item["name"] == "MANCHESTER UNITED")
    assert fixed["label"] == "org" and [r["code"] for r in fixed["reasons"]] == ["all_caps"]
    code, text = docsift(home, "entities", "review", "--limit", "2")
    assert code == 0
    assert text.splitlines()[0].startswith("  1. ") and "fix: docsift aliases" in text

"""What a page holds besides its story gives no names (issue 17): links to other stories, site
names in the title, bylines and source lines, an author's bio; and what only looks like a name
in a headline or at a sentence start is none.

Each page is written by the test, ingested with the real spaCy model, and its facets are read
back through the search service, as a user sees them on the result card.
"""

from __future__ import annotations

from html import escape

import pytest

from indexer.cli import main
from indexer.entity_types import retype
from indexer.furniture import mask_furniture, mask_title, teaser_lines
from indexer.store import DocumentStore
from search.documents import Document, Mention
from search.service import SearchService
from search.settings import Settings

STORY = (
    "Officials in Lisbon said on Tuesday that the new tram line would open next spring. "
    "Mayor Carlos Moedas told reporters the city had spent two years planning the route, "
    "which runs from the river to the northern suburbs. Residents of Alfama welcomed the "
    "news, though some shop owners worried about the building work."
)
PAGES = {
    "related.txt": (
        "Lisbon approves new tram line\n\n"
        f"{STORY}\n\n"
        "Related\n"
        "- Why Madrid Banned Cars From Its Centre (March 3, 2019)\n"
        "- Boris Johnson Rides a Bus in Glasgow (May 9, 2018)\n"
        "- Angela Merkel Opens a Bridge in Dresden (June 1, 2017)\n"
    ),
    "archive.txt": (
        "Lisbon approves new tram line\n\n"
        f"{STORY}\n\n"
        "- Vigil for Cindy Sheehan at Middlefield and Colorado, Palo Alto - 2005\n"
        "- Go Buy Dan Gillmor's Book - 2004\n"
    ),
    "headlines.txt": (
        "Lisbon approves new tram line\n\n"
        f"{STORY}\n\n"
        "- Eleven Amazing Pictures of the Danube at Night\n"
        "- What Happened When Nicola Sturgeon Visited Oban\n"
        "- The Biggest Unanswered Questions About Stonehenge\n"
    ),
    "credits.txt": (
        "Lisbon approves new tram line | Portugal Today | Harbour Press\n\n"
        "Posted by Miriam Hollis on March 3, 2020 12:01 AM\n"
        f"{STORY}\n\n"
        "Have a tip? Theo Brandt may be reached at tbrandt@example.com.\n"
        "Source: Atlantic Wire Service\n"
        "Originally published on Harbour Science.\n"
        "Author:\n"
        "Greta Lindqvist has written for the Baltic Courier and Nordic Review.\n"
    ),
    "masthead.txt": (f"Lisbon approves new tram line - Harbour Press\n\n{STORY}"),
    "title-case.txt": (
        "Lisbon Activates Funding Clause To Build Tram Line\n\n"
        f"{STORY} The funding comes from a clause in the city budget."
    ),
    "birds.txt": (
        "Does rice really hurt birds?\n\n"
        "Birds eat rice in the fields every autumn, and farmers have watched birds do so for "
        "centuries. A biologist at the University of Kentucky, James Krupa, tested the claim "
        "that rice swells inside birds with his students. The birds were fine, Krupa said."
    ),
}
FURNITURE_PEOPLE = {
    "Boris Johnson",
    "Angela Merkel",
    "Cindy Sheehan",
    "Dan Gillmor",
    "Nicola Sturgeon",
    "Miriam Hollis",
    "Theo Brandt",
    "Greta Lindqvist",
}
FURNITURE_PLACES = {"Madrid", "Glasgow", "Dresden", "Middlefield", "Palo Alto", "Oban"}
FURNITURE_ORGS = {
    "Harbour Press",
    "Portugal Today",
    "Atlantic Wire Service",
    "Harbour Science",
    "Baltic Courier",
    "Nordic Review",
}


def html(text: str) -> str:
    """A news page for `text`: its first line the <title> and heading, each paragraph a <p>,
    each run of "- " lines a list, as pages keep their link lists."""
    title, _, body = text.partition("\n\n")
    parts = []
    for block in body.split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("- "):
                parts.append(f"<ul><li>{escape(line[2:])}</li></ul>")
            elif line.strip():
                parts.append(f"<p>{escape(line)}</p>")
    headline = escape(title.split(" | ")[0].split(" - ")[0])
    return (
        f"<html><head><title>{escape(title)}</title></head><body><article>"
        f"<h1>{headline}</h1>{''.join(parts)}</article></body></html>"
    )


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    folder = tmp_path_factory.mktemp("pages")
    for name, text in PAGES.items():
        (folder / name.replace(".txt", ".html")).write_text(html(text), encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    return SearchService.from_settings(Settings(home=home))


def card(service: SearchService, page: str) -> dict[str, set[str]]:
    """The person, org and place values of one page, as its result card shows them."""
    with DocumentStore(service.settings.db_path) as store:
        (doc_id,) = [
            d.doc_id
            for d in store.iter_documents()
            if d.source.endswith(page.replace(".txt", ".html"))
        ]
    document = service.get(doc_id)
    return {
        "person": set(document.people),
        "org": set(document.orgs),
        "place": set(document.places),
    }


def test_links_to_other_stories_give_no_names(service) -> None:
    for page in ("related.txt", "archive.txt", "headlines.txt"):
        shown = card(service, page)
        assert "Lisbon" in shown["place"], page  # the story itself is read
        assert "Carlos Moedas" in shown["person"], page
        assert not shown["person"] & FURNITURE_PEOPLE, page
        assert not shown["place"] & FURNITURE_PLACES, page


def test_bylines_contacts_sources_bios_and_site_names_give_no_names(service) -> None:
    for page in ("credits.txt", "masthead.txt"):
        shown = card(service, page)
        assert "Carlos Moedas" in shown["person"], page
        assert not shown["person"] & FURNITURE_PEOPLE, page
        assert not (shown["org"] | shown["person"] | shown["place"]) & FURNITURE_ORGS, page


def test_a_title_case_headline_word_the_story_never_names_is_no_name(service) -> None:
    shown = card(service, "title-case.txt")
    assert "Lisbon" in shown["place"]
    everything = shown["person"] | shown["org"] | shown["place"]
    assert not [v for v in everything if "Clause" in v or "Funding" in v]


def test_a_headline_name_stays_when_the_story_writes_it_as_an_adjective_or_it_is_a_country() -> (
    None
):
    title = "Drought spreads across Central Asia and Kenya as Grain Board Warns"
    body = (
        "Farmers in the Central Asian republics and in Kenyan highlands have lost much of the "
        "wheat harvest after a third dry summer, officials said on Monday. Rivers that feed "
        "the irrigation canals ran lower than at any time in forty years, and herders moved "
        "their flocks to the hills in search of grass. Aid agencies asked donors for more money."
    )
    document = Document(doc_id="d", source="d", title=title, body=body, content_hash="d")
    mentions = [
        Mention(label, name, title.index(name), title.index(name) + len(name), "title", name)
        for label, name in (("place", "Central Asia"), ("place", "Kenya"), ("org", "Grain Board"))
    ]
    kept = {m.value for m in retype(document, mentions)}
    assert kept == {"Central Asia", "Kenya"}  # the board is only in the headline


def test_a_word_the_story_writes_in_lower_case_is_no_name(service) -> None:
    shown = card(service, "birds.txt")
    assert "University of Kentucky" in shown["org"]
    assert "James Krupa" in shown["person"]
    assert "Birds" not in shown["org"] | shown["person"] | shown["place"]


def test_teaser_lines_need_a_heading_dates_or_headlines() -> None:
    lines = [
        "The minister named three advisers:",
        "- Jane Doe, a lawyer",
        "- John Roe, an economist",
        "- Ann Lee, a former judge",
        "Related coverage",
        "- Minister Names Three New Advisers",
        "The panel meets in May.",
    ]
    assert teaser_lines(lines) == {4, 5}
    # a bulleted list of names is the story's own, not links
    names = ["- Joe Biden", "- Kamala Harris", "- Nancy Pelosi"]
    assert teaser_lines(names) == set()


def test_masks_keep_every_offset() -> None:
    body = "\n".join(PAGES["credits.txt"].split("\n")[2:])
    masked = mask_furniture(body)
    assert len(masked) == len(body)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(body) if c == "\n"
    ]
    title = "Lisbon approves new tram line | Portugal Today | Harbour Press"
    assert mask_title(title).rstrip() == "Lisbon approves new tram line"
    assert len(mask_title(title)) == len(title)
    assert mask_title("Biden - Putin summit ends") == "Biden - Putin summit ends"

"""Entity kinds, merges and boilerplate end to end with the real spaCy model.

Each story is written by the test; the facets are read back through the search service, as a
user sees them.
"""

from __future__ import annotations

import pytest

from indexer.cli import main
from indexer.entity_types import head_label, person_use, place_use, product_use, retype
from indexer.names import resolve_document
from search.documents import Document, Mention
from search.service import SearchService
from search.settings import Settings

STORIES = {
    "cohen-wiki.txt": (
        "How Wikipedia keeps its pages honest\n\n"
        "Noam Cohen, who has written about Wikipedia for years, said the volunteer editors in "
        "San Francisco were tireless. Cohen said the Wikimedia Foundation relied on donations."
    ),
    "cohen-court.txt": (
        "Lawyer testifies in Manhattan fraud trial\n\n"
        "A lawyer told a Manhattan jury on Monday that he had paid the money. Mr Cohen said he "
        "acted on instructions from the Trump Organization. Prosecutors questioned Mr Cohen "
        "for five hours."
    ),
    "gadgets.txt": (
        "The best gifts of the year\n\n"
        "She bought a MacBook Pro and an iPad for her son. Her daughter wanted a Nintendo "
        "Switch. Apple sold more iPads than ever, and Nintendo said Switch sales rose."
    ),
    "hollywood.txt": (
        "Studio sets release date for sequel\n\n"
        "The Hollywood Reporter said the studio would release the film in May. Variety and The "
        "Hollywood Reporter both reported the deal, which Warner Bros confirmed on Friday."
    ),
    "dateline.txt": (
        "Markets fall on rate fears\n\n"
        "LONDON (AP) — Shares fell sharply on Monday as US officials warned of higher rates. "
        "The WHO said the outbreak was over, and IT spending rose.\n\n"
        "Reporting by Jane Doe; Editing by John Roe\n"
        "Associated Press writer Maria Sanchez contributed to this report.\n"
        "Follow Peter Parker on Twitter.\n"
        "Email Lois Lane at lois@example.com.\n"
        "Editor: Clark Kent\n"
        "Produced by Bruce Wayne and Diana Prince"
    ),
    "london.txt": (
        "Mayor opens new bridge\n\n"
        "The mayor opened a new bridge in London on Saturday, and officials in the United "
        "States, the USA and America watched. The U.S. embassy in Britain, the UK and the United "
        "Kingdom sent a message. The European Union and the EU welcomed it, as did officials in "
        "New York and NY."
    ),
    "xi.txt": (
        "Leaders meet in Beijing\n\n"
        "Chinese President Xi Jinping met Owen John Dempsey, an envoy, in Beijing on Tuesday. "
        "Xi said trade would grow. Owen Dempsey said the talks were useful."
    ),
}
CREDITED = {"Jane Doe", "John Roe", "Maria Sanchez", "Peter Parker", "Lois Lane", "Clark Kent"}
CREDITED |= {"Bruce Wayne", "Diana Prince"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    folder = tmp_path_factory.mktemp("stories")
    for name, text in STORIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "--quiet", "ingest", str(folder)]) == 0
    return SearchService.from_settings(Settings(home=home))


def facet(service: SearchService, name: str) -> dict[str, int]:
    found = service.facet_values(name, service.parse({}), limit=500)
    return {v.value: v.count for v in found.values}


def test_a_lone_surname_in_one_story_is_not_another_storys_full_name(service) -> None:
    people = facet(service, "person")
    assert people["Noam Cohen"] == 1  # the lawyer's story is not counted for him
    assert people["Cohen"] == 1


def test_one_country_however_written_is_one_place(service) -> None:
    places = facet(service, "place")
    united_states = {"US", "U.S.", "USA", "United States", "America"}
    shown = united_states & set(places)
    assert len(shown) == 1 and places[shown.pop()] == 2  # a bare "US" counts, as a place
    britain = {"UK", "Britain", "United Kingdom"} & set(places)
    assert len(britain) == 1
    assert len({"NY", "New York"} & set(places)) == 1
    assert len({"EU", "European Union"} & set(facet(service, "org"))) == 1


def test_capitals_acronyms_are_kept_and_datelines_shown_mixed_case(service) -> None:
    places, orgs = facet(service, "place"), facet(service, "org")
    assert places["London"] == 2 and "LONDON" not in places
    assert "WHO" in orgs
    assert "AP" not in orgs and "Associated Press" not in orgs


def test_first_and_middle_names_resolve_inside_their_story(service) -> None:
    people = facet(service, "person")
    assert people["Xi Jinping"] == 1 and "Xi" not in people
    assert len({"Owen John Dempsey", "Owen Dempsey"} & set(people)) == 1


def test_products_are_no_people_and_a_newspapers_place_is_no_place(service) -> None:
    people, orgs = facet(service, "person"), facet(service, "org")
    products = {"MacBook Pro", "iPad", "Nintendo Switch", "Switch"}
    assert not products & set(people)
    assert not {"iPad", "MacBook Pro", "Nintendo Switch"} & set(orgs)
    assert "Hollywood" not in facet(service, "place")


def test_credit_and_contact_lines_give_no_names(service) -> None:
    names = set(facet(service, "person")) | set(facet(service, "org"))
    assert not CREDITED & names


# --- the rules on their own -----------------------------------------------------------------


def _document(body: str) -> Document:
    return Document(doc_id="d", source="d", title="", body=body, content_hash="d")


def _mention(body: str, label: str, text: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = body.index(text, start + 1)
    return Mention(label, text, start, start + len(text))


def test_person_use_reads_articles_plural_verbs_and_modified_nouns() -> None:
    body = "the Lib Dems said. Lib Dems have plans. Manchester United manager Alex Ferguson."
    assert person_use(body, 4, 12) == "group"
    assert person_use(body, 19, 27) == "group"
    assert person_use(body, 40, 57) == "affiliation"
    assert person_use("Ann Lee said so.", 0, 7) == ""
    assert person_use("Ann Lee and Bo Ek are here.", 12, 17) == ""  # coordinated: "are" is theirs
    assert person_use("the Harry Potter film", 4, 16) == "work"


def test_head_words_name_organisations_and_venues() -> None:
    assert head_label("Manchester United") == "org"
    assert head_label("Labour Party") == "org"
    assert head_label("Wembley Stadium") == "place"
    assert head_label("Tony Blair") is None and head_label("United") is None


def test_product_use_needs_an_owner_and_no_modified_word() -> None:
    text = "He bought an iPod. A Microsoft spokesman said. She has an IBM PC."
    assert product_use(text, 13, 17)
    assert not product_use(text, 21, 30)  # "a Microsoft spokesman": the maker
    assert not product_use(text, 58, 61)  # "an IBM PC"


def test_retype_moves_groups_drops_works_and_newspaper_places() -> None:
    body = (
        "The Lib Dems have a plan, and the Lib Dems say so. The Hollywood Reporter said so.\n"
        "KYIV, Ukraine - Kyiv said the Harry Potter film was fine."
    )
    mentions = [
        _mention(body, "person", "Lib Dems"),
        _mention(body, "person", "Lib Dems", 1),
        _mention(body, "place", "Hollywood"),
        _mention(body, "place", "KYIV"),
        _mention(body, "org", "Kyiv"),
        _mention(body, "person", "Harry Potter"),
    ]
    out = retype(_document(body), list(resolve_document(mentions)))
    assert [(m.label, m.value) for m in out] == [
        ("org", "Lib Dems"),
        ("org", "Lib Dems"),
        ("place", "Kyiv"),
        ("place", "Kyiv"),
    ]


def test_place_use_counts_things_but_not_places_that_modify_a_noun() -> None:
    text = "She won a Bafta. He is Bafta-winning. A US court ruled. A UK-based firm grew."
    assert place_use(text, 10, 15)  # "a Bafta."
    assert place_use(text, 23, 28)  # "Bafta-winning"
    assert not place_use(text, 40, 42)  # "A US court"
    assert not place_use(text, 58, 60)  # "A UK-based"
    show = "She told BBC One's Breakfast with Frost."
    assert place_use(show, 19, 28, frozenset({16}))
    assert not place_use(show, 19, 28)  # no organisation owns it


def _titled(title: str, body: str) -> Document:
    return Document(doc_id="d", source="d", title=title, body=body, content_hash="d")


def _in(document: Document, label: str, text: str, nth: int = 0) -> Mention:
    mention = _mention(document.body, label, text, nth)
    return Mention(label, text, mention.start, mention.end, "body", text)


def test_a_named_storm_is_no_name_even_written_alone() -> None:
    document = _titled(
        "Coast braces for storm",
        "Hurricane Delia reached the coast of Florida on Friday. Delia brought floods to "
        "Tampa, and Tropical Storm Omar followed. Omar weakened over Georgia.",
    )
    mentions = [
        _in(document, "org", "Hurricane Delia"),
        _in(document, "place", "Florida"),
        _in(document, "person", "Delia", 1),
        _in(document, "place", "Tampa"),
        _in(document, "place", "Omar", 1),
        _in(document, "place", "Georgia"),
    ]
    assert [m.value for m in retype(document, mentions)] == ["Florida", "Tampa", "Georgia"]
    # without a storm in the text, the name stays
    calm = _titled("Singer tours", "Delia sang in Tampa on Friday, and fans cheered Delia.")
    kept = retype(calm, [_in(calm, "person", "Delia"), _in(calm, "place", "Tampa")])
    assert [m.value for m in kept] == ["Delia", "Tampa"]


def test_a_brand_spelling_is_no_place() -> None:
    document = _titled(
        "Airline adds routes",
        "SkyHarbor added flights from McAllen and DeKalb, and passengers can book on an iPad "
        "or in Boston.",
    )
    mentions = [
        _in(document, "place", name)
        for name in ("SkyHarbor", "McAllen", "DeKalb", "iPad", "Boston")
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [
        ("org", "SkyHarbor"),
        ("place", "McAllen"),
        ("place", "DeKalb"),
        ("place", "Boston"),
    ]


def test_a_place_with_a_season_record_is_its_team() -> None:
    document = _titled(
        "Late goal settles derby",
        "Kingsport scored twice in the third period. Kingsport (8-4-1) host Elmira on Friday, "
        "and the bus leaves Elmira at noon.",
    )
    mentions = [
        _in(document, "place", "Kingsport"),
        _in(document, "place", "Kingsport", 1),
        _in(document, "place", "Elmira"),
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [("org", "Kingsport"), ("org", "Kingsport"), ("place", "Elmira")]


def test_an_acronym_that_always_follows_a_number_is_a_unit() -> None:
    document = _titled(
        "Talks run late",
        "The talks ended at 2 a.m. local time (0100 GMT). The file is 3.5 MB, and the NFL said "
        "32 NFL teams voted. The IMF met at 0900 GMT.",
    )
    mentions = [
        _in(document, "org", "GMT"),
        _in(document, "org", "MB"),
        _in(document, "org", "NFL"),
        _in(document, "org", "NFL", 1),
        _in(document, "org", "IMF"),
        _in(document, "org", "GMT", 1),
    ]
    assert [m.value for m in retype(document, mentions)] == ["NFL", "NFL", "IMF"]


def test_a_lone_word_that_ends_organisations_names_is_nobody() -> None:
    document = _titled(
        "Club chief leaves",
        "He ran the Premier League for years. Premier Li Qiang met Ana League on Monday.",
    )
    mentions = [_in(document, "person", "League"), _in(document, "person", "Li Qiang")]
    mentions.append(_in(document, "person", "Ana League"))
    assert [m.value for m in retype(document, mentions)] == ["Li Qiang", "Ana League"]


def test_an_adjective_before_its_noun_is_no_place() -> None:
    document = _titled(
        "Runner wins again",
        "She won Olympic gold in Athens and is the Olympic champion. Ships crossed the "
        "Atlantic in March, and Atlantic storms grew.",
    )
    mentions = [
        _in(document, "place", "Olympic"),
        _in(document, "place", "Athens"),
        _in(document, "place", "Olympic", 1),
        _in(document, "place", "Atlantic"),
        _in(document, "place", "Atlantic", 1),
    ]
    assert [m.value for m in retype(document, mentions)] == ["Athens", "Atlantic", "Atlantic"]


def test_a_name_only_headlines_give_is_no_name() -> None:
    prose = (
        "Ministers met in Helsinki on Tuesday to agree a plan for the winter, and the talks ran "
        "late into the night as officials from Nordlund Bank set out what the money would buy. "
        "The bank said the first payments would reach towns in the north before the snow, and "
        "that a second round would follow in the spring if the plan worked as hoped."
    )
    document = _titled(
        "Ministers agree winter plan", f"Nordlund's Focus on Winter Aid for Ukraine\n{prose}"
    )
    mentions = [
        _in(document, "org", "Focus"),
        _in(document, "place", "Ukraine"),
        _in(document, "place", "Helsinki"),
        _in(document, "org", "Nordlund Bank"),
    ]
    # a heading's word never in the prose goes; a country the gazetteer knows stays
    assert [m.value for m in retype(document, mentions)] == ["Ukraine", "Helsinki", "Nordlund Bank"]
    # a long title-case line, or one ending in a full stop, is a list of names, no heading
    listed = _titled(
        "Writers shortlisted",
        f"{prose}\nGunter Grass (Germany) Ismail Kadare (Albania) Stanislaw Lem (Poland) Doris "
        "Lessing (UK) Ian McEwan (UK) Naguib Mahfouz (Egypt) Philip Roth (US) John Updike (US)\n"
        "T Abeyie (Woodford Green), C Lambert (Belgrave Harriers).",
    )
    names = [_in(listed, "person", n) for n in ("Ismail Kadare", "Philip Roth", "C Lambert")]
    assert [m.value for m in retype(listed, names)] == ["Ismail Kadare", "Philip Roth", "C Lambert"]


def test_a_short_organisation_is_its_countrys_longer_one_in_the_story() -> None:
    document = _titled(
        "Kyiv rejects offer",
        "The Ukrainian Foreign Ministry rejected the offer. Ukraine's Foreign Ministry said "
        "talks were over, and Russia's Foreign Ministry said nothing. The Reserve Bank waited.",
    )
    mentions = [
        _in(document, "org", "Ukrainian Foreign Ministry"),
        _in(document, "place", "Ukraine"),
        _in(document, "org", "Foreign Ministry", 1),
        _in(document, "place", "Russia"),
        _in(document, "org", "Foreign Ministry", 2),
        _in(document, "org", "Reserve Bank"),
    ]
    assert [m.value for m in retype(document, mentions) if m.label == "org"] == [
        "Ukrainian Foreign Ministry",
        "Ukrainian Foreign Ministry",
        "Foreign Ministry",  # Russia's is another ministry
        "Reserve Bank",
    ]
    # two countries' ministries: a mention without its owner stays as written
    both = _titled(
        "Talks",
        "The Ukrainian Foreign Ministry and the Russian Foreign Ministry met in Ukraine and "
        "Russia. The Foreign Ministry said little.",
    )
    mentions = [
        _in(both, "org", "Ukrainian Foreign Ministry"),
        _in(both, "org", "Russian Foreign Ministry"),
        _in(both, "place", "Ukraine"),
        _in(both, "place", "Russia"),
        _in(both, "org", "Foreign Ministry", 2),
    ]
    assert [m.value for m in retype(both, mentions) if m.label == "org"] == [
        "Ukrainian Foreign Ministry",
        "Russian Foreign Ministry",
        "Foreign Ministry",
    ]


def test_a_word_capitalised_only_inside_a_longer_name_is_no_name() -> None:
    document = _titled(
        "Minister speaks",
        "The Home Secretary said on Monday that the plan would be published in a week. "
        "Many people work from home now, and the Home Office agreed. Police in Leeds said the "
        "Leeds force would help.",
    )
    mentions = [
        _in(document, "org", "Home"),
        _in(document, "org", "Home", 1),
        _in(document, "place", "Leeds"),
    ]
    assert [m.value for m in retype(document, mentions)] == ["Leeds"]


def test_a_towns_name_of_two_words_is_a_place_not_a_person() -> None:
    document = _titled(
        "Storm hits towns",
        "Roofs came off in Sioux Falls and Palmerston North, Paris Hilton said, and Jackson "
        "said the roads were shut. Prince Edward visited.",
    )
    mentions = [
        _in(document, "person", "Sioux Falls"),
        _in(document, "person", "Palmerston North"),
        _in(document, "person", "Paris Hilton"),
        _in(document, "person", "Jackson"),
        _in(document, "person", "Prince Edward"),
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [
        ("place", "Sioux Falls"),
        ("place", "Palmerston North"),
        ("person", "Paris Hilton"),
        ("person", "Jackson"),  # one-word towns are surnames as often
        ("person", "Prince Edward"),  # a title first: the prince, not the town
    ]


def test_a_hard_wrapped_line_of_prose_is_no_heading() -> None:
    prose = " ".join(["The bank will price the issue next week and pay in May."] * 6)
    document = _titled(
        "EIB PLANS 300 MLN GUILDER BOND",
        f"The European Investment Bank is\nplanning a 300 mln guilder bond, Amro said.\n{prose}",
    )
    mentions = [_in(document, "org", "European Investment Bank"), _in(document, "org", "Amro")]
    assert [m.value for m in retype(document, mentions)] == ["European Investment Bank", "Amro"]


def test_a_name_only_ever_written_as_a_quoted_title_is_a_work() -> None:
    document = _titled(
        "Streaming service stumbles",
        "Viewers asked for classic fare, including “Mary Poppins” and “Bambi.” Walt Disney "
        "founded the studio, and “Walt Disney” is also a biography; Walt Disney died in 1966.",
    )
    mentions = [
        _in(document, "person", "Mary Poppins"),
        _in(document, "org", "Bambi"),
        _in(document, "person", "Walt Disney"),
        _in(document, "person", "Walt Disney", 1),
        _in(document, "person", "Walt Disney", 2),
    ]
    # quoted each time: a title; quoted once and written plainly elsewhere: a name
    assert [m.value for m in retype(document, mentions)] == ["Walt Disney"] * 3


def test_a_film_or_band_named_by_the_noun_before_it_or_in_brackets_is_no_person() -> None:
    # BBC entertainment stories: a film and a band the model reads as people
    document = _titled(
        "Leigh film leads UK hopes",
        "Mike Leigh's film Vera Drake leads British hopes. Fellow nominees include Imelda "
        "Staunton (Vera Drake) and Kate Winslet. Scottish rock band Franz Ferdinand won two "
        "prizes, and Franz Ferdinand played live. Tony Blair (left) met Anna Ford at the show.",
    )
    mentions = [
        _in(document, "person", "Mike Leigh"),
        _in(document, "person", "Vera Drake"),
        _in(document, "person", "Imelda Staunton"),
        _in(document, "person", "Vera Drake", 1),
        _in(document, "person", "Kate Winslet"),
        _in(document, "person", "Franz Ferdinand"),
        _in(document, "person", "Franz Ferdinand", 1),
        _in(document, "person", "Tony Blair"),
        _in(document, "person", "Anna Ford"),
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [
        ("person", "Mike Leigh"),
        ("person", "Imelda Staunton"),
        ("person", "Kate Winslet"),
        ("org", "Franz Ferdinand"),
        ("org", "Franz Ferdinand"),
        ("person", "Tony Blair"),
        ("person", "Anna Ford"),
    ]
    # a person named after a role in brackets or in a film crew stays one
    crew = _titled(
        "Awards night",
        "The Prime Minister (Tony Blair) spoke. In the film Tom Cruise said he would fly.",
    )
    kept = [_in(crew, "person", "Tony Blair"), _in(crew, "person", "Tom Cruise")]
    assert [m.value for m in retype(crew, kept)] == ["Tony Blair", "Tom Cruise"]


def test_a_place_unknown_to_the_gazetteer_before_a_companys_noun_is_the_company() -> None:
    document = _titled(
        "Alibaba to raise $12.9bn in Hong Kong listing",
        "Alibaba is set to raise up to $12.9bn from its listing in Hong Kong. An Alibaba "
        "spokesperson declined to comment, and Alibaba shares closed higher in New York. "
        "Texas shares its border with Mexico, and US shares fell. Zurich stock rose, and a "
        "Zurich spokesman for the exchange said so.",
    )
    mentions = [
        _in(document, "place", "Alibaba"),
        _in(document, "place", "Hong Kong"),
        _in(document, "place", "Alibaba", 1),
        _in(document, "place", "Alibaba", 2),
        _in(document, "place", "New York"),
        _in(document, "place", "Texas"),
        _in(document, "place", "Mexico"),
        _in(document, "place", "US"),
        _in(document, "place", "Zurich"),
        _in(document, "place", "Zurich", 1),
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [
        ("org", "Alibaba"),
        ("place", "Hong Kong"),
        ("org", "Alibaba"),
        ("org", "Alibaba"),
        ("place", "New York"),
        ("place", "Texas"),  # a state the gazetteer knows stays a place
        ("place", "Mexico"),
        ("place", "US"),
        ("place", "Zurich"),  # a town of the gazetteer: its exchange, its spokesman
        ("place", "Zurich"),
    ]


def test_a_clubs_last_word_alone_is_the_club_its_town_begins_in_the_story() -> None:
    # a BBC football story: "United" is Manchester United, a town's club, though the story
    # tags no "Manchester" and the gazetteer's countries and capitals leave the town out
    document = _titled(
        "Ferguson hails United spirit",
        "Manchester United beat Everton 2-0 on Sunday. United now trail Chelsea by six "
        "points, and Everton dropped to fourth.",
    )
    mentions = [
        _in(document, "org", "Manchester United"),
        _in(document, "org", "Everton"),
        _in(document, "org", "United"),
        _in(document, "org", "Chelsea"),
        _in(document, "org", "Everton", 1),
    ]
    assert [m.value for m in retype(document, mentions)] == [
        "Manchester United",
        "Everton",
        "Manchester United",
        "Chelsea",
        "Everton",
    ]
    # two towns' clubs of one name: "United" alone stays as written
    two = _titled(
        "Derby day",
        "Manchester United and Newcastle United drew 1-1. United fans were unhappy.",
    )
    mentions = [
        _in(two, "org", "Manchester United"),
        _in(two, "org", "Newcastle United"),
        _in(two, "org", "United", 2),
    ]
    assert [m.value for m in retype(two, mentions)] == [
        "Manchester United",
        "Newcastle United",
        "United",
    ]


def test_a_towns_club_named_before_a_teams_noun_is_the_club() -> None:
    document = _titled(
        "Keegan hails comeback king Fowler",
        "Manchester City boss Kevin Keegan praised Robbie Fowler after the win over Norwich "
        "in Manchester. Manchester fans cheered, and Manchester City climbed to ninth.",
    )
    mentions = [
        _in(document, "place", "Manchester City"),
        _in(document, "place", "Norwich"),
        _in(document, "place", "Manchester", 1),
        _in(document, "place", "Manchester", 2),
        _in(document, "place", "Manchester City", 1),
    ]
    out = [(m.label, m.value) for m in retype(document, mentions)]
    assert out == [
        ("org", "Manchester City"),
        ("place", "Norwich"),
        ("place", "Manchester"),  # the town itself before "fans" stays a place
        ("place", "Manchester"),
        ("org", "Manchester City"),
    ]

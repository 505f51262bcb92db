"""Tests for indexer.extract with the real spaCy model: seeds, furniture, trimming, junk."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from indexer.extract import is_junk, trim_span
from indexer.furniture import mask_furniture
from indexer.ner import SpacyExtractor
from search.documents import Mention
from search.errors import ConfigError

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def extractor() -> SpacyExtractor:
    """One loaded model for the whole module."""
    extractor = SpacyExtractor()
    extractor.nlp  # noqa: B018 - load once here, not inside the first test
    return extractor


def _seed(prefix: str) -> tuple[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"needs the reference seeds at {SEEDS}, which is absent on this machine")
    paths = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"no seed {prefix}_*.txt in {SEEDS}")
    title, _, body = paths[0].read_text(encoding="utf-8").partition("\n")
    return title, body


@pytest.fixture(scope="module")
def original(extractor: SpacyExtractor) -> tuple[str, str, tuple[Mention, ...]]:
    title, body = _seed("000")
    return title, body, next(extractor.extract([(title, body)]))


@pytest.fixture(scope="module")
def rewrite(extractor: SpacyExtractor) -> tuple[str, str, tuple[Mention, ...]]:
    title, body = _seed("003")
    return title, body, next(extractor.extract([(title, body)]))


def _persons(mentions: tuple[Mention, ...]) -> set[str]:
    return {m.text for m in mentions if m.label == "person"}


def _line_spans(body: str) -> list[tuple[int, int, str]]:
    spans, position = [], 0
    for line in body.split("\n"):
        spans.append((position, position + len(line), line))
        position += len(line) + 1
    return spans


# --- the seeds ----------------------------------------------------------------------------------


def test_original_seed_finds_the_people_it_names(original) -> None:
    persons = _persons(original[2])
    for name in ("Mark Rutte", "Vladimir Putin", "Volodymyr Zelenskiy", "Andrii Sybiha"):
        assert name in persons
    assert "Donald Trump" in persons


def test_rewritten_seed_finds_the_people_it_names(rewrite) -> None:
    persons = _persons(rewrite[2])
    for name in ("Mark Rutte", "Vladimir Putin", "Volodymyr Zelensky", "Dmitry Peskov"):
        assert name in persons
    assert "Harald Vilimsky" in persons


def test_original_seed_furniture_yields_no_mentions(original) -> None:
    title, body, mentions = original
    lines = [span for span in _line_spans(body) if span[2].strip()]
    furniture = [
        (start, end)
        for start, end, line in lines
        if "Photograph:" in line or line.strip() == "READ MORE"
    ]
    furniture += [(start, end) for start, end, _line in lines[-3:]]  # byline twice, then bio
    assert len(furniture) == 6  # the caption appears twice
    body_mentions = [m for m in mentions if m.field == "body"]
    for start, end in furniture:
        inside = [m for m in body_mentions if m.start < end and start < m.end]
        assert inside == [], body[start:end]
    texts = " ".join(m.text for m in mentions)
    for credit_word in ("Thys", "Getty", "McLaughlin", "Irish Times"):
        assert credit_word not in texts


def test_seed_person_mentions_hold_no_pronoun_weekday_or_honorific(original, rewrite) -> None:
    closed = {"he", "she", "they", "him", "her", "i", "we", "mr", "mrs", "dr", "tuesday"}
    for _title, _body, mentions in (original, rewrite):
        for m in mentions:
            if m.label == "person":
                assert m.text.lower().strip(".") not in closed
                assert not m.text.lower().startswith(("mr ", "the "))


def test_seed_offsets_point_at_the_mention_text(original, rewrite) -> None:
    for title, body, mentions in (original, rewrite):
        for m in mentions:
            source = title if m.field == "title" else body
            assert source[m.start : m.end] == m.text


# --- extraction on our own texts ------------------------------------------------------------


def test_offsets_index_the_original_body(extractor: SpacyExtractor) -> None:
    body = (
        "Protesters gathered in Paris on Monday.\n\n"
        "“We will not give up,” said Marie Dubois, a teacher from Lyon.\n"
        "The European Commission in Brussels declined to comment."
    )
    mentions = next(extractor.extract([("", body)]))
    assert mentions
    for m in mentions:
        assert m.field == "body"
        assert body[m.start : m.end] == m.text
    assert ("person", "Marie Dubois") in {(m.label, m.text) for m in mentions}
    assert ("org", "European Commission") in {(m.label, m.text) for m in mentions}


def test_title_mentions_carry_the_title_field(extractor: SpacyExtractor) -> None:
    title = "Angela Merkel meets Emmanuel Macron in Berlin"
    body = "The two leaders discussed trade for three hours."
    mentions = next(extractor.extract([(title, body)]))
    in_title = [m for m in mentions if m.field == "title"]
    assert {"Angela Merkel", "Berlin"} <= {m.text for m in in_title}
    for m in in_title:
        assert title[m.start : m.end] == m.text
    assert mentions.index(in_title[0]) == 0  # title mentions come first


def test_possessive_is_trimmed_from_person_spans(extractor: SpacyExtractor) -> None:
    body = (
        "Officials said Mark Rutte's plan for the alliance was welcomed.\n"
        "Critics questioned Kamala Harris’s remarks about the economy."
    )
    mentions = next(extractor.extract([("", body)]))
    persons = _persons(mentions)
    assert {"Mark Rutte", "Kamala Harris"} <= persons
    assert not any(m.text.endswith(("'s", "’s")) for m in mentions)


def test_furniture_in_an_article_gives_no_mentions(extractor: SpacyExtractor) -> None:
    body = (
        "By Jane Doe | 14 March 2024\n"
        "Rescue teams reached the village of Sorrento late on Sunday.\n"
        "Firefighters at work near the coast. Photo: Carlo Bianchi/Reuters\n"
        "Advertisement\n"
        "Mayor Giovanni Russo thanked the volunteers (AP Photo/Luca Verdi) and the army."
    )
    mentions = next(extractor.extract([("", body)]))
    texts = {m.text for m in mentions}
    assert "Giovanni Russo" in texts
    for furniture in ("Jane Doe", "Carlo Bianchi", "Reuters", "Luca Verdi", "AP"):
        assert furniture not in texts


def test_lowercase_and_pronoun_spans_are_dropped(extractor: SpacyExtractor) -> None:
    body = "he said the government would act. She met them on Tuesday in Rome."
    for m in next(extractor.extract([("", body)])):
        if m.label != "date":
            assert any(ch.isupper() for ch in m.text)
            assert m.text.lower() not in {"he", "she", "them", "tuesday"}


def test_dates_are_spans_without_values_and_times_are_left_out(
    extractor: SpacyExtractor,
) -> None:
    body = "The summit opened on 3 December 2024 at 9am and closed two days later."
    mentions = next(extractor.extract([("", body)]))
    dates = [m for m in mentions if m.label == "date"]
    assert "3 December 2024" in {m.text for m in dates}
    assert all(m.value == "" and m.precision == "" for m in mentions)
    assert "9am" not in {m.text for m in mentions}


def test_empty_title_and_body_give_no_mentions(extractor: SpacyExtractor) -> None:
    assert list(extractor.extract([("", ""), ("", "   \n")])) == [(), ()]


def test_extract_is_lazy_and_keeps_input_order() -> None:
    lazy = SpacyExtractor(batch_size=4)
    endless = itertools.cycle([("", "Boris Johnson spoke."), ("", "Paris is in France.")])
    first, second, third = itertools.islice(lazy.extract(endless), 3)
    assert _persons(first) == {"Boris Johnson"} == _persons(third)
    assert {m.text for m in second} == {"Paris", "France"}


def test_two_processes_give_the_same_mentions_as_one(extractor: SpacyExtractor) -> None:
    people = ["Anna Schmidt", "Pedro Alvarez", "Li Wei", "Fatima Khan", "John O'Neill"]
    cities = ["Madrid", "Toronto", "Nairobi", "Oslo"]
    docs = [
        (
            f"{people[i % 5]} visits {cities[i % 4]}",
            f"{people[i % 5]} arrived in {cities[i % 4]} on Friday with Google executives.\n"
            f"“It was a long trip,” {people[(i + 1) % 5]} told Reuters.",
        )
        for i in range(20)
    ]
    single = list(extractor.extract(docs))
    double = list(SpacyExtractor(n_process=2, batch_size=4).extract(docs))
    assert double == single
    assert len(single) == 20


def test_bad_settings_raise_config_error() -> None:
    with pytest.raises(ConfigError):
        SpacyExtractor(n_process=0)
    with pytest.raises(ConfigError):
        SpacyExtractor(batch_size=0)
    with pytest.raises(ConfigError, match="not installed"):
        next(SpacyExtractor(model="no_such_model_xyz").extract([("", "Talks in Paris")]))


# --- furniture masking ----------------------------------------------------------------------


def test_mask_furniture_keeps_length_and_line_breaks() -> None:
    body = (
        "By Jane Doe\n"
        "The minister resigned.\n"
        "The minister leaves office. Photograph: Sam Lee/Getty Images\n"
        "READ MORE\n"
        "Related: Five things to know\n"
        "Credit: Alex Park\n"
        "Her successor is expected next week."
    )
    masked = mask_furniture(body)
    assert len(masked) == len(body)
    assert [i for i, ch in enumerate(masked) if ch == "\n"] == [
        i for i, ch in enumerate(body) if ch == "\n"
    ]
    kept = [line for line in masked.split("\n") if line.strip()]
    assert kept == ["The minister resigned.", "Her successor is expected next week."]


def test_mask_furniture_blanks_only_the_credit_inside_a_sentence() -> None:
    body = "Crowds filled the square (AP Photo/Evan Vucci) as the results came in."
    masked = mask_furniture(body)
    assert "Vucci" not in masked
    assert masked.startswith("Crowds filled the square ")
    assert masked.endswith(" as the results came in.")


def test_mask_furniture_blanks_a_repeated_author_name_and_bio() -> None:
    body = (
        "The talks ended without agreement.\n\n"
        "Maria Lopez\n\n"
        "Maria Lopez\n\n"
        "Maria Lopez is a correspondent for The Daily Planet in Madrid"
    )
    masked = mask_furniture(body)
    assert masked.strip() == "The talks ended without agreement."


def test_mask_furniture_keeps_article_sentences() -> None:
    body = (
        "By Tuesday, the negotiators had agreed a draft.\n"
        "He said of the image: it was shocking and wrong.\n"
        "Anna Berg is a reporter who was detained in Minsk last year, officials said.\n"
        "Read more about the deal in the full text of the treaty.\n"
        "Anna Berg\n"
        "EASTERN DIVISION\n"
        "EASTERN DIVISION\n"
        "The deal was signed."
    )
    assert mask_furniture(body) == body


# --- spans and junk -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("“Mark Rutte’s", "person", "Mark Rutte"),
        ("Nato's", "org", "Nato"),
        ("the European Union", "org", "European Union"),
        ("the United States,", "place", "United States"),
        ("secretary general Mark Rutte", "person", "Mark Rutte"),
        ("Andrii Sybiha said", "person", "Andrii Sybiha"),
        ("-- Anthony Barker +48", "person", "Anthony Barker"),
        ("Gordon Durie 75th", "person", "Gordon Durie"),
        ("Rami al-Saadani", "person", "Rami al-Saadani"),
        ("de Gaulle", "person", "de Gaulle"),
        ("Boston Red Sox 7-0", "org", "Boston Red Sox"),
        ("BEIJING 1996-08-30", "place", "BEIJING"),
        ("Channel 4", "org", "Channel 4"),
        ("September Treasury", "org", "Treasury"),
        ("Organisation of Islamic Conference ( OIC", "org", "Organisation of Islamic Conference"),
        ("U.S.", "place", "U.S."),
        ("the Likud party", "org", "Likud"),
        ("northern Kenya", "place", "Kenya"),
        ("Bank of England", "org", "Bank of England"),
        ("Erdogan's party", "org", ""),
        ("Hopkins' company", "org", ""),
        ("Sept .", "date", "Sept"),
        ("(Tuesday)", "date", "Tuesday"),
    ],
)
def test_trim_span_keeps_only_the_name(text: str, label: str, expected: str) -> None:
    start, end = trim_span(text, 0, len(text), label)
    assert text[start:end] == expected if expected else start >= end


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("he", "person"),
        ("They", "person"),
        ("Tuesday", "person"),
        ("January", "org"),
        ("Mr", "person"),
        ("Dr.", "person"),
        ("the government", "org"),
        ("X", "person"),
        ("2024", "org"),
        ("--", "date"),
        ("www.example.com", "org"),
        ("news@example.com", "org"),
        ("Jane\nDoe", "person"),
        ("Crewe 0 Watford", "person"),
        ("A B C D E F G H I", "person"),
    ],
)
def test_is_junk_drops_non_names(text: str, label: str) -> None:
    assert is_junk(text, label)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Mark Rutte", "person"),
        ("Nato", "org"),
        ("North Korea", "place"),
        ("3M", "org"),
        ("last week", "date"),
        ("1996-08-30", "date"),
        ("Mr Rutte", "person"),
        ("毛泽东", "person"),
    ],
)
def test_is_junk_keeps_names_and_dates(text: str, label: str) -> None:
    assert not is_junk(text, label)


# --- capitals and boilerplate -------------------------------------------------------------------


def test_acronyms_that_spell_pronouns_are_no_junk() -> None:
    assert not is_junk("US", "place")
    assert not is_junk("WHO", "org")
    assert not is_junk("IT", "org")
    assert is_junk("us", "place") and is_junk("Us", "place")
    assert is_junk("US", "person")  # "WE" or "US" names nobody


BOILERPLATE = [
    "Reporting by Jane Doe in London; Editing by John Roe",
    "Additional reporting by Ann Lee; Writing by Tom Fox",
    "Associated Press writer Maria Sanchez in Madrid contributed to this report.",
    "Email Lois Lane at lois@example.com.",
    "Follow Peter Parker on Twitter.",
    "Editor: Clark Kent",
    "Produced by Bruce Wayne and Diana Prince",
    "Copyright 2024 The Associated Press. All rights reserved.",
]


def test_credit_contact_and_copyright_lines_are_masked() -> None:
    body = "\n".join(["Officials met in Madrid on Monday.", *BOILERPLATE])
    masked = mask_furniture(body)
    assert len(masked) == len(body)
    kept = masked.split("\n")
    assert kept[0] == "Officials met in Madrid on Monday."
    assert all(not line.strip() for line in kept[1:])


def test_an_agency_dateline_loses_the_agency_and_keeps_the_place() -> None:
    body = "WASHINGTON (AP) — Officials met.\n(CNN) Officials met.\nThe (Dutch) government said."
    masked = mask_furniture(body).split("\n")
    assert masked[0].startswith("WASHINGTON ") and "AP" not in masked[0]
    assert "CNN" not in masked[1] and "Officials met." in masked[1]
    assert masked[2] == "The (Dutch) government said."


def test_prose_that_merely_starts_like_a_credit_is_kept() -> None:
    prose = [
        "Follow the money, investigators at the IRS said on Tuesday.",
        "Data from the Office for National Statistics show growth.",
        "Editors, he said, were Mr Smith and Ms Jones.",
    ]
    assert mask_furniture("\n".join(prose)) == "\n".join(prose)


def test_boilerplate_lines_give_the_model_no_names(extractor: SpacyExtractor) -> None:
    body = "\n".join(["Officials met in Madrid on Monday.", *BOILERPLATE])
    mentions = next(extractor.extract([("Talks", body)]))
    names = {m.text for m in mentions if m.label in ("person", "org")}
    assert not names & {"Jane Doe", "John Roe", "Ann Lee", "Tom Fox", "Maria Sanchez"}
    assert not names & {"Lois Lane", "Peter Parker", "Clark Kent", "Bruce Wayne"}
    assert not names & {"Associated Press", "The Associated Press"}

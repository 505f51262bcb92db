"""Entity names: canonical spans, in-document surname resolution, corpus-wide aliases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.names import (
    Alias,
    CoMentions,
    build_aliases,
    canonical_name,
    find_acronym_pairs,
    name_key,
    resolve_document,
    resolve_labels,
)
from search.documents import Mention


def mention(label: str, text: str, start: int = 0) -> Mention:
    return Mention(label=label, text=text, start=start, end=start + len(text))


def values(mentions: tuple[Mention, ...]) -> list[tuple[str, str]]:
    return [(m.text, m.value) for m in mentions]


# ---------------------------------------------------------------------------------------------
# canonical_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nato's secretary general Mark Rutte", "Mark Rutte"),
        ("Nato secretary-general Mark Rutte", "Mark Rutte"),
        ("Mr Rutte", "Rutte"),
        ("Mr. Rutte", "Rutte"),
        ("Ukrainian president Volodymyr Zelenskiy", "Volodymyr Zelenskiy"),
        ("Ukrainian President Volodymyr Zelenskiy", "Volodymyr Zelenskiy"),
        ("Kremlin spokesperson Dmitry Peskov", "Dmitry Peskov"),
        ("Mrs Justice Cockerill", "Cockerill"),
        ("Prime Minister Keir Starmer", "Keir Starmer"),
        ("Sir Keir Starmer", "Keir Starmer"),
        ("Dr. Anthony Fauci", "Anthony Fauci"),
        ("Prof Chris Whitty", "Chris Whitty"),
        ("Dame Judi Dench", "Judi Dench"),
        ("Senator Bernie Sanders", "Bernie Sanders"),
        ("Rep. Alexandria Ocasio-Cortez", "Alexandria Ocasio-Cortez"),
        ("Gen. Mark Milley", "Mark Milley"),
        ("Col. Gaddafi", "Gaddafi"),
        ("Chancellor Olaf Scholz", "Olaf Scholz"),
        ("Mayor Sadiq Khan", "Sadiq Khan"),
        ("Judge Tanya Chutkan", "Tanya Chutkan"),
        ("UN Secretary General António Guterres", "António Guterres"),
        ("foreign minister Sergei Lavrov", "Sergei Lavrov"),
        ("Tesla CEO Elon Musk", "Elon Musk"),
        ("Chairman Mao", "Mao"),
        ("former US president Donald Trump", "Donald Trump"),
        ("Secretary of State Antony Blinken", "Antony Blinken"),
        ("Chancellor of the Exchequer Rachel Reeves", "Rachel Reeves"),
        ("Labour's Keir Starmer", "Keir Starmer"),
        ("Mark Rutte, Nato secretary general", "Mark Rutte"),
        ("Ukrainian president, Volodymyr Zelenskiy", "Volodymyr Zelenskiy"),
        ("President de Gaulle", "de Gaulle"),
        ("Charles de Gaulle", "Charles de Gaulle"),
        ("Bashar al-Assad", "Bashar al-Assad"),
        ("Saudi Crown Prince Mohammed bin Salman", "Mohammed bin Salman"),
        ("Martin Luther King, Jr.", "Martin Luther King Jr."),
        ("Stephen King", "Stephen King"),
        ("John Major", "John Major"),
        ("Xi Jinping", "Xi Jinping"),
        ("Владимир Путин", "Владимир Путин"),
    ],
)
def test_canonical_person_strips_honorifics_roles_and_their_qualifiers(text, expected):
    assert canonical_name(text, "person") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("King Charles", "King Charles"),
        ("Britain's King Charles III", "King Charles III"),
        ("Pope Francis", "Pope Francis"),
        ("Prince Harry", "Prince Harry"),
    ],
)
def test_canonical_person_keeps_a_sovereigns_title_before_a_single_name(text, expected):
    # a bare "Charles" would be merged with whichever Charles the document or corpus has
    assert canonical_name(text, "person") == expected


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Rutte\u2019s", "person", "Rutte"),
        ("Rutte's", "person", "Rutte"),
        ("James'", "person", "James"),
        ("Nato's", "org", "Nato"),
        ("Nato\u2019s", "org", "Nato"),
        ("the Kremlin's", "org", "Kremlin"),
        ("O\u2019Brien", "person", "O'Brien"),
    ],
)
def test_canonical_name_strips_possessives_and_normalises_apostrophes(text, label, expected):
    assert canonical_name(text, label) == expected


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("\u201cMark Rutte\u201d", "person", "Mark Rutte"),
        ("  Mark\u00a0 Rutte\n", "person", "Mark Rutte"),
        ("Mark\u200b Rutte,", "person", "Mark Rutte"),
        ("Mark Rutte (Nato)", "person", "Mark Rutte"),
        ("Zelenskiy.", "person", "Zelenskiy"),
        ("Jose\u0301 Mourinho", "person", "Jos\u00e9 Mourinho"),  # NFC
        ("the Kremlin", "org", "Kremlin"),
        ("The New York Times", "org", "New York Times"),
        ("NATO", "org", "NATO"),
        ("Nato", "org", "Nato"),
        ("Acme Inc.", "org", "Acme Inc."),
        ("U.S.", "place", "U.S."),
        ("the Netherlands", "place", "Netherlands"),
        ("The Hague", "place", "The Hague"),
        ("'Paris'", "place", "Paris"),
        ("3M", "org", "3M"),
    ],
)
def test_canonical_name_cleans_quotes_space_unicode_and_articles(text, label, expected):
    assert canonical_name(text, label) == expected


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("", "person"),
        ("   ", "person"),
        ("Mr", "person"),
        ("Mrs.", "person"),
        ("President", "person"),
        ("the president", "person"),
        ("King", "person"),
        ("he", "person"),
        ("He", "person"),
        ("They", "person"),
        ("mark rutte", "person"),
        ("the government", "org"),
        ("2024", "org"),
        ("12345 A", "place"),
        ("\u201c\u201d", "person"),
        ("https://example.com", "org"),
        ("J", "person"),
    ],
)
def test_canonical_name_returns_none_for_junk(text, label):
    assert canonical_name(text, label) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["person", "org", "place", "date", "other"]))
def test_canonical_name_never_raises_and_is_idempotent(text, label):
    once = canonical_name(text, label)
    assert once is None or isinstance(once, str)
    if once is not None:
        assert canonical_name(once, label) == once


# ---------------------------------------------------------------------------------------------
# resolve_document


def test_resolve_document_resolves_surnames_to_the_full_name_in_the_document():
    doc = [
        mention("person", "Nato's secretary general Mark Rutte"),
        mention("person", "Mr Rutte", 50),
        mention("person", "Rutte\u2019s", 80),
        mention("org", "Nato's", 100),
    ]
    assert values(resolve_document(doc)) == [
        ("Nato's secretary general Mark Rutte", "Mark Rutte"),
        ("Mr Rutte", "Mark Rutte"),
        ("Rutte\u2019s", "Mark Rutte"),
        ("Nato's", "Nato"),
    ]


def test_resolve_document_keeps_a_surname_shared_by_two_people_as_is():
    doc = [
        mention("person", "Donald Trump"),
        mention("person", "Melania Trump", 20),
        mention("person", "Mr Trump", 40),
    ]
    assert values(resolve_document(doc)) == [
        ("Donald Trump", "Donald Trump"),
        ("Melania Trump", "Melania Trump"),
        ("Mr Trump", "Trump"),
    ]


def test_resolve_document_takes_the_longest_form_of_one_person():
    doc = [
        mention("person", "Joe Biden"),
        mention("person", "Joe R. Biden"),
        mention("person", "Biden"),
    ]
    # "Joe Biden" is the same person with the middle initial left out: one value, not two
    assert [m.value for m in resolve_document(doc)] == ["Joe R. Biden"] * 3


def test_resolve_document_matches_surnames_by_transliteration_key():
    doc = [mention("person", "Volodymyr Zelenskiy"), mention("person", "Zelensky")]
    assert [m.value for m in resolve_document(doc)] == ["Volodymyr Zelenskiy"] * 2


def test_resolve_document_drops_junk_and_passes_dates_through_untouched():
    date = Mention("date", "3 March 2024", 5, 17, value="2024-03-03", precision="day")
    doc = [mention("person", "he"), date, mention("person", "President"), mention("weird", "x")]
    out = resolve_document(doc)
    assert out == (date, mention("weird", "x"))


def test_resolve_document_leaves_a_person_that_matches_a_place_for_the_corpus_vote():
    doc = [mention("place", "Paris"), mention("person", "Paris"), mention("person", "Paris Hilton")]
    assert [(m.label, m.value) for m in resolve_document(doc)] == [
        ("place", "Paris"),
        ("person", "Paris"),
        ("person", "Paris Hilton"),
    ]


def test_resolve_document_is_idempotent():
    doc = [mention("person", "Kremlin spokesperson Dmitry Peskov"), mention("person", "Peskov")]
    once = resolve_document(doc)
    assert resolve_document(once) == once
    assert [m.value for m in once] == ["Dmitry Peskov", "Dmitry Peskov"]


# ---------------------------------------------------------------------------------------------
# name_key


def test_name_key_unifies_transliteration_endings_but_not_short_names():
    assert {name_key(w) for w in ["Zelenskiy", "Zelensky", "Zelenskyy", "Zelenskii"]} == {
        "zelensky"
    }
    assert name_key("Andrii") == name_key("Andriy")
    assert name_key("Sergei") == name_key("Sergey")
    assert name_key("Alexei") == name_key("Aleksey")
    assert name_key("Shoygu") == name_key("Shoigu")
    assert name_key("Rutte") != name_key("Rutter")
    assert name_key("Levi") != name_key("Levy")
    assert name_key("Khan") != name_key("Han")


# ---------------------------------------------------------------------------------------------
# build_aliases


def canon(aliases: dict[tuple[str, str], Alias], label: str, value: str) -> str:
    alias = aliases.get((label, value))
    return alias.canonical if alias else value


ZELENSKIY = {
    ("person", "Volodymyr Zelenskiy"): 50,
    ("person", "Volodymyr Zelensky"): 30,
    ("person", "Volodymyr Zelenskyy"): 10,
    ("person", "Zelensky"): 20,
}


def test_build_aliases_merges_transliterations_into_the_most_frequent_full_name():
    aliases = build_aliases(ZELENSKIY)
    assert aliases[("person", "Volodymyr Zelensky")] == Alias(
        "Volodymyr Zelensky", "Volodymyr Zelenskiy", "person", "transliteration"
    )
    assert aliases[("person", "Volodymyr Zelenskyy")].canonical == "Volodymyr Zelenskiy"
    assert ("person", "Volodymyr Zelenskiy") not in aliases


def corpus(*docs: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], int], CoMentions]:
    """Document counts and co-mentions of a corpus given as each document's names."""
    counts: dict[tuple[str, str], int] = {}
    for doc in docs:
        for node in doc:
            counts[node] = counts.get(node, 0) + 1
    return counts, CoMentions(lambda node: [d for d in docs if node in d], len(docs))


KYIV = {("place", "Kyiv"), ("person", "Andriy Yermak")}
ELSEWHERE = [{("place", f"Town {i}"), ("org", f"Club {i}")} for i in range(12)]


def test_build_aliases_merges_a_lone_surname_that_keeps_its_full_names_company():
    counts, co = corpus(
        {("person", "Volodymyr Zelenskiy"), *KYIV},
        {("person", "Volodymyr Zelenskiy"), *KYIV, ("org", "NATO")},
        {("person", "Zelensky"), *KYIV},
        *ELSEWHERE,
    )
    aliases = build_aliases(counts, co_mentions=co)
    assert aliases[("person", "Zelensky")] == Alias(
        "Zelensky", "Volodymyr Zelenskiy", "person", "surname"
    )


def test_build_aliases_keeps_a_lone_surname_apart_from_a_stranger_with_that_name():
    # a Cohen in a story about a court case is not the Noam Cohen of a story about Wikipedia,
    # though the corpus knows no other Cohen; nor is the word "Yang" in an Indonesian page
    counts, co = corpus(
        {("person", "Noam Cohen"), ("org", "Wikipedia"), ("place", "San Francisco")},
        {("person", "Noam Cohen"), ("org", "Wikipedia"), ("org", "New York Times")},
        {("person", "Cohen"), ("org", "Manhattan Court"), ("person", "Stormy Daniels")},
        {("person", "Andrew Yang"), ("org", "Democratic Party"), ("place", "New York")},
        {("person", "Yang"), ("place", "Jakarta"), ("org", "Pemerintah")},
        *ELSEWHERE,
    )
    assert build_aliases(counts, co_mentions=co) == {}
    assert build_aliases(counts) == {}  # and with no evidence at all


TONY = [
    {("person", "Tony Blair"), ("person", "Gordon Brown"), ("org", "Labour")},
    {("person", "Tony Blair"), ("person", "Gordon Brown"), ("person", "Michael Howard")},
    {("person", "Tony Blair"), ("org", "Labour"), ("person", "Michael Howard")},
    {("person", "Tony Blair"), ("org", "Labour"), ("place", "Iraq")},
    {("person", "Tony Blair"), ("person", "Gordon Brown"), ("place", "Iraq")},
    {("person", "Tony Blair"), ("person", "Michael Howard"), ("org", "Commons")},
    {("person", "Tony Blair"), ("person", "Gordon Brown"), ("org", "Commons")},
    {("person", "Tony Blair"), ("org", "Labour"), ("person", "Charles Kennedy")},
]
# the rest of a newsroom's corpus, so that Labour and Gordon Brown are rarer than with Blair
NEWS = [{("place", f"City {i}"), ("org", f"Firm {i}")} for i in range(40)]
# the police chief of another story: a Blair of his own
IAN = {("person", "Ian Blair"), ("org", "Metropolitan Police"), ("place", "London")}


def test_build_aliases_joins_a_lone_surname_to_the_full_name_that_dominates_and_keeps_company():
    # "Mr Blair" in a BBC politics story that never says "Tony": the corpus knows an Ian Blair
    # too, but Tony Blair is named far more and the story keeps his company
    counts, co = corpus(
        *TONY,
        IAN,
        {("person", "Blair"), ("person", "Gordon Brown"), ("org", "Labour")},
        {("person", "Blair"), ("person", "Michael Howard"), ("org", "Commons")},
        *ELSEWHERE,
        *NEWS,
    )
    aliases = build_aliases(counts, co_mentions=co)
    assert aliases[("person", "Blair")] == Alias("Blair", "Tony Blair", "person", "surname")
    assert ("person", "Ian Blair") not in aliases


def test_build_aliases_keeps_a_lone_surname_apart_when_no_full_name_dominates_or_fits():
    # "Blair" in a story about the Metropolitan Police keeps Ian Blair's company, not Tony's:
    # no merge into the better-known name
    police = {("person", "Blair"), ("org", "Metropolitan Police"), ("place", "London")}
    counts, co = corpus(*TONY, IAN, police, *ELSEWHERE, *NEWS)
    assert ("person", "Blair") not in build_aliases(counts, co_mentions=co)
    # nor when politics stories' "Blair" keeps Tony Blair's company but one rugby report's
    # "Blair" (Mike Blair, the scrum-half) does not: a merge applies to every story of the name
    rugby = {("person", "Blair"), ("org", "Scotland XV"), ("person", "Chris Paterson")}
    politics = {("person", "Blair"), ("person", "Gordon Brown"), ("org", "Labour")}
    mike = {("person", "Mike Blair"), ("org", "Scotland XV"), ("person", "Chris Paterson")}
    counts, co = corpus(*TONY, mike, politics, politics, rugby, *ELSEWHERE, *NEWS)
    assert ("person", "Blair") not in build_aliases(counts, co_mentions=co)
    # two Cohens named about as often: neither is "Cohen", whatever company it keeps
    cohens = [
        {("person", "Noam Cohen"), ("org", "Wikipedia"), ("place", "San Francisco")},
        {("person", "Noam Cohen"), ("org", "Wikipedia"), ("org", "New York Times")},
        {("person", "Noam Cohen"), ("org", "Wikipedia"), ("place", "San Francisco")},
        {("person", "Ben Cohen"), ("org", "Wikipedia"), ("place", "San Francisco")},
    ]
    lone = {("person", "Cohen"), ("org", "Wikipedia"), ("place", "San Francisco")}
    counts, co = corpus(*cohens, lone, *ELSEWHERE, *NEWS)
    assert ("person", "Cohen") not in build_aliases(counts, co_mentions=co)


def test_build_aliases_merges_middle_name_variants_of_one_person():
    aliases = build_aliases({("person", "Owen John Dempsey"): 2, ("person", "Owen Dempsey"): 5})
    assert aliases == {
        ("person", "Owen John Dempsey"): Alias(
            "Owen John Dempsey", "Owen Dempsey", "person", "middle-name"
        )
    }
    # two different middle names: two people, neither is merged
    two = {("person", "George W. Bush"): 5, ("person", "George H. W. Bush"): 3}
    assert build_aliases({**two, ("person", "George Bush"): 4}) == {}


def test_build_aliases_keeps_apart_surnames_whose_vowel_moves():
    counts = {("person", "Steve Castro"): 3, ("person", "Steve Castor"): 2}
    assert build_aliases(counts) == {}
    kadyrov = build_aliases({("person", "Ramzan Kadyrov"): 9, ("person", "Ramzan Kadirov"): 2})
    assert kadyrov[("person", "Ramzan Kadirov")].canonical == "Ramzan Kadyrov"


def test_build_aliases_merges_first_name_transliterations_with_the_same_surname():
    aliases = build_aliases({("person", "Andrii Sybiha"): 5, ("person", "Andriy Sybiha"): 7})
    assert aliases == {
        ("person", "Andrii Sybiha"): Alias(
            "Andrii Sybiha", "Andriy Sybiha", "person", "transliteration"
        )
    }


def test_build_aliases_leaves_an_ambiguous_surname_alone():
    counts = {("person", "John Smith"): 4, ("person", "Jane Smith"): 3, ("person", "Smith"): 5}
    assert build_aliases(counts) == {}


def test_build_aliases_never_merges_different_first_names_or_near_surnames():
    counts = {
        ("person", "John Smith"): 4,
        ("person", "Jane Smith"): 3,
        ("person", "Mark Rutte"): 20,
        ("person", "Mark Rutter"): 2,
        ("person", "Michael Johnson"): 3,
        ("person", "Michael Johnston"): 3,
        ("person", "Daniel Craig"): 3,
        ("person", "Daniela Craig"): 1,
    }
    assert build_aliases(counts) == {}


def test_build_aliases_merges_case_variants_preferring_the_short_all_caps_acronym():
    aliases = build_aliases({("org", "Nato"): 40, ("org", "NATO"): 30})
    assert aliases == {("org", "Nato"): Alias("Nato", "NATO", "org", "case")}


def test_build_aliases_merges_case_and_article_variants_into_the_most_frequent():
    aliases = build_aliases(
        {
            ("org", "Bank of England"): 9,
            ("org", "Bank Of England"): 1,
            ("place", "the Netherlands"): 1,
            ("place", "Netherlands"): 5,
        }
    )
    assert aliases == {
        ("org", "Bank Of England"): Alias("Bank Of England", "Bank of England", "org", "case"),
        ("place", "the Netherlands"): Alias("the Netherlands", "Netherlands", "place", "spelling"),
    }


def test_build_aliases_merges_an_acronym_with_the_long_form_the_corpus_pairs_it_with():
    counts = {("org", "NATO"): 30, ("org", "North Atlantic Treaty Organization"): 3}
    assert build_aliases(counts) == {}
    aliases = build_aliases(counts, {("North Atlantic Treaty Organization", "NATO"): 1})
    assert aliases == {
        ("org", "North Atlantic Treaty Organization"): Alias(
            "North Atlantic Treaty Organization", "NATO", "org", "acronym"
        )
    }


def test_build_aliases_skips_an_acronym_paired_with_two_different_long_forms():
    counts = {("org", "CP"): 5, ("org", "Communist Party"): 3, ("org", "Conservative Party"): 4}
    pairs = {("Communist Party", "CP"): 1, ("Conservative Party", "CP"): 1}
    assert build_aliases(counts, pairs) == {}


def test_build_aliases_chains_case_then_acronym_to_the_final_canonical():
    counts = {
        ("org", "Nato"): 40,
        ("org", "NATO"): 30,
        ("org", "North Atlantic Treaty Organization"): 3,
    }
    aliases = build_aliases(counts, {("North Atlantic Treaty Organization", "NATO"): 2})
    assert {k: a.canonical for k, a in aliases.items()} == {
        ("org", "Nato"): "NATO",
        ("org", "North Atlantic Treaty Organization"): "NATO",
    }


def test_build_aliases_applies_manual_merges_over_everything():
    counts = {**ZELENSKIY, ("person", "Mark Rutte"): 20, ("person", "Mark Rutter"): 2}
    aliases = build_aliases(
        counts,
        manual_merges=[
            ("person", "Mark Rutter", "Mark Rutte"),
            ("person", "Volodymyr Zelenskiy", "Volodymyr Zelensky"),
        ],
    )
    assert aliases[("person", "Mark Rutter")] == Alias(
        "Mark Rutter", "Mark Rutte", "person", "manual"
    )
    assert {k[1]: a.canonical for k, a in aliases.items() if k[1] != "Mark Rutter"} == {
        "Volodymyr Zelenskiy": "Volodymyr Zelensky",
        "Volodymyr Zelenskyy": "Volodymyr Zelensky",
    }


def test_build_aliases_split_blocks_every_automatic_merge_of_that_variant():
    aliases = build_aliases(ZELENSKIY, manual_splits=[("person", "Zelensky")])
    assert ("person", "Zelensky") not in aliases
    assert aliases[("person", "Volodymyr Zelensky")].canonical == "Volodymyr Zelenskiy"


def test_build_aliases_manual_chains_resolve_and_cycles_are_cut():
    counts = {("person", "A Aa"): 1, ("person", "B Bb"): 1, ("person", "C Cc"): 1}
    chain = build_aliases(
        counts, manual_merges=[("person", "A Aa", "B Bb"), ("person", "B Bb", "C Cc")]
    )
    assert {k[1]: a.canonical for k, a in chain.items()} == {"A Aa": "C Cc", "B Bb": "C Cc"}
    cycle = build_aliases(
        counts, manual_merges=[("person", "A Aa", "B Bb"), ("person", "B Bb", "A Aa")]
    )
    assert {k[1]: a.canonical for k, a in cycle.items()} == {"B Bb": "A Aa"}


def test_build_aliases_moves_a_minority_label_to_the_majority():
    counts = {
        ("place", "Paris"): 100,
        ("person", "Paris"): 2,
        ("person", "Paris Hilton"): 3,
        ("place", "Ukraine"): 90,
        ("org", "Ukraine"): 2,
    }
    aliases = build_aliases(counts)
    assert aliases == {
        ("person", "Paris"): Alias("Paris", "Paris", "place", "label-vote"),
        ("org", "Ukraine"): Alias("Ukraine", "Ukraine", "place", "label-vote"),
    }


def test_build_aliases_keeps_a_surname_that_is_as_common_as_a_place():
    counts = {("place", "Jordan"): 10, ("person", "Jordan"): 10, ("person", "Michael Jordan"): 5}
    assert build_aliases(counts) == {}


names = st.sampled_from(
    [
        "Volodymyr Zelenskiy",
        "Volodymyr Zelensky",
        "Zelensky",
        "Zelenskiy",
        "Mark Rutte",
        "Rutte",
        "Nato",
        "NATO",
        "North Atlantic Treaty Organization",
        "Paris",
        "John Smith",
        "Smith",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["person", "org", "place"]), names),
        st.integers(0, 50),
        max_size=15,
    ),
    st.lists(st.tuples(st.sampled_from(["person", "org", "place"]), names, names), max_size=4),
    st.lists(st.tuples(st.sampled_from(["person", "org", "place"]), names), max_size=3),
)
def test_build_aliases_never_leaves_chains_or_cycles(counts, merges, splits):
    aliases = build_aliases(
        counts, {("North Atlantic Treaty Organization", "NATO"): 1}, merges, splits
    )
    for (label, variant), alias in aliases.items():
        assert (alias.label, alias.canonical) != (label, variant)
        assert (alias.label, alias.canonical) not in aliases


# ---------------------------------------------------------------------------------------------
# find_acronym_pairs


def test_find_acronym_pairs_reads_long_forms_whose_initials_spell_the_acronym():
    text = (
        "The North Atlantic Treaty Organization (NATO) met the Department of Justice (DOJ), "
        "the Organization for Security and Co-operation in Europe (OSCE), the UN High "
        "Commissioner for Refugees (UNHCR) and Procter & Gamble (P&G). ECB (European "
        "Central Bank) staff said (Reuters) that Mark Rutte (Nato) agreed."
    )
    assert find_acronym_pairs(text) == [
        ("North Atlantic Treaty Organization", "NATO"),
        ("Department of Justice", "DOJ"),
        ("Organization for Security and Co-operation in Europe", "OSCE"),
        ("UN High Commissioner for Refugees", "UNHCR"),
        ("Procter & Gamble", "P&G"),
        ("European Central Bank", "ECB"),
    ]


def test_find_acronym_pairs_does_not_cross_punctuation_or_accept_lowercase_words():
    assert find_acronym_pairs("Atlantic. Treaty Organization (ATO) talks") == []
    assert find_acronym_pairs("the national health service (NHS)") == []


# ---------------------------------------------------------------------------------------------
# resolve_labels


def test_resolve_labels_gives_conflicted_values_their_majority_label():
    assert resolve_labels(
        {
            "Paris": {"place": 100, "person": 2},
            "Jordan": {"place": 10, "person": 10},
            "Mark Rutte": {"person": 20},
            "Kremlin": {"org": 12, "place": 30, "person": 0},
        }
    ) == {"Paris": "place", "Kremlin": "place"}


# ---------------------------------------------------------------------------------------------
# capitals, first names, countries, organisations' forms


def test_canonical_name_keeps_acronyms_that_spell_pronouns():
    assert canonical_name("US", "place") == "US"
    assert canonical_name("WHO", "org") == "WHO"
    assert canonical_name("IT", "org") == "IT"
    assert canonical_name("us", "place") is None
    assert canonical_name("Us", "place") is None
    assert canonical_name("US", "person") is None


def test_resolve_document_takes_a_first_name_or_a_chinese_surname_to_its_full_name():
    doc = [
        mention("person", "Xi Jinping"),
        mention("person", "Xi", 30),
        mention("person", "Alastair Campbell", 60),
        mention("person", "Alastair", 90),
    ]
    assert [m.value for m in resolve_document(doc)] == ["Xi Jinping"] * 2 + [
        "Alastair Campbell"
    ] * 2
    two = [mention("person", "Donald Trump"), mention("person", "Donald Tusk", 20)]
    assert [m.value for m in resolve_document([*two, mention("person", "Donald", 40)])][-1] == (
        "Donald"
    )


def test_resolve_document_joins_a_name_with_and_without_its_middle_name():
    doc = [mention("person", "Owen John Dempsey"), mention("person", "Owen Dempsey", 30)]
    assert [m.value for m in resolve_document(doc)] == ["Owen John Dempsey"] * 2
    bushes = [mention("person", "George W. Bush"), mention("person", "George H. W. Bush", 30)]
    assert [m.value for m in resolve_document(bushes)] == ["George W. Bush", "George H. W. Bush"]


def test_build_aliases_merges_the_names_and_codes_of_one_country():
    counts = {
        ("place", "US"): 40,
        ("place", "U.S."): 10,
        ("place", "USA"): 3,
        ("place", "United States"): 8,
        ("place", "America"): 4,
        ("place", "UK"): 30,
        ("place", "Britain"): 20,
        ("place", "United Kingdom"): 2,
        ("place", "Great Britain"): 1,
        ("org", "EU"): 9,
        ("org", "European Union"): 4,
        ("place", "NY"): 2,
        ("place", "New York"): 7,
        ("place", "LA"): 3,
        ("place", "Louisiana"): 2,
        ("org", "BT"): 5,
        ("org", "Bhutan"): 1,
    }
    canonical = {k: canon(build_aliases(counts), *k) for k in counts}
    assert {canonical[("place", v)] for v in ("US", "U.S.", "USA", "United States", "America")} == {
        "US"
    }
    assert {canonical[("place", v)] for v in ("UK", "Britain", "United Kingdom")} == {"UK"}
    assert canonical[("place", "Great Britain")] == "UK"
    assert canonical[("org", "European Union")] == "EU"
    assert canonical[("place", "NY")] == "New York"
    # "LA" is Los Angeles as often as Louisiana, and "BT" a company, not Bhutan
    assert canonical[("place", "LA")] == "LA" and canonical[("org", "BT")] == "BT"


def test_build_aliases_merges_an_organisations_designator_plural_and_demonym_forms():
    counts = {
        ("org", "Labour"): 10,
        ("org", "Labour Party"): 4,
        ("org", "Lib Dems"): 5,
        ("org", "Lib Dem"): 4,
        ("org", "Ukraine's Foreign Ministry"): 2,
        ("org", "Ukrainian Foreign Ministry"): 1,
        ("org", "Times"): 3,
        ("org", "Time"): 2,
        ("org", "French Foreign Ministry"): 1,
    }
    aliases = build_aliases(counts)
    assert canon(aliases, "org", "Labour Party") == "Labour"
    assert canon(aliases, "org", "Lib Dem") == "Lib Dems"
    assert canon(aliases, "org", "Ukraine's Foreign Ministry") == "Ukrainian Foreign Ministry"
    assert ("org", "Time") not in aliases and ("org", "Times") not in aliases
    assert ("org", "French Foreign Ministry") not in aliases

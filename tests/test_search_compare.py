"""search.compare: sentences, alignment, quotes and speakers, numbers, names, and the seed pair.

The seed pair (../shared/seeds) is one Irish Times report and a rewrite of it, ingested by the
real pipeline with NER. What a careful reader finds there, and what these tests assert:

- people only in the original: Donald Trump, Andrii Sybiha (the photographer and the author in
  the credits are not mentions: the indexer masks captions and bylines);
- people only in the rewrite: Dmitry Peskov (Kremlin spokesperson), Harald Vilimsky (Freedom
  Party); Volodymyr Zelenskiy/Zelensky, Mark Rutte and Vladimir Putin are in both;
- quotes the rewrite attributes to Mark Rutte that the original never has him say: "The most
  crucial task right now ..." and "We all must step up our support. The stronger ...";
- the Ukrainian foreign ministry's "Based on our past experiences, we will not entertain
  alternatives to full NATO membership" is the original's "With the bitter experience of the
  Budapest Memorandum behind us, we will not accept any alternatives ..." worded differently
  (an organisation's words, so not a person's unsupported quote);
- every quote of the original (five by Rutte, one by Sybiha, two by the ministry) is gone or
  reworded in the rewrite.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import shared_path

from indexer.dedup import FlagCache
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.compare import (
    ALIGN_THRESHOLD,
    Quote,
    align,
    compare_documents,
    compare_quotes,
    contained,
    extract_quotes,
    numbers_in,
    parse_compare,
    same_name,
    similarity_matrix,
    split_sentences,
)
from search.documents import Document, Mention
from search.errors import DocumentNotFound, QueryError
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings
from search.stories import STORIES_FILE, StoryTable, VersionChanges, read_story_table

ORIGINAL_TITLE = (
    "Nato focuses on military aid push as Ukraine seeks full membership of the alliance"
)
CRUCIAL = (
    "The most crucial task right now is to empower President Volodymyr Zelensky in peace "
    "negotiations by ensuring he holds a strong position."
)
STEP_UP = (
    "We all must step up our support. The stronger our military backing is now, the more "
    "robust Ukraine’s position will be at the negotiating table."
)
MINISTRY_B = (
    "Based on our past experiences, we will not entertain alternatives to full NATO membership."
)
MINISTRY_A = (
    "With the bitter experience of the Budapest Memorandum behind us, we will not accept any "
    "alternatives, surrogates or substitutes for Ukraine’s full membership in Nato."
)


def doc(
    body: str, *names: tuple[str, str, str], title: str = "A story", doc_id: str = "a"
) -> Document:
    """A document with mentions found in its body: (label, surface text, canonical name),
    each the next occurrence of its text."""
    mentions = []
    seen: dict[str, int] = {}
    for label, text, value in names:
        start = body.index(text, seen.get(text, 0))
        seen[text] = start + 1
        mentions.append(Mention(label, text, start, start + len(text), "body", value))
    return Document(doc_id=doc_id, title=title, body=body, mentions=tuple(mentions))


def quotes_of(body: str, *names: tuple[str, str, str]) -> tuple[Quote, ...]:
    document = doc(body, *names)
    return extract_quotes(document.body, split_sentences(document.body), document.mentions)


# -- sentences --------------------------------------------------------------------------------


def test_sentences_split_at_stops_but_not_after_abbreviations_or_initials() -> None:
    text = (
        "Mr. Smith met Gen. Jones in the U.S. on Monday. John F. Kennedy was not there! "
        "Was it 3.5 per cent? Yes.\nA headline without a stop\nNext line."
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Smith met Gen. Jones in the U.S. on Monday.",
        "John F. Kennedy was not there!",
        "Was it 3.5 per cent?",
        "Yes.",
        "A headline without a stop",
        "Next line.",
    ]
    assert [s.paragraph for s in sentences] == [0, 0, 0, 0, 1, 2]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_sentences_keep_the_closing_quote_and_do_not_split_before_a_lower_case_verb() -> None:
    text = '"We will win. They will not," she said. “It is over.” The end.'
    assert [s.text for s in split_sentences(text)] == [
        '"We will win.',
        'They will not," she said.',
        "“It is over.”",
        "The end.",
    ]


def test_numbers_are_normalised() -> None:
    text = (
        "Twenty-five of 155,221 bags rose 3 pct to $1.13bn on Tuesday in May, up 76%; two hundred"
    )
    assert numbers_in(text) == ("155221", "3%", "1.13bn", "76%", "25", "tuesday", "may", "200")
    assert numbers_in("You may go. Nobody knows.") == ()


# -- alignment --------------------------------------------------------------------------------


def test_alignment_pairs_edited_sentences_and_leaves_new_ones_alone() -> None:
    a = split_sentences(
        "The council approved the harbour budget on Monday. "
        "Fishermen protested outside the town hall. "
        "The ferry timetable will change in spring."
    )
    b = split_sentences(
        "The ferry timetable will change in the spring. "
        "The council approved the harbour budget on Monday. "
        "A new lighthouse keeper was appointed."
    )
    rows = align(a, b, similarity_matrix(a, b))
    pairs = {(r.a, r.b): r.status for r in rows}
    assert pairs[(0, 1)] == "same"
    assert pairs[(2, 0)] == "changed"
    assert pairs[(1, None)] == "only_a"
    assert pairs[(None, 2)] == "only_b"
    assert sorted(r.a for r in rows if r.a is not None) == [0, 1, 2]
    assert sorted(r.b for r in rows if r.b is not None) == [0, 1, 2]


def test_one_word_in_common_is_a_topic_not_a_pair() -> None:
    a = split_sentences("Brussels hosted talks. Rain fell.")
    b = split_sentences("Snow closed Brussels. Rain fell.")
    sim = similarity_matrix(a, b)
    assert sim[0, 0] >= ALIGN_THRESHOLD  # alike enough by cosine alone
    pairs = {(r.a, r.b) for r in align(a, b, sim)}
    assert (0, 0) not in pairs and (1, 1) in pairs


def test_a_heading_pairs_with_a_heading_not_with_a_sentence_using_its_words() -> None:
    a = split_sentences("Harbour Budget Approved\nThe ferry timetable will change in spring.")
    b = split_sentences("The council approved the harbour budget on Monday.")
    sim = similarity_matrix(a, b)
    assert sim[0, 0] >= ALIGN_THRESHOLD  # alike enough by cosine alone
    assert [r.status for r in align(a, b, sim)] == ["only_b", "only_a", "only_a"]
    headed = split_sentences(f"{b[0].text}\nHarbour Budget Is Approved")
    rows = align(a, headed, similarity_matrix(a, headed))
    assert {(r.a, r.b) for r in rows if r.a is not None and r.b is not None} == {(0, 1)}


def test_names_count_in_alignment_through_their_canonical_form() -> None:
    a = doc("Mr Zelenskiy asked for air defence.", ("person", "Zelenskiy", "Volodymyr Zelenskiy"))
    b = doc("Zelensky asked for air defence.", ("person", "Zelensky", "Volodymyr Zelenskiy"))
    with_names = similarity_matrix(
        split_sentences(a.body), split_sentences(b.body), a.mentions, b.mentions
    )
    without = similarity_matrix(split_sentences(a.body), split_sentences(b.body))
    assert with_names[0, 0] > without[0, 0] >= ALIGN_THRESHOLD


# -- quotes and speakers ----------------------------------------------------------------------


def test_speaker_is_the_person_beside_the_speech_verb_not_one_inside_the_quote() -> None:
    quotes = quotes_of(
        '"Putin is not interested in peace," Mr Rutte said as they met Vladimir Putin’s envoy.',
        ("person", "Putin", "Vladimir Putin"),
        ("person", "Rutte", "Mark Rutte"),
        ("person", "Vladimir Putin", "Vladimir Putin"),
    )
    assert [(q.text, q.speaker, q.attribution) for q in quotes] == [
        ("Putin is not interested in peace", "Mark Rutte", "named")
    ]


def test_according_to_and_a_speaker_after_the_quote() -> None:
    quotes = quotes_of(
        'Prices will fall, according to Jane Doe, who said "the worst is over now".',
        ("person", "Jane Doe", "Jane Doe"),
    )
    assert quotes[0].speaker == "Jane Doe" and quotes[0].text == "the worst is over now"


def test_he_added_resolves_to_the_last_speaker_and_a_curly_quote_may_close_with_a_single_mark() -> (
    None
):
    body = (
        "“Make sure that Ukraine has what it needs,” Mr Rutte said\n"
        "“And that is what we will focus on the next two days,’ he added."
    )
    quotes = quotes_of(body, ("person", "Rutte", "Mark Rutte"))
    assert [q.text for q in quotes] == [
        "Make sure that Ukraine has what it needs",
        "And that is what we will focus on the next two days",
    ]
    assert [(q.speaker, q.attribution) for q in quotes] == [
        ("Mark Rutte", "named"),
        ("Mark Rutte", "pronoun_far"),
    ]


def test_a_quote_running_on_keeps_its_speaker_across_sentences_and_paragraphs() -> None:
    body = (
        "“Ukraine is entering another crucial winter. He is using Ukraine as a testing ground,” "
        "Mr Rutte said.\n"
        "“Putin is not interested in peace. But he is wrong.”\n"
        "Kyiv’s foreign ministry said “the mistake must be corrected”. “We will not accept "
        "any alternatives.”"
    )
    quotes = quotes_of(
        body, ("person", "Rutte", "Mark Rutte"), ("person", "Putin", "Vladimir Putin")
    )
    assert [(q.speaker, q.attribution) for q in quotes] == [
        ("Mark Rutte", "named"),
        ("Mark Rutte", "next_paragraph"),
        ("Kyiv’s foreign ministry", "phrase"),
        ("Kyiv’s foreign ministry", "phrase"),  # continued, and no surer than the first
    ]
    assert quotes[0].text.startswith("Ukraine is entering") and "testing ground" in quotes[0].text


def test_the_ministry_declared_is_the_organisation_named_before() -> None:
    body = (
        "The Ukrainian Foreign Ministry recalled the memorandum. "
        "The Ministry declared, “We will not entertain alternatives.”"
    )
    quotes = quotes_of(body, ("org", "Ukrainian Foreign Ministry", "Ukrainian Foreign Ministry"))
    assert (quotes[0].speaker, quotes[0].speaker_label) == ("Ukrainian Foreign Ministry", "org")


def test_straight_quotes_apostrophes_and_one_word_scare_quotes() -> None:
    body = 'It\'s a "giant" of the movement, said Mr Blair. "We\'ll miss him," he said.'
    quotes = quotes_of(body, ("person", "Blair", "Tony Blair"))
    assert [(q.text, q.speaker) for q in quotes] == [("We'll miss him", "Tony Blair")]


def _quote(text: str, speaker: str = "", label: str = "", how: str = "named") -> Quote:
    return Quote(text, 0, len(text), 0, speaker, label, how if speaker else "")


def test_quote_changes_added_dropped_reworded_and_given_to_another() -> None:
    a = (
        _quote("We will not accept any alternatives to full membership", "Kyiv", "org"),
        _quote("Putin is not interested in peace", "Mark Rutte", "person"),
        _quote("Winter is coming for all of us", "Mark Rutte", "person"),
        _quote("the talks were useful and friendly", "Jane Doe", "person"),
    )
    b = (
        _quote("we will not entertain alternatives to full membership", "Ministry", "org"),
        _quote("Putin is not interested in peace", "John Smith", "person"),
        _quote("Nobody will be left behind this time", "Mark Rutte", "person"),
        _quote("the talks were useful", "Jane Doe", "person"),
    )
    changes = {(c.kind, c.quote.text): c for c in compare_quotes(a, b)}
    assert set(changes) == {
        ("reworded", b[0].text),
        ("speaker_changed", b[1].text),
        ("added", b[2].text),
        ("dropped", a[2].text),
    }
    assert not changes[("reworded", b[0].text)].unsupported  # an organisation's words
    assert changes[("speaker_changed", b[1].text)].unsupported
    assert changes[("speaker_changed", b[1].text)].counterpart == a[1]
    assert changes[("added", b[2].text)].unsupported
    assert not changes[("dropped", a[2].text)].unsupported


def test_a_pronoun_that_drifted_after_an_edit_is_not_a_new_speaker() -> None:
    a = (_quote("It was not a major surprise to anyone", "Roy Hattersley", "person", "pronoun"),)
    drifted = _quote("It was not a major surprise to anyone", "Tony Blair", "person", "pronoun_far")
    assert compare_quotes(a, (drifted,)) == ()
    named = _quote("It was not a major surprise to anyone", "Tony Blair", "person", "named")
    assert [c.kind for c in compare_quotes(a, (named,))] == ["speaker_changed"]


def test_a_lightly_corrected_quote_is_reworded_but_supported() -> None:
    said = "this is a great loss to the IBM Company and to the family, friends and community"
    corrected = "this is a great loss to IBM and to the family and all the people"
    assert 0.5 <= contained(corrected, said) < 0.8
    a = (_quote(said, "John Akers", "person"),)
    (change,) = compare_quotes(a, (_quote(corrected, "John Akers", "person"),))
    assert change.kind == "reworded" and not change.unsupported
    (change,) = compare_quotes(a, (_quote(corrected, "Jane Doe", "person"),))
    assert change.kind == "reworded" and change.unsupported


def test_contained_is_one_for_a_verbatim_fragment() -> None:
    assert contained("getting connected", "issues were getting connected due to") == 1.0
    assert contained("step up", "we will not") == 0.0


# -- names and numbers ------------------------------------------------------------------------


def test_names_only_in_one_version_ignore_spellings_and_names_the_ner_missed() -> None:
    a = doc(
        "Pat Carney met officials from the United States in Kyiv. Donald Trump was absent.",
        ("person", "Pat Carney", "Pat Carney"),
        ("place", "United States", "United States"),
        ("org", "Kyiv", "Kyiv"),
        ("person", "Donald Trump", "Donald Trump"),
    )
    b = doc(
        "Patricia Carney met USA officials in Kyiv, and Dmitry Peskov.",
        ("person", "Patricia Carney", "Patricia Carney"),
        ("place", "USA", "USA"),
        ("person", "Dmitry Peskov", "Dmitry Peskov"),
        doc_id="b",
    )
    comparison = compare_documents(a, b)
    assert comparison.entity("person").only_a == ("Donald Trump",)
    assert comparison.entity("person").only_b == ("Dmitry Peskov",)
    assert comparison.entity("place").only_a == comparison.entity("place").only_b == ()
    assert comparison.entity("org").only_a == ()  # b says "Kyiv", its NER just missed it
    assert same_name("J. Smith", "John Smith") and not same_name("John Smith", "Joan Smyth")


def test_numbers_that_differ_between_aligned_sentences() -> None:
    a = doc("The council will spend 20 million pounds on 12 new ferries by 2026. It rained.")
    b = doc(
        "The council will spend 25 million pounds on 12 new ferries by 2026. It rained.", doc_id="b"
    )
    comparison = compare_documents(a, b)
    assert [(n.a_sentence, n.b_sentence, n.only_a, n.only_b) for n in comparison.numbers] == [
        (0, 0, ("20",), ("25",))
    ]
    assert "changes numbers in 1 sentence" in comparison.summary


def test_identical_versions_have_no_differences() -> None:
    a = doc('"We are ready," said Jane Doe on Monday.', ("person", "Jane Doe", "Jane Doe"))
    comparison = compare_documents(a, a)
    assert comparison.summary == "no differences found"
    assert comparison.flags() == () and comparison.quotes == () and comparison.numbers == ()
    assert {row.status for row in comparison.rows} == {"same"}


def test_summary_counts_and_marks() -> None:
    a = doc("The mayor opened the bridge on Monday.")
    b = doc(
        'The mayor opened the bridge on Monday. "It is a disgrace," said Jane Doe.',
        ("person", "Jane Doe", "Jane Doe"),
        doc_id="b",
    )
    comparison = compare_documents(a, b)
    assert comparison.summary == "adds 1 person, 1 quote"
    assert comparison.flags() == ("adds_people", "unsupported_quotes")
    marks = comparison.marks("b")
    assert [(m.kind, m.label, b.body[m.start : m.end]) for m in marks] == [
        ("quote", "added", "It is a disgrace,"),
        ("name", "person", "Jane Doe"),
    ]
    assert comparison.counts()["sentences_only_b"] == 1
    data = json.loads(json.dumps(comparison.to_dict()))
    assert data["flags"] == ["adds_people", "unsupported_quotes"]
    assert data["unsupported_quotes"][0]["speaker"] == "Jane Doe"


def test_parse_compare_needs_both_ids_once() -> None:
    assert parse_compare({"a": "x", "b": "y"}) == ("x", "y")
    for params, param in (
        ({"b": "y"}, "a"),
        ({"a": "x", "b": ""}, "b"),
        ({"a": ["x", "z"], "b": "y"}, "a"),
    ):
        with pytest.raises(QueryError) as err:
            parse_compare(params)
        assert err.value.param == param
    with pytest.raises(QueryError):
        parse_compare({"a": "x" * 201, "b": "y"})


# -- the story table and the changes filter ---------------------------------------------------


def test_story_table_keeps_flags_and_reads_format_one_files(tmp_path: Path) -> None:
    table = StoryTable.build(
        {"a": ("a", "b", "c")},
        {},
        {},
        {"b": VersionChanges("a", ("adds_people",)), "c": VersionChanges("a", ())},
    )
    data = table.to_dict()
    assert data["format"] == 2
    again = StoryTable.from_dict(json.loads(json.dumps(data)))
    assert (
        again.flags("b") == ("adds_people",) and again.flags("c") == () and again.flags("a") == ()
    )
    assert again.flagged("adds_people") == ("b",)
    old = {"stories": {"a": ["a", "b"]}, "reasons": {}, "pairs": []}
    (tmp_path / STORIES_FILE).write_text(json.dumps(old), "utf-8")
    assert read_story_table(tmp_path).versions("b") == ("a", "b")
    assert read_story_table(tmp_path).changes == {}
    weird = {**old, "changes": {"b": {"base": "a", "flags": ["nonsense", "adds_people"]}, "c": 3}}
    assert StoryTable.from_dict(weird).flags("b") == ("adds_people",)


def test_changes_parameter() -> None:
    request = parse_request({"changes": ["unsupported_quotes", "adds_people", "adds_people"]})
    assert request.changes == ("unsupported_quotes", "adds_people")
    assert request.has_filters
    assert request.to_params() == [("changes", "unsupported_quotes"), ("changes", "adds_people")]
    assert request.to_dict()["filters"] == {"changes": ["unsupported_quotes", "adds_people"]}
    assert request.with_change_toggled("adds_people").changes == ("unsupported_quotes",)
    assert request.without_filters().changes == ()
    assert parse_request({}).to_dict()["filters"] == {}
    with pytest.raises(QueryError) as err:
        parse_request({"changes": "adds_quotes"})
    assert err.value.param == "changes"


# -- the seed pair, through the real pipeline -------------------------------------------------


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str, str]:
    source = shared_path("seeds")
    settings = Settings(home=tmp_path_factory.mktemp("seed-compare") / "home")
    with DocumentStore(settings.db_path) as store:
        report = Pipeline.from_settings(settings, store).run([str(source)])
    assert report.ok, report.errors
    service = SearchService.from_settings(settings)
    hits = service.search(service.parse({"versions": "all"})).hits
    original = next(h.doc_id for h in hits if h.title == ORIGINAL_TITLE)
    rewrite = next(h.doc_id for h in hits if h.doc_id != original)
    return settings, original, rewrite


def test_seed_people_each_version_names_that_the_other_does_not(
    seeds: tuple[Settings, str, str],
) -> None:
    settings, original, rewrite = seeds
    comparison = SearchService.from_settings(settings).compare(original, rewrite)
    people = comparison.entity("person")
    assert set(people.only_a) == {"Donald Trump", "Andrii Sybiha"}
    assert set(people.only_b) == {"Dmitry Peskov", "Harald Vilimsky"}
    # said in both, if not in the same words: nothing flagged
    assert "Kyiv" not in comparison.entity("org").only_a
    assert not {"Ukrainian Foreign Ministry", "Ukraine's Foreign Ministry"} & set(
        comparison.entity("org").only_b
    )
    assert "United States" not in comparison.entity("place").only_a
    assert {"Freedom Party", "European Parliament", "European Union"} <= set(
        comparison.entity("org").only_b
    )


def test_seed_quotes_the_rewrite_puts_in_rutte_s_mouth(seeds: tuple[Settings, str, str]) -> None:
    settings, original, rewrite = seeds
    service = SearchService.from_settings(settings)
    comparison = service.compare(original, rewrite)
    unsupported = [(q.kind, q.quote.speaker, q.quote.text) for q in comparison.unsupported]
    assert unsupported == [("added", "Mark Rutte", CRUCIAL), ("added", "Mark Rutte", STEP_UP)]
    (ministry,) = comparison.quotes_of("reworded")
    assert (
        ministry.quote.text == MINISTRY_B and ministry.quote.speaker == "Ukrainian Foreign Ministry"
    )
    assert ministry.counterpart is not None and ministry.counterpart.text == MINISTRY_A
    assert not ministry.unsupported
    # nothing flagged that both versions say: every quote the rewrite gains is absent from the
    # original's text
    a_text = service.get(original).body
    for change in comparison.quotes:
        if change.side == "b":
            assert change.quote.text not in a_text
    assert comparison.flags() == ("adds_people", "unsupported_quotes")
    assert comparison.summary.startswith("adds 2 people, ")
    assert "2 quotes; drops 2 people" in comparison.summary


def test_seed_original_quotes_and_their_speakers(seeds: tuple[Settings, str, str]) -> None:
    settings, original, rewrite = seeds
    comparison = SearchService.from_settings(settings).compare(original, rewrite)
    speakers = [(q.speaker, q.text.split()[0]) for q in comparison.a.quotes]
    assert speakers == [
        ("Mark Rutte", "getting"),
        ("Mark Rutte", "Ukraine"),
        ("Mark Rutte", "Putin"),  # a paragraph that is all quote: Rutte's still
        ("Mark Rutte", "I"),
        ("Mark Rutte", "And"),  # “… doing,’ he added
        ("Andrii Sybiha", "trying"),
        ("Kyiv’s foreign ministry", "Not"),
        ("Kyiv’s foreign ministry", "With"),
    ]
    dropped = {q.quote.text.split()[0] for q in comparison.quotes_of("dropped")}
    assert dropped == {"getting", "Ukraine", "Putin", "I", "And", "trying", "Not"}


def test_seed_comparison_the_other_way_round(seeds: tuple[Settings, str, str]) -> None:
    settings, original, rewrite = seeds
    service = SearchService.from_settings(settings)
    back = service.compare(rewrite, original)
    assert set(back.entity("person").only_b) == {"Donald Trump", "Andrii Sybiha"}
    # the original's Rutte quotes, seen from the rewrite, are words it never has him say
    assert {q.quote.speaker for q in back.unsupported} == {"Mark Rutte", "Andrii Sybiha"}
    assert service.compare(original, original).summary == "no differences found"
    with pytest.raises(DocumentNotFound):
        service.compare(original, "no-such-id")


def test_seed_alignment_pairs_what_both_say_and_not_a_caption_with_a_report(
    seeds: tuple[Settings, str, str],
) -> None:
    settings, original, rewrite = seeds
    comparison = SearchService.from_settings(settings).compare(original, rewrite)
    a, b = comparison.a.sentences, comparison.b.sentences

    def pairs_of(a_start: str) -> list[str]:
        return [
            b[row.b].text
            for row in comparison.rows
            if row.a is not None and row.b is not None and a[row.a].text.startswith(a_start)
        ]

    # the photo caption (printed twice) only shares its setting with a report sentence
    caption = "Nato's secretary general Mark Rutte gestures during a press conference"
    assert sum(s.text.startswith(caption) for s in a) == 2
    assert pairs_of(caption) == []
    diplomats = next(s.index for s in b if s.text.startswith("However, diplomats have reported"))
    assert all(row.a is None for row in comparison.rows if row.b == diplomats)
    # a heading names a topic: a sentence using its words is not the same thing said
    assert pairs_of("And Russia’s aggression shows no sign of abating.") == []
    assert pairs_of("“And that is what we will very much focus") == []
    # the same statements, reworded, still pair
    assert pairs_of("Ukrainian president Volodymyr Zelenskiy has urged Nato to invite") == [
        next(s.text for s in b if s.text.startswith("Ukrainian President Zelensky has called"))
    ]
    assert pairs_of("Make sure that Ukraine has what it needs") == [
        "Rutte highlighted the need to strengthen Ukraine’s position in peace talks amid ongoing "
        "Russian aggression."
    ]
    assert pairs_of("“With the bitter experience of the Budapest Memorandum") == [
        f"The Ministry declared, “{MINISTRY_B}”"
    ]
    assert pairs_of("Thirty years after Ukraine signed the Budapest Memorandum") == [
        next(s.text for s in b if s.text.startswith("This stands as a reminder of Ukraine"))
    ]


def test_seed_rewrite_is_flagged_in_the_story_table_and_found_by_the_filter(
    seeds: tuple[Settings, str, str],
) -> None:
    settings, original, rewrite = seeds
    table = read_story_table(settings.index_dir.resolve())
    assert table.changes[rewrite] == VersionChanges(original, ("adds_people", "unsupported_quotes"))
    assert original not in table.changes
    service = SearchService.from_settings(settings)
    for flags in (["unsupported_quotes"], ["adds_people"], ["adds_people", "unsupported_quotes"]):
        found = service.search(service.parse({"changes": flags}))
        assert [h.doc_id for h in found.hits] == [rewrite] and found.total == 1
    facet = service.change_facet(service.parse({"q": "Rutte"}))
    assert [(v.value, v.count, v.selected) for v in facet.values] == [
        ("unsupported_quotes", 1, False),
        ("adds_people", 1, False),
    ]
    assert service.compare_order(rewrite, original) == (original, rewrite)
    assert service.compare_order(original, rewrite) == (original, rewrite)
    with DocumentStore(settings.db_path) as store:
        rows = store.db.execute("SELECT doc_id, base, flags FROM story_flags").fetchall()
    assert [tuple(r) for r in rows] == [(rewrite, original, "adds_people,unsupported_quotes")]


def test_seed_flags_survive_a_reindex_and_are_reused(
    seeds: tuple[Settings, str, str], tmp_path: Path
) -> None:
    settings, original, rewrite = seeds
    copy = Settings(home=tmp_path / "home")
    copy.home.mkdir(parents=True)
    copy.db_path.write_bytes(settings.db_path.read_bytes())
    with DocumentStore(copy.db_path) as store:
        keys = FlagCache(store).load()
        Pipeline(copy, store).reindex()
        assert FlagCache(store).load() == keys  # nothing changed: nothing compared again
    table = read_story_table(copy.index_dir.resolve())
    assert table.flags(rewrite) == ("adds_people", "unsupported_quotes")


def test_unsupported_quotes_need_a_later_version_only() -> None:
    # the flags describe the later version against the earliest one: a base is never flagged
    older = doc("Old text.", doc_id="a")
    newer = Document(
        doc_id="b",
        title="t",
        body='"We are ready," said Jane Doe.',
        published=dt.date(2024, 1, 2),
        mentions=(Mention("person", "Jane Doe", 20, 28, "body", "Jane Doe"),),
    )
    assert compare_documents(older, newer).flags() == ("adds_people", "unsupported_quotes")
    assert compare_documents(newer, older).flags() == ()

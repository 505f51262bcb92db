"""web/mentions.py on its own: paragraphs, offsets and escaping of marked mentions."""

from __future__ import annotations

from bs4 import BeautifulSoup
from markupsafe import Markup

from search.documents import Document, Mention
from web.mentions import (
    body_mentions,
    entity_link_for,
    marked_paragraphs,
    mention_labels_used,
    mentioned_dates,
    paragraph_spans,
)


def mention(body: str, label: str, text: str, value: str = "", **kw: object) -> Mention:
    start = body.index(text)
    return Mention(label, text, start, start + len(text), value=value or text, **kw)  # type: ignore[arg-type]


def no_links(label: str, value: str) -> str:
    return ""


def rendered(doc: Document, link_for=no_links) -> list[BeautifulSoup]:  # type: ignore[no-untyped-def]
    return [BeautifulSoup(str(p), "html.parser") for p in marked_paragraphs(doc, link_for)]


def test_paragraph_spans_trim_whitespace_and_skip_empty_blocks() -> None:
    text = "  One.\n \n\nTwo\nlines.\n\n   \n\nThree. "

    spans = paragraph_spans(text)

    assert [text[s:e] for s, e in spans] == ["One.", "Two\nlines.", "Three."]
    assert paragraph_spans("") == [] and paragraph_spans(" \n\n ") == []


def test_every_piece_is_escaped_and_only_our_tags_are_added() -> None:
    body = "<b>Rutte</b>&amp; <i>"
    doc = Document("d", "t", body, mentions=(mention(body, "person", "Rutte", "Mark Rutte"),))

    [paragraph] = marked_paragraphs(doc, no_links)

    assert isinstance(paragraph, Markup)
    assert str(paragraph) == (
        '&lt;b&gt;<mark class="entity entity-person" title="Mark Rutte" data-value="Mark Rutte">'
        "Rutte</mark>&lt;/b&gt;&amp;amp; &lt;i&gt;"
    )


def test_attribute_values_from_the_index_are_escaped() -> None:
    body = "Mallory spoke."
    evil = '"><script>alert(1)</script>'
    doc = Document(
        "d", "t", body, people=(evil,), mentions=(mention(body, "person", "Mallory", evil),)
    )

    def link_for(label: str, value: str) -> str:
        return f"/entity/{label}/{value}"

    [page] = rendered(doc, entity_link_for(doc, link_for, str))

    assert page.find("script") is None
    mark = page.select_one("mark.entity-person")
    assert mark["title"] == evil
    assert mark.a["href"] == f"/entity/person/{evil}"
    assert page.get_text() == body


def test_offsets_that_do_not_match_the_text_are_ignored() -> None:
    body = "Mark Rutte met Joe Biden."
    stale = Mention("person", "Zelensky", 0, 8, value="Volodymyr Zelensky")
    outside = Mention("place", "x", 40, 41, value="Nowhere")
    in_title = Mention("person", "Mark Rutte", 0, 10, field="title", value="Mark Rutte")
    good = mention(body, "person", "Joe Biden")
    doc = Document("d", "t", body, mentions=(stale, outside, in_title, good))

    assert body_mentions(doc) == [good]
    [page] = rendered(doc)
    assert [m.get_text() for m in page.select("mark")] == ["Joe Biden"]
    assert page.get_text() == body


def test_overlapping_mentions_keep_the_earlier_then_the_longer() -> None:
    body = "The Port of Rotterdam said on 3 May 2024 that"
    port = mention(body, "org", "Port of Rotterdam")
    city = mention(body, "place", "Rotterdam")
    day = mention(body, "date", "3 May 2024", "2024-05-03")
    month = mention(body, "date", "3 May", "2024-05")
    doc = Document("d", "t", body, mentions=(city, month, port, day))

    [page] = rendered(doc)

    assert [(m["class"][1], m.get_text()) for m in page.select("mark")] == [
        ("entity-org", "Port of Rotterdam"),
        ("entity-date", "3 May 2024"),
    ]
    assert page.get_text() == body


def test_mentions_are_placed_in_later_paragraphs_and_never_across_a_break() -> None:
    body = "First about Brussels.\n\nSecond about\n\nBrussels again."
    first = mention(body, "place", "Brussels")
    later_start = body.rindex("Brussels")
    later = Mention("place", "Brussels", later_start, later_start + 8, value="Brussels")
    across_start = body.index("about\n\nBrussels")
    across = Mention("org", "about\n\nBrussels", across_start, later_start + 8, value="X")
    doc = Document("d", "t", body, mentions=(first, across, later))

    pages = rendered(doc)

    assert [p.get_text() for p in pages] == [
        "First about Brussels.",
        "Second about",
        "Brussels again.",
    ]
    assert [[m.get_text() for m in p.select("mark")] for p in pages] == [["Brussels"], [], []]


def test_links_go_to_entity_pages_only_for_names_the_document_is_filed_under() -> None:
    body = "Mr Rutte met Mr Nobody in 1990s style on 2024-13-45."
    doc = Document(
        "d",
        "t",
        body,
        people=("Mark Rutte",),
        mentions=(
            mention(body, "person", "Mr Rutte", "Mark Rutte"),
            mention(body, "person", "Mr Nobody", "Nobody"),
            mention(body, "date", "1990s", "1990s"),
        ),
    )
    link_for = entity_link_for(doc, lambda label, value: f"/e/{label}/{value}", lambda v: f"/d/{v}")

    [page] = rendered(doc, link_for)

    links = {m.get_text(): m.a["href"] if m.a else None for m in page.select("mark")}
    assert links == {"Mr Rutte": "/e/person/Mark Rutte", "Mr Nobody": None, "1990s": "/d/1990s"}


def test_dates_mentioned_in_time_order_with_their_spellings() -> None:
    body = "On 3 May 2024, in the 1990s, and again on May 3, 2024."
    doc = Document(
        "d",
        "t",
        body,
        mentions=(
            mention(body, "date", "3 May 2024", "2024-05-03"),
            mention(body, "date", "1990s", "1990s"),
            mention(body, "date", "May 3, 2024", "2024-05-03"),
            mention(body, "person", "May", "Theresa May"),
        ),
    )

    assert mentioned_dates(doc) == [
        ("1990s", ("1990s",)),
        ("2024-05-03", ("3 May 2024", "May 3, 2024")),
    ]
    assert mention_labels_used(doc) == ["date"]  # "May" overlaps the earlier date mention

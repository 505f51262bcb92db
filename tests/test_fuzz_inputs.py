"""Property-based fuzzing of the three parsers that read what strangers write (issue 8).

The decode stage, the HTML cleaner and the query parser each get inputs built by hypothesis:
arbitrary bytes and charset labels, HTML-ish text from a grammar of tags, attributes, entities,
scripts and comments, and arbitrary request mappings run through the real SearchService over a
small real index. Already elsewhere, and not repeated here: random bytes and random markup
pieces not raising (tests/test_indexer_decode.py, tests/test_indexer_clean.py) and generated
Whoosh query text through the JSON API (tests/test_web_fuzz.py). These go further: charset
labels, BOMs, declarations, nested markup and what comes out of it, and every request parameter
at once, as a dict or a MultiDict, straight to the service the CLI uses.
"""

from __future__ import annotations

import codecs
import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from indexer.cli import main as cli_main
from indexer.enrich import Enricher
from indexer.page.clean import clean_html
from indexer.page.decode import decode_bytes
from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.errors import QueryError, SkipDocument
from search.query import SearchRequest, parse_request
from search.safetext import valid_text
from search.service import SearchService
from search.settings import load_settings

pytestmark = pytest.mark.timeout(60)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = {"bom", "http-header", "meta", "utf-8", "chardet", "replace"}


def has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


# -- decode -----------------------------------------------------------------------------------

LABELS = st.one_of(
    st.sampled_from(
        [
            "utf-8",
            "UTF8",
            "latin-1",
            "iso-8859-1",
            "windows-1252",
            "cp1251",
            "koi8-r",
            "shift_jis",
            "x-sjis",
            "euc-jp",
            "gb2312",
            "big5",
            "iso-2022-jp",
            "utf-16",
            "utf-16le",
            "utf-32",
            "utf-7",
            "idna",
            "punycode",
            "unicode-escape",
            "raw-unicode-escape",
            "rot13",
            "hex",
            "base64",
            "zlib",
            "undefined",
            "mbcs",
            "charmap",
            "bogus",
            "",
        ]
    ),
    st.text(max_size=20),
)


@FUZZ
@given(
    data=st.binary(max_size=4096),
    http_charset=st.one_of(st.none(), LABELS),
    meta=st.one_of(st.none(), LABELS),
    html_flag=st.one_of(st.none(), st.booleans()),
)
def test_decode_any_bytes_with_any_declaration_gives_clean_text(
    data: bytes, http_charset: str | None, meta: str | None, html_flag: bool | None
) -> None:
    if meta is not None:  # a declaration in the markup, however odd its label
        label = meta.encode("utf-8", "surrogatepass")
        data = b'<html><head><meta charset="' + label + b'"></head><body>' + data
    result = decode_bytes(data, http_charset=http_charset, html=html_flag)

    assert isinstance(result.text, str)
    assert not has_lone_surrogate(result.text)
    assert result.method in METHODS
    codecs.lookup(result.encoding)  # a real codec name


BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


@FUZZ
@given(
    text=st.text(max_size=300),
    codec=st.sampled_from(sorted(BOMS)),
    http_charset=st.one_of(st.none(), LABELS),
    html_flag=st.one_of(st.none(), st.booleans()),
)
def test_decode_a_bom_wins_and_round_trips(
    text: str, codec: str, http_charset: str | None, html_flag: bool | None
) -> None:
    data = BOMS[codec] + text.encode(codec)
    # UTF-16-LE text starting with U+0000 begins with the UTF-32-LE BOM: truly ambiguous
    if codec == "utf-16-le" and text.startswith("\x00"):
        return
    result = decode_bytes(data, http_charset=http_charset, html=html_flag)

    assert (result.text, result.method) == (text, "bom")


DECLARABLE = ["windows-1252", "iso-8859-1", "cp1251", "koi8-r", "iso-8859-7", "shift_jis"]


@FUZZ
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x4FF, exclude_characters="<"),
        max_size=200,
    ),
    label=st.sampled_from(DECLARABLE),
    where=st.sampled_from(["meta", "http-header"]),
)
def test_decode_a_declared_charset_is_followed_unless_the_bytes_are_utf8(
    text: str, label: str, where: str
) -> None:
    """The declaration decides, except that UTF-8 (whole, or but for a few broken bytes) wins
    over a single-byte declaration; either way the result is one of those two readings."""
    codec = "cp1252" if label == "iso-8859-1" else label
    try:
        body = text.encode(codec)
    except UnicodeEncodeError:
        return  # not writable in that charset
    head = f'<html><head><meta charset="{label}"></head><body>'.encode()
    data = (head if where == "meta" else b"<html><body>") + body
    http_charset = label if where == "http-header" else None
    result = decode_bytes(data, http_charset=http_charset, html=True)

    if result.method == where:
        assert result.text == data.decode(codec)
    else:
        assert result.method in ("utf-8", "replace") and result.encoding == "utf-8"
        assert result.text == data.decode("utf-8", errors="replace")


@FUZZ
@given(
    words=st.lists(
        st.text(alphabet="éèàüößçñåøæœ", min_size=2, max_size=8), min_size=10, max_size=60
    ),
    broken=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from([b"\xff", b"\xfe", b"\xc0", b"\xf8"])),
        min_size=1,
        max_size=3,
    ),
)
def test_decode_utf8_with_a_few_broken_bytes_stays_utf8(
    words: list[str], broken: list[tuple[int, bytes]]
) -> None:
    text = " ".join(words)
    pieces = [word.encode("utf-8") for word in text.split(" ")]
    for position, junk in broken:
        index = position % len(pieces)
        pieces[index] = pieces[index] + junk
    result = decode_bytes(b" ".join(pieces), html=False)

    assert (result.encoding, result.method) == ("utf-8", "replace")
    assert result.text.replace("\ufffd", "") == text


# -- clean: HTML from a grammar ---------------------------------------------------------------

SCRIPT_MARK = "scriptmarkzq"
STYLE_MARK = "stylemarkzq"
CONTAINERS = (
    "div p span b i em strong a article section main nav footer header aside ul ol li table tr "
    "td th h1 h2 h3 blockquote pre form noscript svg template iframe time label button font"
).split()
VOIDS = "br img hr meta link input wbr".split()
ATTRIBUTE_NAMES = (
    "class id href title role style datetime lang onclick data-x content name property rel src "
    "type itemprop"
).split()
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from(
        [
            "ad",
            "nav",
            "menu sidebar",
            "share-buttons",
            "article-body",
            "http://[::1",
            "javascript:alert(1)",
            "#top",
            "/relative/path",
            "https://example.org/a?b=c#d",
            "2024-99-99",
            "2024-06-14",
            "application/ld+json",
            "<b>markup in an attribute</b>",
            '"',
            "'",
            "",
            " ",
            "author",
            "og:title",
            "article:published_time",
        ]
    ),
    st.text(max_size=15),
)
ENTITIES = st.sampled_from(
    [
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&#0;",
        "&#x0;",
        "&#xD800;",
        "&#xDFFF;",
        "&#x110000;",
        "&#99999999999;",
        "&#65;",
        "&nbsp;",
        "&bogus;",
        "&",
        "&#",
        "&#x;",
        "&amp",
        "&eacute;",
        "&#128512;",
        "&#x1F600;",
    ]
)
JUNK = st.text(alphabet="&>\"'/=;#!?-]} \t\n\r\x00\x0b\x0c\ufeff\u200b\u2028", max_size=6)


def _script(body: str, mark: str, tag: str) -> str:
    safe = body.replace("</", "<\\/").replace("<!--", "")  # cannot end the element early
    return f"<{tag}>{mark} {safe}</{tag}>"


def _comment(body: str) -> str:
    return "<!--" + body.replace("--", "- -").replace(">", "") + "-->"


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in pairs)


LEAVES = st.one_of(
    st.text(max_size=30).map(html.escape),
    ENTITIES,
    JUNK,
    st.text(max_size=20).map(lambda body: _script(body, SCRIPT_MARK, "script")),
    st.text(max_size=20).map(lambda body: _script(body, STYLE_MARK, "style")),
    st.text(max_size=20).map(_comment),
    st.builds(
        lambda tag, attrs: f"<{tag}{_attributes(attrs)}>",
        st.sampled_from(VOIDS),
        st.lists(st.tuples(st.sampled_from(ATTRIBUTE_NAMES), ATTRIBUTE_VALUES), max_size=3),
    ),
)


def _element(tag: str, attrs: list[tuple[str, str]], children: list[str]) -> str:
    return f"<{tag}{_attributes(attrs)}>{''.join(children)}</{tag}>"


MARKUP = st.recursive(
    LEAVES,
    lambda children: st.builds(
        _element,
        st.sampled_from(CONTAINERS),
        st.lists(st.tuples(st.sampled_from(ATTRIBUTE_NAMES), ATTRIBUTE_VALUES), max_size=4),
        st.lists(children, max_size=5),
    ),
    max_leaves=40,
)


@st.composite
def pages(draw: st.DrawFn) -> str:
    body = "".join(draw(st.lists(MARKUP, max_size=4)))
    shape = draw(st.sampled_from(["document", "fragment", "no-body", "doctype"]))
    title = html.escape(draw(st.text(max_size=30)))
    if shape == "fragment":
        return body
    if shape == "no-body":
        return f"<html><head><title>{title}</title></head>{body}"
    doctype = "<!DOCTYPE html>" if shape == "doctype" else ""
    return f"{doctype}<html><head><title>{title}</title></head><body>{body}</body></html>"


@FUZZ
@given(page=pages())
# trafilatura's recall mode once read a <script> inside a <blockquote> as the article
@pytest.mark.slow
@example(
    page="<html><head><title></title></head><body><blockquote><script>scriptmarkzq </script>"
    "</blockquote><time><p></p></time></body></html>"
)
def test_clean_html_from_the_grammar_never_raises_and_drops_scripts(page: str) -> None:
    try:
        result = clean_html(page, url="https://example.org/news/story")
    except SkipDocument as exc:
        assert exc.reason == "no text after cleaning"
        return

    assert isinstance(result.title, str) and isinstance(result.body, str) and result.body
    for text in (result.title, result.body, result.author):
        assert not has_lone_surrogate(text)
        assert SCRIPT_MARK not in text and STYLE_MARK not in text
        assert "\x00" not in text
    assert all(link.startswith(("http://", "https://")) for link in result.links)


WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12
)
BOILERPLATE = st.sampled_from(
    [
        "",
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>",
        "<footer>Copyright the publisher</footer>",
        "<div class='ad'>Advertisement</div>",
        "<script>var tracking = 1;</script>",
        "<aside class='related'><a href='/x'>Related story</a></aside>",
    ]
)


@pytest.mark.slow
@FUZZ
@given(
    words=st.lists(WORD, min_size=1, max_size=40),
    title=st.lists(WORD, min_size=1, max_size=6),
    before=BOILERPLATE,
    after=BOILERPLATE,
)
def test_clean_html_keeps_the_text_of_a_plain_paragraph(
    words: list[str], title: list[str], before: str, after: str
) -> None:
    text = " ".join(words)
    page = (
        f"<html><head><title>{' '.join(title)}</title></head><body>{before}"
        f"<article><p>{text}</p></article>{after}</body></html>"
    )
    result = clean_html(page)

    assert text in " ".join(result.body.split())
    assert result.title


# -- the query parser and the search service --------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    """A small real index: a few text and HTML documents ingested by the real pipeline."""
    root = tmp_path_factory.mktemp("fuzz-index")
    folder = root / "docs"
    folder.mkdir()
    (folder / "ferry.txt").write_text(
        "Ferry fares frozen\n\nBy Sam Writer | 14 June 2024\n\nThe harbour council froze ferry "
        "fares for pensioners, said Mayor Helena Marsh of Portmere.\n"
    )
    (folder / "storm.txt").write_text(
        "Storm damage survey\n\nA survey of storm damage along the coast was published on "
        "Monday 3 March 2023 by the Port Authority.\n"
    )
    (folder / "cafe.html").write_text(
        "<html><head><title>Café reopens</title><meta name='author' content='Ana Ruiz'></head>"
        "<body><article><p>The harbour café reopened after the storm, the owner Ana Ruiz said, "
        "and the council thanked the volunteers who rebuilt it.</p></article></body></html>"
    )
    settings_ = load_settings(environ={}, home=root / "home")
    with DocumentStore(settings_.db_path) as store:
        pipeline = Pipeline.from_settings(settings_, store, entities=False)
        try:
            report = pipeline.run([str(folder)])
        finally:
            pipeline.close()
    assert report.added == 3
    yield SearchService.from_settings(settings_)


PARAMETERS = [
    "q",
    "person",
    "org",
    "place",
    "from",
    "to",
    "mentioned_from",
    "mentioned_to",
    "sort",
    "page",
    "per_page",
    "versions",
    "changes",
]
QUERY_TOKENS = st.one_of(
    st.sampled_from(
        [
            "harbour",
            "ferry",
            "council",
            "storm",
            "the",
            "a",
            "Marsh",
            "2024",
            "café",
            "Straße",
            "harb*",
            "fe?ry",
            "*",
            "?",
            "AND",
            "OR",
            "NOT",
            "and",
            "TO",
            "title:",
            "body:",
            "person:",
            "org:",
            "place:",
            "year:",
            "url:",
            "source:",
            "author:",
            "mentioned:",
            "bogus:",
            "TITLE:",
            ":",
            '"',
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "[2020 TO 2024]",
            "{a TO}",
            "^2",
            "^",
            "~",
            "~2",
            "-",
            "+",
            "!",
            "\\",
            "/",
            "'",
            "&&",
            "||",
            "<",
            ">",
            "=",
            "\u200b",
            "\ufeff",
            "\x00",
            # issue 18: lone surrogates (undecodable argv bytes), control characters, and
            # wildcards that would scan the whole vocabulary
            "\udfff",
            "\ud800x",
            "\x1b[2J",
            "\n",
            "\u202e",
            "*ab*",
            "*a*",
            "*e* OR *a* OR *i* OR *o*",
        ]
    ),
    st.text(max_size=8),
)
QUERIES = st.builds(
    lambda tokens, glue: glue.join(tokens),
    st.lists(QUERY_TOKENS, max_size=12),
    st.sampled_from([" ", "", "  ", "\t"]),
)
VALUES = st.one_of(
    QUERIES,
    st.text(max_size=30),
    st.sampled_from(
        [
            "1",
            "0",
            "-1",
            "2",
            "10",
            "100",
            "101",
            "1000",
            "1001",
            "999999999",
            "1e3",
            " 5 ",
            "\uff11",  # a full-width digit
            "2024",
            "2024-02",
            "2024-02-29",
            "2023-02-29",
            "2024-13",
            "0000",
            "9999-12-31",
            "newest",
            "oldest",
            "relevance",
            "date",
            "NEWEST",
            "all",
            "collapse",
            "Helena Marsh",
            "Port Authority",
            "Portmere",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
)
MAPPINGS = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)),
        st.one_of(VALUES, st.lists(VALUES, max_size=3)),
        max_size=8,
    ),
    st.lists(
        st.tuples(st.sampled_from(PARAMETERS), st.one_of(QUERIES, st.text(max_size=20))),
        max_size=10,
    ).map(MultiDict),
)


@FUZZ
@given(params=MAPPINGS)
def test_parse_request_gives_a_request_or_a_query_error(params: Any) -> None:
    try:
        request = parse_request(params)
    except QueryError as exc:
        assert str(exc) and isinstance(exc.param, str)
        return
    assert isinstance(request, SearchRequest)
    assert 1 <= request.page and 1 <= request.per_page <= 100


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(params=MAPPINGS, q=QUERIES)
def test_search_answers_every_valid_request_or_says_why_not(
    service: SearchService, params: Any, q: str
) -> None:
    if isinstance(params, dict) and "q" not in params:
        params = {**params, "q": q}
    try:
        request = service.parse(params)
    except QueryError:
        event("refused by the parser")
        return
    try:
        response = service.search(request)
    except QueryError as exc:  # Whoosh could not read the query text: a 400, not a 500
        event("refused by the search")
        assert exc.param == "q" and str(exc)
        return
    event("answered" + (" with hits" if response.hits else ""))
    assert 0 <= len(response.hits) <= request.per_page
    assert response.total >= len(response.hits)
    for hit in response.hits:
        assert not has_lone_surrogate(hit.snippet) and not has_lone_surrogate(hit.title)
    response.to_dict()


def test_the_fuzzed_index_holds_the_fixture_documents(service: SearchService) -> None:
    """Guards against fuzzing an empty index: the obvious query finds its two documents."""
    assert service.search(parse_request({"q": "harbour"})).total == 2


# -- JSONL records and file names (issue 18) ------------------------------------------------------

# what an export's id, title or text may hold: lone surrogates, control characters, blanks,
# every JSON type, and values nested deeper than the parser will go
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["\udfff", "a\ud800b", "\x00", "\x1b[31m", "line\nbreak", "\u202eevil", "   ", ""]
    ),
    st.builds(lambda a, b: a + "\udc80" + b, st.text(max_size=8), st.text(max_size=8)),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        ODD_TEXT,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(ODD_TEXT, inner, max_size=3)
    ),
    max_leaves=8,
)
GOOD_BODY = "The harbour council met Helena Marsh in Portmere on Monday to agree the ferry budget."


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


RECORD_LINES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(JSON_VALUES, ODD_TEXT),
            "title": st.one_of(ODD_TEXT, JSON_VALUES),
            "text": st.one_of(ODD_TEXT, st.just(GOOD_BODY), JSON_VALUES),
            "author": ODD_TEXT,
            "date": ODD_TEXT,
            "url": ODD_TEXT,
        },
    ).map(lambda record: json.dumps(record)),  # ensure_ascii: surrogates as \\u escapes
    st.integers(min_value=900, max_value=3000).map(_deep),
    st.text(max_size=30).map(lambda t: t.replace("\n", " ")),
)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    """One real spaCy extractor for every example (loading the model once)."""
    return Enricher(processes=1)


@pytest.mark.slow
@pytest.mark.timeout(600)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lines=st.lists(RECORD_LINES, min_size=1, max_size=6))
def test_any_jsonl_export_is_ingested_line_by_line_and_never_stops_the_run(
    tmp_path_factory: pytest.TempPathFactory, enricher: Enricher, lines: list[str]
) -> None:
    root = tmp_path_factory.mktemp("jsonl")
    export = root / "export.jsonl"
    lines = [*lines, json.dumps({"id": "anchor", "title": "Anchor", "text": GOOD_BODY})]
    export.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    settings_ = load_settings(environ={}, home=root / "home")
    with DocumentStore(settings_.db_path) as store:
        report = Pipeline(settings_, store, enricher=enricher).run([str(export)])
        documents = list(store.iter_documents())
    counted = report.added + report.updated + len(report.skipped) + len(report.errors)
    assert counted == sum(1 for line in lines if line.strip()) - _repeats(documents, lines)
    assert "anchor" in {d.doc_id for d in documents}  # the run went on to the last line
    for problem in (*report.skipped, *report.errors):
        assert problem.reason and "Traceback" not in problem.reason
    for document in documents:
        for text in (document.doc_id, document.title, document.body, document.author):
            assert not has_lone_surrogate(text)
        assert document.doc_id.strip() and document.doc_id == document.doc_id.strip()


def _repeats(documents: list[Any], lines: list[str]) -> int:
    """Lines whose id an earlier line of the same export already had (one document each)."""
    ids: list[str] = []
    for line in lines:
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str | int):
            if not isinstance(record["id"], bool) and str(record["id"]).strip():
                ids.append(valid_text(str(record["id"])).strip())
    stored = {d.doc_id for d in documents}
    return sum(1 for n, i in enumerate(ids) if i in ids[:n] and i in stored)


NAME_PARTS = st.one_of(
    st.sampled_from(["\n", "\r", "\t", "\x1b[2J", "\x07", "\u202e", "\u2028", "\x7f", ": ", "\\"]),
    st.text(alphabet=st.characters(blacklist_characters="/\x00", max_codepoint=0x3000), max_size=6),
)


@pytest.mark.timeout(600)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(names=st.lists(st.lists(NAME_PARTS, min_size=1, max_size=5).map("".join), max_size=5))
def test_file_names_with_control_characters_stay_one_line_each_in_the_report(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], names: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("names") / "in"
    folder.mkdir()
    made = set()
    for name in names:
        name = name.lstrip(".")[:100] + ".bin"  # unsupported: each is reported by name
        if name in made or name in (".bin",):
            continue
        try:
            (folder / name).write_bytes(b"x")
        except (OSError, UnicodeEncodeError):
            continue
        made.add(name)
    capsys.readouterr()
    code = cli_main(["--home", str(folder.parent / "home"), "ingest", "--no-entities", str(folder)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    # the summary, "Skipped:" when anything was, then exactly one line per file
    assert len(lines) == (2 + len(made) if made else 1), lines
    for line in lines:
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in line), repr(line)
        assert "\u202e" not in line and "\u2028" not in line

"""indexer.page.decode: committed byte fixtures in, exact text and the winning step out."""

from __future__ import annotations

import codecs
import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.page.decode import DecodedText, charset_from_content_type, decode_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def fixture_bytes(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def shared_dir(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)}, which is absent on this machine")
    return path


def test_decode_latin1_file_keeps_accented_letters() -> None:
    result = decode_bytes(fixture_bytes("text", "latin1_spanish.txt"), html=False)

    assert result.text.splitlines()[:2] == [
        "El niño pidió un café con leche y una tostada.",
        "Mañana iremos a la montaña con la señora Muñoz; será un día estupendo.",
    ]
    assert result.method == "chardet"
    assert result.encoding == "cp1252"


def test_decode_cp1252_file_gets_curly_quotes_and_euro_sign() -> None:
    result = decode_bytes(fixture_bytes("text", "cp1252_quotes_euro.txt"))

    assert result == DecodedText(
        text="“Smart quotes” cost €5 at the café — or so they said… ‘Really?’\n"
        "The price rose to €12 by Friday; “nobody” complained – not even Zoë.\n",
        encoding="cp1252",
        method="chardet",
    )


def test_decode_utf8_bom_is_stripped() -> None:
    result = decode_bytes(fixture_bytes("text", "utf8_bom.txt"))

    assert result == DecodedText(
        "Naïve café owners in Zürich\nprefer crème brûlée.\n", "utf-8-sig", "bom"
    )


def test_decode_utf16_bom_file() -> None:
    result = decode_bytes(fixture_bytes("text", "utf16le_bom.txt"))

    assert result == DecodedText("Grüße aus Köln – 東京 too.\n", "utf-16", "bom")


def test_decode_prefers_bom_over_http_charset_and_meta() -> None:
    data = codecs.BOM_UTF8 + '<meta charset="koi8-r"><p>Zoë</p>'.encode()

    result = decode_bytes(data, http_charset="iso-8859-5")

    assert (result.text, result.method) == ('<meta charset="koi8-r"><p>Zoë</p>', "bom")


def test_decode_shift_jis_page_by_its_meta_charset() -> None:
    result = decode_bytes(fixture_bytes("html", "shift_jis_meta.html"))

    assert result.method == "meta"
    assert result.encoding == "shift_jis"
    assert "<title>日本語のページ</title>" in result.text
    assert "東京は日本の首都です。今日は晴れています。" in result.text


def test_decode_meta_utf8_that_lies_falls_through_to_cp1252() -> None:
    result = decode_bytes(fixture_bytes("html", "meta_utf8_lies_cp1252.html"))

    assert result.method == "chardet"
    assert result.encoding == "cp1252"
    assert "<title>Café “news”</title>" in result.text
    assert "Le café coûte 3 € à Paris — “très” cher." in result.text


def test_decode_meta_koi8r_over_utf8_bytes_loses_to_utf8() -> None:
    result = decode_bytes(fixture_bytes("html", "meta_koi8r_lies_utf8.html"))

    assert (result.encoding, result.method) == ("utf-8", "utf-8")
    assert "<p>Привет, мир! Это страница в UTF-8.</p>" in result.text


def test_decode_declared_latin1_is_read_as_cp1252() -> None:
    result = decode_bytes(fixture_bytes("html", "declared_latin1_with_cp1252_quotes.html"))

    assert (result.encoding, result.method) == ("cp1252", "meta")
    assert "She said “bonjour” to the garçon." in result.text


def test_decode_http_charset_beats_meta_charset() -> None:
    data = fixture_bytes("html", "meta_1251_bytes_cp1252.html")

    by_meta = decode_bytes(data)
    by_header = decode_bytes(data, http_charset="windows-1252")

    assert (by_meta.encoding, by_meta.method) == ("cp1251", "meta")
    assert "<title>Rйsumй</title>" in by_meta.text
    assert (by_header.encoding, by_header.method) == ("cp1252", "http-header")
    assert "<title>Résumé</title>" in by_header.text
    assert "Crème brûlée, “déjà vu”." in by_header.text


def test_decode_http_latin1_charset_is_read_as_cp1252() -> None:
    result = decode_bytes(b"\x93quoted\x94 text", http_charset="ISO-8859-1")

    assert result == DecodedText("“quoted” text", "cp1252", "http-header")


def test_decode_unknown_http_charset_is_ignored() -> None:
    result = decode_bytes("plain ascii and é".encode(), http_charset="x-no-such-charset")

    assert result == DecodedText("plain ascii and é", "utf-8", "utf-8")


def test_decode_meta_is_not_read_when_told_the_input_is_plain_text() -> None:
    data = '<meta charset="windows-1251"> caf\xe9'.encode("cp1252")

    assert decode_bytes(data, html=True).encoding == "cp1251"
    assert decode_bytes(data, html=False).method != "meta"


def test_decode_xml_declaration_names_the_encoding() -> None:
    text = '<?xml version="1.0" encoding="koi8-r"?>\n<rss><title>Новости дня</title></rss>'

    result = decode_bytes(text.encode("koi8-r"))

    assert result == DecodedText(text, "koi8-r", "meta")


def test_decode_gb2312_declaration_falls_back_to_gb18030_superset() -> None:
    # 镕 is in GBK/GB18030 but not in GB2312: pages labelled gb2312 often contain such characters.
    text = '<meta charset="gb2312"><p>朱镕基访问了上海。</p>'

    result = decode_bytes(text.encode("gb18030"))

    assert result == DecodedText(text, "gb18030", "meta")


def test_decode_utf16_without_bom_is_found_by_chardet_not_utf8() -> None:
    text = "Plain English text encoded as UTF-16 without a byte order mark.\n" * 5

    result = decode_bytes(text.encode("utf-16-le"))

    assert result == DecodedText(text, "utf-16-le", "chardet")


def test_decode_iso2022jp_escape_sequences_are_not_taken_for_utf8() -> None:
    text = "こんにちは、世界。今日はいい天気ですね。明日も晴れるでしょう。\n" * 3

    result = decode_bytes(text.encode("iso2022_jp"))

    assert result == DecodedText(text, "iso2022_jp", "chardet")


def test_decode_pure_ascii_is_utf8() -> None:
    assert decode_bytes(b"hello world\n") == DecodedText("hello world\n", "utf-8", "utf-8")


def test_decode_undecodable_garbage_is_replaced_not_raised() -> None:
    result = decode_bytes(b"\x00\xff\x00\xfe\x81\x00" * 20)

    assert result.method == "replace"
    assert result.encoding == "utf-8"
    assert "\ufffd" in result.text


def test_decode_empty_bytes() -> None:
    assert decode_bytes(b"") == DecodedText("", "utf-8", "utf-8")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/html; charset=ISO-8859-1", "iso-8859-1"),
        ('text/html; charset="UTF-8"', "utf-8"),
        ("text/html;charset=windows-1251; foo=bar", "windows-1251"),
        ("text/html", None),
        ("", None),
        (None, None),
    ],
)
def test_charset_from_content_type(content_type: str | None, expected: str | None) -> None:
    assert charset_from_content_type(content_type) == expected


@settings(max_examples=50, deadline=None)
@given(
    data=st.binary(max_size=2048),
    http_charset=st.one_of(st.none(), st.sampled_from(["utf-8", "latin-1", "bogus", "utf-16"])),
    html=st.one_of(st.none(), st.booleans()),
)
def test_decode_never_raises_on_random_bytes(
    data: bytes, http_charset: str | None, html: bool | None
) -> None:
    result = decode_bytes(data, http_charset=http_charset, html=html)

    assert isinstance(result.text, str)
    assert result.method in {"bom", "http-header", "meta", "utf-8", "chardet", "replace"}


@pytest.mark.shared
@pytest.mark.slow
def test_decode_accuracy_on_chardet_corpus_is_at_least_95_percent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory = shared_dir("data", "chardet_tests")
    bench = Path(__file__).resolve().parents[1] / "bench" / "decode_accuracy.py"
    monkeypatch.syspath_prepend(str(bench.parent))  # the bench scripts import bench/common.py
    spec = importlib.util.spec_from_file_location("decode_accuracy", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is built
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)

    summary = module.evaluate(directory)

    assert summary.correct / summary.total >= 0.95, summary.misses

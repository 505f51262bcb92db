"""Bytes → text for the ingest pipeline: BOM → HTTP charset → meta/XML charset → UTF-8 → chardet.

Every declared or guessed charset is tried with strict decoding, so a lying declaration falls
through to the next step; the last resort is UTF-8 with replacement characters, so this stage
never raises on bad bytes and `DecodedText.method` says which step won. Text that is UTF-8 but
for a few broken bytes is decoded as UTF-8 with those bytes replaced, before any guessing.
"""

from __future__ import annotations

import codecs
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import chardet
import charset_normalizer

logger = logging.getLogger(__name__)

# Where declarations are looked for; XML feeds and HTML pages declare near the top.
SNIFF_BYTES = 4096
# chardet gets this much: its accuracy grows with input, its time too (~1 s per MB).
CHARDET_MAX_BYTES = 1_000_000

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# What browsers do with a label (WHATWG Encoding): Latin-1 and ASCII labels mean windows-1252.
_BROWSER_ALIASES = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
}
# Labels Python's codec registry does not know.
_LABEL_ALIASES = {
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "cp949",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-roman": "mac-roman",
    "iso-8859-8-i": "iso8859-8",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "x-cp1252": "cp1252",
}
# A strict failure in the named codec is retried in a superset before giving up on the guess.
_SUPERSETS = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc_kr": ("cp949",),
    "shift_jis": ("cp932",),
    "big5": ("big5hkscs", "cp950"),
    "euc_jp": ("euc_jis_2004",),
    "cp1252": ("iso8859-1",),
    "cp1254": ("iso8859-9",),
    "tis-620": ("cp874",),
    "iso8859-11": ("cp874",),
}
# Registered "text" codecs that are not character sets a document can declare.
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "raw-unicode-escape", "unicode-escape", "utf-7", "undefined", "mbcs"}
)

_MARKUP_RE = re.compile(rb"<(?:\?xml|!doctype|html|head|meta|body)\b", re.IGNORECASE)
_XML_DECL_RE = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']\s*([A-Za-z0-9_.:+-]{1,40})", re.IGNORECASE
)
_META_RE = re.compile(
    rb"<meta\b[^>]{0,500}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]{1,40})", re.IGNORECASE
)
# chardet's answers that mean "some Latin alphabet, model unknown" rather than a real match.
_LATIN_CATCH_ALL = frozenset({"iso8859-1", "cp1252", "iso8859-9", "cp1254"})
LOW_CONFIDENCE = 0.5
_CENTRAL_EUROPEAN = frozenset(
    {"Czech", "Slovak", "Polish", "Hungarian", "Slovene", "Croatian", "Romanian", "Serbian"}
)
_CODE_PAGE_LANGUAGES: dict[str, frozenset[str]] = {
    "cp1250": _CENTRAL_EUROPEAN,
    "iso8859-2": _CENTRAL_EUROPEAN,
    "cp1254": frozenset({"Turkish"}),
    "iso8859-9": frozenset({"Turkish"}),
    "cp1257": frozenset({"Lithuanian", "Estonian"}),
    "iso8859-13": frozenset({"Lithuanian", "Estonian"}),
}
_TWINS = (("cp1250", "iso8859-2"), ("cp1254", "iso8859-9"), ("cp1257", "iso8859-13"))
_C1_RE = re.compile(rb"[\x80-\x9f]")
# Well-formed UTF-8 sequences of two to four bytes (no overlongs, no surrogates).
_UTF8_SEQUENCE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII = bytes(range(128))
# Text is "UTF-8 with some broken bytes" when it has at least this many well-formed sequences,
# and at least twice as many as stray non-ASCII bytes: by chance, text in a single-byte code page
# has almost none (an accented lowercase letter followed by ASCII is never one).
MIN_UTF8_SEQUENCES = 8
_CONTENT_TYPE_RE = re.compile(r"charset\s*=\s*[\"']?\s*([^\"';,\s]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Decoded document text and how it was obtained.

    Attributes:
        text: the decoded text (a BOM is removed).
        encoding: the Python codec name actually used, e.g. "utf-8", "cp1252", "shift_jis".
        method: the step that won: "bom", "http-header", "meta", "utf-8", "chardet" or "replace"
            (UTF-8 with U+FFFD for broken bytes: for mostly-UTF-8 text, and as the last resort).
    """

    text: str
    encoding: str
    method: str


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the lower-cased charset parameter of a Content-Type header, if any.

    Args:
        content_type: e.g. ``"text/html; charset=ISO-8859-1"``.

    Returns:
        ``"iso-8859-1"`` for the example, or None when there is no charset parameter.
    """
    if not content_type:
        return None
    match = _CONTENT_TYPE_RE.search(content_type)
    return match.group(1).strip().lower() if match else None


def decode_bytes(
    data: bytes, *, http_charset: str | None = None, html: bool | None = None
) -> DecodedText:
    """Decode document bytes to text; never raises on bad bytes.

    Args:
        data: the raw bytes of the document.
        http_charset: the charset from the HTTP Content-Type header, if any.
        html: True for markup, False for plain text, None to sniff. Meta and XML
            declarations are only read when this is not False and the bytes look like markup.

    Returns:
        The decoded text with the codec used and the step that chose it.
    """
    data = bytes(data)
    for encoding, method in _candidates(data, http_charset, html):
        try:
            text = data.decode(encoding, errors="replace" if method == "replace" else "strict")
        except (LookupError, UnicodeError):
            continue
        return DecodedText(text, encoding, method)
    logger.debug("no charset decodes these %d bytes strictly; replacing", len(data))
    return DecodedText(data.decode("utf-8", errors="replace"), "utf-8", "replace")


def _candidates(
    data: bytes, http_charset: str | None, html: bool | None
) -> Iterator[tuple[str, str]]:
    """Yield (codec, method) pairs in the order they should be tried."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            yield encoding, "bom"
            break
    utf8_ok = _is_strict_utf8(data)
    # UTF-8 with a few broken bytes (a truncated download, a bad concatenation) is still UTF-8:
    # replacing those bytes beats reading every accented letter in another code page.
    mostly_utf8 = not utf8_ok and _mostly_utf8(data)
    # Valid UTF-8 with non-ASCII bytes is almost never an accident, while a single-byte
    # declaration (koi8-r, latin-1) decodes anything: the declaration is the likelier lie.
    utf8_beats_declared = (utf8_ok or mostly_utf8) and not data.isascii()
    declared: list[tuple[str, str]] = []
    if http_charset:
        declared.append((http_charset, "http-header"))
    if html is not False:
        prefix = data[:SNIFF_BYTES]
        if _MARKUP_RE.search(prefix):
            declared.extend((label, "meta") for label in _declared_in_markup(prefix))
    for label, method in declared:
        for encoding in _codecs_for_label(label, declared=True, in_markup=method == "meta"):
            if utf8_beats_declared and not encoding.startswith("utf-8"):
                continue
            yield encoding, method
    # NUL bytes are valid UTF-8 but mean UTF-16/32 without a BOM, and ESC bytes mean a
    # 7-bit ISO-2022 encoding: in both cases let the detector look first.
    if utf8_ok and b"\x00" not in data and b"\x1b" not in data:
        yield "utf-8", "utf-8"
    if mostly_utf8:
        yield "utf-8", "replace"
    for guess in _guess_charsets(data):
        for encoding in _codecs_for_label(guess, declared=False):
            yield encoding, "chardet"
    if utf8_ok:
        yield "utf-8", "utf-8"


def _declared_in_markup(prefix: bytes) -> list[str]:
    labels: list[str] = []
    xml = _XML_DECL_RE.match(prefix)
    if xml:
        labels.append(xml.group(1).decode("ascii"))
    labels.extend(m.group(1).decode("ascii") for m in _META_RE.finditer(prefix))
    return labels


def _codecs_for_label(label: str, *, declared: bool, in_markup: bool = False) -> list[str]:
    """Python codecs to try for a charset label: the codec, then its supersets."""
    label = label.strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL or a lone surrogate in the label
        return []
    if name in _NOT_CHARSETS:
        return []
    if in_markup and name.startswith(("utf-16", "utf-32")):
        # A UTF-16/32 label read from ASCII-compatible bytes is wrong by construction
        # (browsers treat it as UTF-8); with a BOM the BOM step has already won.
        return ["utf-8"]
    # Browsers decode Latin-1/ASCII labels as windows-1252; chardet's ISO-8859-1 means the same.
    name = _BROWSER_ALIASES.get(name, name) if (declared or name == "iso8859-1") else name
    return [name, *_SUPERSETS.get(name, ())]


def _mostly_utf8(data: bytes) -> bool:
    """Well-formed UTF-8 sequences outnumber stray high bytes two to one."""
    sample = data[:CHARDET_MAX_BYTES]
    if b"\x00" in sample or b"\x1b" in sample:  # UTF-16/32 or ISO-2022: not UTF-8 at all
        return False
    sequences = _UTF8_SEQUENCE_RE.findall(sample)
    if len(sequences) < MIN_UTF8_SEQUENCES:
        return False
    high_bytes = len(sample.translate(None, _ASCII))
    stray = high_bytes - sum(len(seq) for seq in sequences)
    return len(sequences) >= 2 * stray


def _is_strict_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_charsets(data: bytes) -> list[str]:
    """Statistical guesses, best first: chardet, corrected by charset_normalizer where chardet
    is known to be blind.

    chardet 5 has no models for the Central European, Turkish or Arabic code pages: such text
    comes back as its Latin-1 catch-all or with low confidence. charset_normalizer does model
    them, but on its own it confuses Western Latin text with cp1250, so its answer is taken
    only when its detected language fits the code page, or when chardet is unsure.
    """
    result = chardet.detect(data[:CHARDET_MAX_BYTES])
    guess = result.get("encoding")
    confidence = float(result.get("confidence") or 0.0)
    codec = _codec_name(guess) if isinstance(guess, str) else None
    logger.debug("chardet guessed %s (confidence %.2f)", guess, confidence)
    if codec is not None and codec not in _LATIN_CATCH_ALL and confidence >= LOW_CONFIDENCE:
        return [codec]
    second = _second_opinion(data, codec, confidence)
    guesses = [second] if second else []
    return guesses + ([codec] if codec and codec != second else [])


def _second_opinion(data: bytes, first: str | None, confidence: float) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        match = charset_normalizer.from_bytes(data[:CHARDET_MAX_BYTES]).best()
    if match is None:
        return None
    codec = _codec_name(match.encoding)
    if codec is None:
        return None
    logger.debug("charset_normalizer guessed %s (%s)", codec, match.language)
    if first in _LATIN_CATCH_ALL and match.language in _CODE_PAGE_LANGUAGES.get(codec, ()):
        return _windows_or_iso(codec, data)
    if first is None or (confidence < LOW_CONFIDENCE and not _same_family(codec, first)):
        return codec
    return None


def _windows_or_iso(codec: str, data: bytes) -> str:
    """Pick the Windows or the ISO twin of a code page: only Windows uses bytes 0x80-0x9F."""
    windows, iso = next(((w, i) for w, i in _TWINS if codec in (w, i)), (codec, codec))
    return windows if _C1_RE.search(data) else iso


def _same_family(a: str, b: str) -> bool:
    return a == b or b in _SUPERSETS.get(a, ()) or a in _SUPERSETS.get(b, ())


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None

"""Entity names a newsroom can trust: one canonical value per person, organisation and place.

Three layers, all pure functions:

* `canonical_name` cleans one NER span: honorifics and job titles ("Nato's secretary general
  Mark Rutte" -> "Mark Rutte"), possessives, quotes, Unicode; junk spans become None.
* `resolve_document` fills `Mention.value` for one document, resolving "Mr Rutte" to the one
  full name in that document that ends with "Rutte".
* `build_aliases` looks at the whole corpus and maps variants to one canonical value: case
  variants ("Nato" -> "NATO"), transliterations ("Volodymyr Zelensky" -> "Volodymyr
  Zelenskiy"), lone surnames, acronyms paired with their long form in the text, a label vote,
  and the user's own merges and splits, which always win.

Every automatic rule prefers leaving two names apart to merging two different entities: a
wrong merge hides a person inside another one, a missed merge only shows a name twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

from indexer.gazetteer import place_id
from search.documents import ENTITY_LABELS, Mention

__all__ = [
    "Alias",
    "CoMentions",
    "build_aliases",
    "canonical_name",
    "find_acronym_pairs",
    "name_key",
    "resolve_document",
    "resolve_labels",
]

# --------------------------------------------------------------------------------------------
# Word lists. These describe English news prose (titles, particles), never particular entities.

# Courtesy titles: dropped wherever they stand before a name.
_HONORIFICS = frozenset(
    """mr mrs ms miss mx messrs dr doctor prof professor sir dame lord lady baroness baron
    rev revd reverend fr mme mlle herr frau""".split()
)
# Offices, ranks and jobs: dropped, together with everything before them ("Ukrainian president").
_ROLES = frozenset(
    """president premier chancellor minister secretary secretary-general general gen lt
    lieutenant col colonel maj capt captain cmdr commander adm admiral brig brigadier marshal
    sgt sergeant cpl corporal pte senator sen rep representative congressman congresswoman
    congressperson governor gov mayor judge justice magistrate chairman chairwoman chairperson
    chair ceo cfo coo cto founder co-founder director spokesperson spokesman spokeswoman
    ambassador envoy leader deputy chief commissioner prosecutor attorney candidate nominee
    mp mep msp sheriff inspector detective det supt superintendent constable officer coach
    manager boss head pm fm speaker executive chancellor treasurer ayatollah cardinal
    archbishop bishop rabbi imam former ex acting interim outgoing incoming vice""".split()
)
# Hyphenated forms count as a role when one of their parts is one of these (not the short
# abbreviations: "Sen" is a surname part too).
_ROLE_PARTS = frozenset(
    """president premier chancellor minister secretary general lieutenant colonel captain
    commander admiral senator governor mayor judge justice chairman chairwoman founder
    director spokesperson spokesman spokeswoman ambassador leader deputy chief commissioner
    prosecutor attorney elect ex vice""".split()
)
# Sovereigns: "King Charles" keeps its title (a bare "Charles" is nobody in particular);
# stripped only when two or more name words follow ("Crown Prince Mohammed bin Salman").
_REGNAL = frozenset("king queen pope prince princess emperor empress tsar czar".split())
# Words that may complete an office after a role word: "Secretary of State", "Minister of
# Foreign Affairs", "Chancellor of the Exchequer", "Chief of Staff".
_OFFICE_NOUNS = frozenset(
    """state defence defense foreign affairs interior home health finance justice treasury
    homeland security energy education commerce labor labour agriculture transport
    transportation environment trade economy staff police army navy war culture
    commonwealth development international digital science technology industry business
    housing communities veterans external exchequer work pensions media sport""".split()
)
_ARTICLES = frozenset({"the", "a", "an"})
# Lower-case words that belong inside names.
_PARTICLES = frozenset(
    """van von der den de del della di da dos das do du la le los las y bin ibn bint al el
    ter ten zu af""".split()
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_PRONOUNS = frozenset(
    """i me my mine you your yours he him his she her hers it its we us our ours they them
    their theirs who whom whose this that these those someone somebody anyone anybody
    everyone everybody nobody one himself herself itself themselves myself yourself""".split()
)
_ACRONYM_STOPWORDS = frozenset(
    """of the and for in on at to a an by with de des du la le et y del della di da &
    und für fur""".split()
)
# Abbreviations whose final full stop belongs to the name.
_DOTTED_ENDINGS = frozenset(
    "inc ltd co corp jr sr plc llc bros st ag sa nv gmbh bv pty lp llp".split()
)

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u02b9": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
    }
)
# Letters NFKD does not decompose.
_FOLD_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)
_SEGMENT_SPLIT = re.compile(r"[,;:|]|\s[-\u2013\u2014]\s|\s\u2013|\u2014")
_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_SUFFIX_AFTER_COMMA = re.compile(r",\s*((?:jr|sr|ii|iii|iv)\b\.?)", re.IGNORECASE)
_JUNK_MARKERS = re.compile(r"://|www\.|@|\.(?:com|org|net)\b", re.IGNORECASE)
_DOTTED_ACRONYM = re.compile(r"^(?:\w\.)+$")
_MAX_PERSON_WORDS = 7
_MAX_WORDS = 14
_MAX_CHARS = 120


# --------------------------------------------------------------------------------------------
# Small text helpers


_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = _CONTROLS.sub(" ", _INVISIBLE.sub("", text))
    return " ".join(text.split())


def _is_alnum(c: str) -> bool:
    return unicodedata.category(c)[0] in "LN"


def _strip_edges(text: str) -> str:
    """Drop surrounding quotes and punctuation, keeping "U.S." and "Inc." whole."""
    start, end = 0, len(text)
    while start < end and not _is_alnum(text[start]):
        start += 1
    while end > start and not _is_alnum(text[end - 1]):
        end -= 1
    core = text[start:end]
    rest = text[end:]
    if rest.startswith("."):
        last = core.split(" ")[-1] + "."
        if _DOTTED_ACRONYM.match(last) or last[:-1].casefold() in _DOTTED_ENDINGS:
            core += "."
    elif rest.startswith(")") and core.count("(") > core.count(")"):
        core += ")"
    return core


def _strip_possessive(text: str) -> str:
    if len(text) > 2 and text[-2:] in ("'s", "'S"):
        return text[:-2]
    if len(text) > 2 and text[-1] == "'" and text[-2] in "sS":
        return text[:-1]
    return text


def _is_lowercase(text: str) -> bool:
    """Has cased letters and all of them are lower case (caseless scripts are not)."""
    return text != text.upper() and text == text.lower()


def _is_capitals(text: str) -> bool:
    """Two or more letters, all of them capitals: an acronym, not a word ("US", "WHO")."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def _junk(name: str, label: str) -> bool:
    if not name or len(name) > _MAX_CHARS or _JUNK_MARKERS.search(name):
        return True
    letters = sum(c.isalpha() for c in name)
    digits = sum(c.isdigit() for c in name)
    if letters == 0 or digits > letters:
        return True
    if _is_lowercase(name):
        return True
    if name.casefold() in _PRONOUNS and (label == "person" or not _is_capitals(name)):
        return True  # "us" is a pronoun, "US" a country; "WHO" an agency, "IT" a trade
    if letters < 2 and not (label == "org" and name.isupper()):
        return True
    words = name.split()
    if label == "person" and any(
        len(core := w.strip(".,")) > 1 and core.casefold() in _PRONOUNS for w in words
    ):
        return True  # "I. We", "He Said": sentence fragments, not names
    limit = _MAX_PERSON_WORDS if label == "person" else _MAX_WORDS
    return len(words) > limit


# --------------------------------------------------------------------------------------------
# canonical_name


def _word_core(token: str) -> str:
    return _strip_edges(token) or token


def _lookup(token: str) -> str:
    return _word_core(token).casefold().rstrip(".")


def _is_title(token: str) -> bool:
    low = _lookup(token)
    if low in _HONORIFICS or low in _ROLES:
        return True
    parts = [p for p in low.split("-") if p]
    return len(parts) > 1 and any(p in _ROLE_PARTS for p in parts)


_ROMAN = frozenset("II III IV VI VII VIII IX XI XII XIII XIV XV XVI".split())


def _is_suffix(token: str) -> bool:
    """Jr., Sr. and regnal numbers ("Charles III"), which are no name of their own."""
    core = _word_core(token).rstrip(".")
    return core.casefold() in _SUFFIXES or core in _ROMAN


def _is_possessive_word(core: str) -> bool:
    return core.endswith(("'s", "'S")) or (core.endswith("'") and core[-2:-1] in ("s", "S"))


def _classify(tokens: Sequence[str]) -> list[str]:
    """Each word as "name", "particle", "marker" (a title, an article, a possessive, a
    lower-case word, an office noun after a title) or "regnal"."""
    kinds: list[str] = []
    after_role = False
    for i, tok in enumerate(tokens):
        core = _word_core(tok)
        low = _lookup(tok)
        if low in _REGNAL:
            kind, after_role = "regnal", False
        elif _is_title(tok):
            kind, after_role = "marker", True
        elif low in _ARTICLES:
            kind = "marker"
        elif i < len(tokens) - 1 and _is_possessive_word(core):
            kind, after_role = "marker", False  # "Nato's secretary general ..."
        elif after_role and low in _OFFICE_NOUNS:
            kind = "marker"  # "Secretary of State ..."
        elif low in _PARTICLES and core == core.lower():
            kind = "particle"
        elif _is_lowercase(core):
            kind = "marker"
        else:
            kind, after_role = "name", False
        kinds.append(kind)
    return kinds


def _person_segment(segment: str) -> tuple[list[str], bool]:
    """The name words of one comma-free segment, and whether the segment ends in a name.

    The name starts after the last marker that has a name word after it. A sovereign's
    title stays when exactly one name word follows ("King Charles III", "Pope Francis") and
    goes when more do ("Crown Prince Mohammed bin Salman"); at the end of a name it is a
    surname ("Martin Luther King").
    """
    tokens = segment.split()
    kinds = _classify(tokens)
    names_after = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        is_name = kinds[i] in ("name", "regnal") and not _is_suffix(tokens[i])
        names_after[i] = names_after[i + 1] + (1 if is_name and kinds[i] == "name" else 0)
    for i, kind in enumerate(kinds):
        if kind == "regnal" and names_after[i + 1] == 0:
            kinds[i] = "name" if i > 0 and kinds[i - 1] == "name" else "marker"
    start = 0
    for i, kind in enumerate(kinds):
        if kind == "marker" and names_after[i + 1] > 0:
            start = i + 1
        elif kind == "regnal":
            start = i + 1 if names_after[i + 1] >= 2 else i
    words: list[str] = []
    for tok, kind in zip(tokens[start:], kinds[start:], strict=True):
        if kind == "marker":
            break
        words.append(tok)
    if words and kinds[start] == "regnal":
        words[0] = words[0][:1].upper() + words[0][1:].lower()
    while words and _lookup(words[-1]) in _PARTICLES:
        words.pop()
    if all(_lookup(w) in _REGNAL for w in words):
        words = []
    return words, bool(words) and kinds[-1] in ("name", "regnal")


def _canonical_person(text: str) -> str:
    text = _SUFFIX_AFTER_COMMA.sub(r" \1", _PAREN.sub(" ", text))
    segments = [s for s in _SEGMENT_SPLIT.split(text) if s.strip()]
    results = [_person_segment(s) for s in segments]
    for words, ends_with_name in reversed(results):
        if ends_with_name:
            return _strip_edges(" ".join(words))
    for words, _ in results:
        if words:
            return _strip_edges(" ".join(words))
    return ""


def _canonical_once(text: str, label: str) -> str:
    name = _strip_possessive(_strip_edges(_normalise(text)))
    if label == "person":
        name = _canonical_person(name)
    elif label in ("org", "place"):
        words = name.split(" ")
        the = words[0] == "the" or (label == "org" and words[0].casefold() == "the")
        if the and len(words) > 1:
            name = " ".join(words[1:])
    return _strip_possessive(_strip_edges(name))


def canonical_name(text: str, label: str) -> str | None:
    """The clean form of an entity span, or None when the span names nothing.

    Strips courtesy titles and offices with whatever qualifies them ("Kremlin spokesperson
    Dmitry Peskov" -> "Dmitry Peskov", "Mr Rutte" -> "Rutte"), possessives ("Nato's" ->
    "Nato"), surrounding quotes and punctuation, and a leading "the" of an organisation (of a
    place only when written lower case: "the Netherlands", but "The Hague"). Normalises
    Unicode to NFC, typographic apostrophes to "'" and runs of whitespace to one space.
    Sovereigns keep their title when one name word follows ("King Charles"). Acronyms are left
    as written. None for junk: nothing left, a bare title, a pronoun, all lower case, more
    digits than letters, a URL or e-mail address, implausibly long spans.
    """
    if not isinstance(text, str) or not isinstance(label, str):
        return None
    name = text
    for _ in range(4):  # to a fixed point: canonical_name(canonical_name(x)) == canonical_name(x)
        nxt = _canonical_once(name, label)
        if nxt == name:
            break
        name = nxt
    return None if _junk(name, label) else name


# --------------------------------------------------------------------------------------------
# Name keys: how two spellings of a person's name are compared


_DOUBLED = re.compile(r"(.)\1+")
_ENDING = re.compile(r"^(.*?)([iyj]+)$")
_VOWEL_Y = re.compile(r"(?<=[aeiou])y")
_VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """An orthographic key for one name word: equal keys are spellings of the same name.

    Lower case, accents and letters like "ł" folded, non-letters dropped, "x" -> "ks", an
    inner "kh" -> "h", doubled letters collapsed, "y" after a vowel -> "i" (Shoygu/Shoigu), and
    a final run of i/y/j after a stem of four or more letters -> "y" (Zelenskiy, Zelensky,
    Zelenskyy, Zelenskii -> "zelensky"; Andrii, Andriy -> "andry"; Sergei, Sergey -> "sergey").
    Short stems keep their ending, so Levi/Levy and Toni/Tony stay apart.
    """
    folded = _fold(word)
    s = folded if folded.isalpha() else "".join(c for c in folded if c.isalpha())
    if not s:
        return folded
    s = s.replace("x", "ks")
    s = s[0] + s[1:].replace("kh", "h")
    s = _DOUBLED.sub(r"\1", s)
    m = _ENDING.match(s)
    ending = ""
    if m and len(m.group(1)) >= 4 and m.group(1)[-1] not in "iyj":
        s, ending = m.group(1), "y"
    s = _VOWEL_Y.sub("i", s)
    return s + ending


def _skeleton(key: str) -> str:
    return _VOWELS.sub("", key) or key


def _osa_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _vowel_slots(key: str) -> list[str]:
    """The vowel runs before, between and after the consonants of a key ("kadyrov" ->
    ["", "a", "y", "o", ""]): two keys with the same skeleton differ only in these."""
    return re.split(r"[^aeiouy]", key)


def _surname_close(a: str, b: str) -> bool:
    """Two surname keys that spell the same name: equal, or the same consonants in the same
    order with the vowels changed in one place (two beyond 8 letters) by one edit each
    (Kadyrov/Kadirov), never below 5 letters. A vowel that moves to the other side of a
    consonant is another name (Castro/Castor), as is a changed consonant (Rutte/Rutter)."""
    if a == b:
        return True
    shortest = min(len(a), len(b))
    if shortest < 5 or _skeleton(a) != _skeleton(b):
        return False
    changed = [(x, y) for x, y in zip(_vowel_slots(a), _vowel_slots(b), strict=True) if x != y]
    if len(changed) > (1 if shortest <= 8 else 2):
        return False
    return all(_osa_distance(x, y) <= 1 for x, y in changed)


def _same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two multi-word names (as name keys) of the same length that are one person's name:
    the same first and middle names, and close surnames."""
    return len(a) == len(b) >= 2 and a[:-1] == b[:-1] and _surname_close(a[-1], b[-1])


@lru_cache(maxsize=1 << 16)
def _keys(value: str) -> tuple[str, ...]:
    words = value.split()
    return tuple(name_key(w) for i, w in enumerate(words) if i == 0 or not _is_suffix(w))


def _is_partial(value: str) -> bool:
    """A name without a first name: one word, or a surname with its particle ("de Gaulle")."""
    words = value.split()
    return len(words) == 1 or (
        len(words) >= 2 and words[0] in _PARTICLES and words[0] == words[0].lower()
    )


def _ends_with(full: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return len(full) > len(part) >= 1 and full[-len(part) :] == part


# --------------------------------------------------------------------------------------------
# resolve_document


def resolve_document(mentions: Sequence[Mention]) -> tuple[Mention, ...]:
    """Fill `value` for the person, org and place mentions of one document.

    Each value is `canonical_name(text)`; mentions whose text canonicalises to None are dropped.
    Names are resolved inside the document first, where the evidence is: a person mention
    without a first name ("Rutte", "Mr Rutte", "de Gaulle") takes the longest full name in the
    same document ending with that surname (compared by `name_key`, so "Zelensky" finds
    "Volodymyr Zelenskiy"), unless two different people in the document share it ("Trump"
    with "Donald Trump" and "Melania Trump" stays "Trump"). A lone word that ends no full name
    but begins exactly one takes it too ("Xi" -> "Xi Jinping", "Alastair" -> "Alastair
    Campbell"), unless the document also uses that word for an organisation or a place. A full
    name whose words are all in a longer one with the same first and last name becomes the
    longer one ("Owen Dempsey" -> "Owen John Dempsey"). Full names that are one person ("Joe
    Biden", "Joe R. Biden") do not make a surname ambiguous. Date mentions and unknown labels
    pass through untouched. The result does not depend on existing values, so the function is
    idempotent.
    """
    values: list[str | None] = []
    for m in mentions:
        values.append(canonical_name(m.text, m.label) if m.label in ENTITY_LABELS else None)

    full_names: dict[str, int] = defaultdict(int)
    not_person: set[str] = set()
    for m, v in zip(mentions, values, strict=True):
        if m.label == "person" and v and not _is_partial(v) and not _is_capitals(v):
            full_names[v] += 1  # "REAGAN SIGNS GNMA" in a headline is nobody's full name
        elif m.label != "person" and v:
            not_person.add(_fold(v))
    full_keys = {v: _keys(v) for v in full_names}

    def one_person(candidates: list[str]) -> str | None:
        """The longest of names that are all one person's, or None."""
        if not candidates:
            return None
        best = max(candidates, key=lambda v: (len(full_keys[v]), len(v), full_names[v], v))
        for other in candidates:
            if other != best and not _same_person_loose(full_keys[other], full_keys[best]):
                return None
        return best

    def resolve(partial: str) -> str:
        key = _keys(partial)
        candidates = [v for v, k in full_keys.items() if _ends_with(k, key)]
        if not candidates and len(key) == 1 and _fold(partial) not in not_person:
            candidates = [v for v, k in full_keys.items() if k[0] == key[0]]
        return one_person(candidates) or partial

    longer: dict[str, str] = {}
    for name, key in full_keys.items():
        wider = [v for v, k in full_keys.items() if len(k) > len(key) and _within(key, k)]
        best = one_person(wider)
        if best is not None:
            longer[name] = best

    out: list[Mention] = []
    cache: dict[str, str] = {}
    for m, v in zip(mentions, values, strict=True):
        if m.label not in ENTITY_LABELS:
            out.append(m)
            continue
        if v is None:
            continue
        if m.label == "person" and _is_partial(v):
            if v not in cache:
                cache[v] = resolve(v)
            v = cache[v]
        elif m.label == "person":
            v = longer.get(v, v)
        out.append(replace(m, value=v))
    return tuple(out)


def _within(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    """`short` is a first and last name and `long_` the same with middle names or initials
    ("Joe Biden", "Joe R. Biden"); "George W. Bush" is not within "George H. W. Bush"."""
    return len(short) == 2 < len(long_) and short[0] == long_[0] and short[-1] == long_[-1]


def _same_person_loose(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Within one document: "Joe Biden" and "Joe R. Biden" (same first and last name, one's
    words contained in the other's) or two spellings of one name."""
    if _same_person(a, b):
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return _within(short, long_)


# --------------------------------------------------------------------------------------------
# Acronyms


_ACRONYM_IN_PARENS = re.compile(r"\(\s*([A-Z][A-Za-z0-9&.\-]{1,11}?)(s?)\s*\)")
_LONG_IN_PARENS = re.compile(r"\b([A-Z][A-Za-z0-9&.\-]{1,11})\s*\(([^()]{3,160})\)")
_WORD = re.compile(r"\S+")
_SENTENCE_BREAK = re.compile(r"[.,;:!?\"]$")


def _acronym_letters(acronym: str) -> str:
    letters = "".join(c for c in acronym if c.isalnum())
    return letters.casefold()


def _plausible_acronym(acronym: str) -> bool:
    letters = [c for c in acronym if c.isalpha()]
    if not 2 <= len(letters) <= 10 or not acronym[:1].isupper():
        return False
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 or (upper == 1 and len(letters) <= 5)  # "NATO", "DRoC", "Nato"


def _word_initials(word: str) -> list[str]:
    """The letters a word can contribute: its initial, or the initials of its hyphen parts."""
    core = _strip_edges(word)
    options = [core[:1].casefold()] if core else []
    parts = [p for p in core.split("-") if p]
    if len(parts) > 1:
        options.append("".join(p[0] for p in parts).casefold())
    letters = core.replace(".", "")
    if len(letters) >= 2 and letters.isalpha() and letters.isupper():
        options.append(letters.casefold())  # "UN High Commissioner for Refugees (UNHCR)"
    return options


def _spells(words: Sequence[str], letters: str) -> bool:
    """Whether the words' initials spell `letters`: every significant (capitalised) word gives
    its initial, short function words ("of", "and", "the") may give theirs or be skipped; the
    first word must be significant."""
    if not words or _lookup(words[0]) in _ACRONYM_STOPWORDS:
        return False
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(letters)
        if (i, j) in memo:
            return memo[(i, j)]
        word = words[i]
        core = _strip_edges(word)
        ok = False
        if _lookup(word) in _ACRONYM_STOPWORDS or core in ("&", "-"):
            ok = go(i + 1, j) or (
                j < len(letters) and core[:1].casefold() == letters[j] and go(i + 1, j + 1)
            )
        elif core and (core[0].isupper() or core[0].isdigit()):
            for initials in _word_initials(word):
                if letters.startswith(initials, j) and go(i + 1, j + len(initials)):
                    ok = True
                    break
        memo[(i, j)] = ok
        return ok

    return go(0, 0)


def _clean_long_form(text: str) -> str:
    return _strip_edges(" ".join(text.split()))


def find_acronym_pairs(text: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs the text defines, in order, without repeats.

    Reads "North Atlantic Treaty Organization (NATO)" and "NATO (North Atlantic Treaty
    Organization)". The acronym's letters must be the initials of the long form's capitalised
    words, in order; "of", "and", "the" and the like may give their initial or not ("Department
    of Justice (DOJ)", "Organization for Security and Co-operation in Europe (OSCE)"), and a
    hyphenated word may give the initials of its parts. The long form is the shortest run of
    words before the parenthesis that spells the acronym, and never crosses punctuation.
    """
    if not isinstance(text, str):
        return []
    text = _normalise(text)
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(long_form: str, acronym: str) -> None:
        pair = (long_form, acronym)
        if pair not in seen:
            seen.add(pair)
            found.append(pair)

    for m in _ACRONYM_IN_PARENS.finditer(text):
        acronym = m.group(1)
        if acronym.endswith("-"):
            continue
        if not _plausible_acronym(acronym):
            continue
        letters = _acronym_letters(acronym)
        before = text[max(0, m.start() - 400) : m.start()]
        words = list(_WORD.finditer(before))[-(len(letters) * 3 + 3) :]
        for start in range(len(words) - 1, -1, -1):
            if start < len(words) - 1 and _SENTENCE_BREAK.search(words[start].group()):
                break
            candidate = [w.group() for w in words[start:]]
            if _spells(candidate, letters):
                long_form = _clean_long_form(before[words[start].start() : words[-1].end()])
                if long_form.casefold() != acronym.casefold():
                    add(long_form, acronym)
                break

    for m in _LONG_IN_PARENS.finditer(text):
        acronym, inner = m.group(1), m.group(2)
        if not _plausible_acronym(acronym) or any(c.isspace() for c in acronym):
            continue
        inner_words = inner.split()
        if len(inner_words) < 2:
            continue
        if _spells(inner_words, _acronym_letters(acronym)):
            add(_clean_long_form(inner), acronym)
    return found


# --------------------------------------------------------------------------------------------
# Corpus-wide aliases


@dataclass(frozen=True, slots=True)
class Alias:
    """`variant` (under the label it was found with) is shown and indexed as `canonical`.

    `label` is the canonical's label: it differs from the variant's only for a "label-vote"
    alias. `reason` names the rules that moved the variant, joined by "+" in the order they
    applied: "case", "spelling", "transliteration", "middle-name", "surname", "acronym",
    "country", "designator", "demonym", "label-vote", "manual" (e.g. "case+surname").
    """

    variant: str
    canonical: str
    label: str
    reason: str


_Node = tuple[str, str]  # (label, value)
_EMPTY_PAIRS: Mapping[tuple[str, str], int] = MappingProxyType({})


def _is_short_acronym(value: str) -> bool:
    letters = [c for c in value if c.isalpha()]
    return (
        2 <= len(letters) <= 6
        and all(c.isupper() for c in letters)
        and not any(c.isspace() for c in value)
    )


def _mixed_case(value: str) -> bool:
    return value != value.upper() and value != value.lower()


def _group_key(label: str, value: str) -> str:
    """Equal for case and trivial spelling variants: case, accents, full stops, hyphens vs
    spaces, and (org/place) a leading "the"."""
    folded = _fold(value).replace(".", "").replace("-", " ")
    folded = " ".join(folded.split())
    if label != "person" and folded.startswith("the "):
        folded = folded[4:]
    return folded


class _Forest:
    """Nodes merged into other nodes, with the reason, and summed document counts."""

    def __init__(self, counts: Mapping[_Node, int]) -> None:
        self.count: dict[_Node, int] = {n: max(0, int(c)) for n, c in counts.items()}
        self.total: dict[_Node, int] = dict(self.count)
        self.parent: dict[_Node, tuple[_Node, str]] = {}

    def add(self, node: _Node) -> None:
        if node not in self.count:
            self.count[node] = 0
            self.total[node] = 0

    def root(self, node: _Node) -> _Node:
        seen = set()
        while node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node][0]
        return node

    def merge(self, variant: _Node, canonical: _Node, reason: str) -> None:
        if variant == canonical or variant in self.parent:
            return
        self.parent[variant] = (canonical, reason)
        self.total[canonical] = self.total.get(canonical, 0) + self.total.get(variant, 0)

    def path(self, node: _Node) -> tuple[_Node, list[str]]:
        reasons: list[str] = []
        seen = {node}
        while node in self.parent:
            node, reason = self.parent[node]
            if node in seen:  # cannot happen; never loop
                break
            seen.add(node)
            if reason not in reasons:
                reasons.append(reason)
        return node, reasons


def _choose(nodes: Iterable[_Node], forest: _Forest, pinned: set[_Node]) -> _Node:
    """The canonical of a group: a user's canonical first; for org/place a short all-caps
    acronym; then the most documents; then (persons) not all-caps or all-lower; then the
    longest; then alphabetical."""

    def rank(node: _Node) -> tuple:
        label, value = node
        acronym = label != "person" and _is_short_acronym(value)
        return (
            node not in pinned,
            not acronym,
            label == "person" and not _mixed_case(value),
            -forest.total[node],
            -len(value),
            value,
        )

    return min(nodes, key=rank)


@dataclass(frozen=True)
class CoMentions:
    """The other names each document of a name mentions: the evidence that a lone surname in
    one story and a full name in another are one person (shared company), read on demand.

    `documents(node)` gives, for a sample of the documents mentioning (label, value), the
    (label, value) pairs each of them mentions; `total` is the number of documents.
    """

    documents: Callable[[_Node], Sequence[Collection[_Node]]]
    total: int


# a lone surname joins a full name corpus-wide only when at least this share of its documents
# mention two or more names the full name's documents keep company with (each at least
# ASSOCIATION times more often than the corpus at large)
SUPPORTED_SHARE = 2 / 3
ASSOCIATION = 3.0


def build_aliases(
    counts: Mapping[tuple[str, str], int],
    acronym_pairs: Mapping[tuple[str, str], int] = _EMPTY_PAIRS,
    manual_merges: Sequence[tuple[str, str, str]] = (),
    manual_splits: Sequence[tuple[str, str]] = (),
    co_mentions: CoMentions | None = None,
) -> dict[tuple[str, str], Alias]:
    """Map name variants to one canonical value per entity, corpus-wide.

    `counts` maps (label, value) to the number of documents mentioning it (values already
    canonical_name'd). Returns (label, variant) -> Alias for the variants that change, each
    pointing at its final canonical (no chains, no cycles). Rules, in order:

    1. case/spelling: values of one label equal after case, accents, full stops, hyphens and
       (org/place) a leading "the" are one; canonical: an all-caps form of 2-6 letters
       (org/place), else the most documents, then (persons) mixed case, longest, alphabetical.
    1b. country (org/place): names and codes of one country, union or US state, from the
       gazetteer (indexer.gazetteer): "USA", "U.S.", "United States", "America"; "EU",
       "European Union"; "NY", "New York". Canonical: the most documents.
    1c. designator, demonym (org): one name with and without a designator or a plural "s"
       on its last word ("Labour Party", "Labour"; "Lib Dems", "Lib Dem"), and with its
       country as a possessive or an adjective ("Ukraine's Foreign Ministry", "Ukrainian
       Foreign Ministry"). Canonical as in rule 1, the adjective's form for a demonym.
    2. transliteration (person): multi-word names with the same number of words, the same
       first and middle names by `name_key`, and close surnames (equal keys, or the same
       consonants and a Damerau-Levenshtein distance between keys of 1 up to 8 letters, 2
       beyond, never under 5 letters); one-word names with equal keys. Leader clustering in
       order of documents, so chains of near-misses never drift.
    2b. middle-name (person): a first and last name and the one longer name with the same
       first and last name ("Owen Dempsey", "Owen John Dempsey"); two different middle names
       ("George W. Bush", "George H. W. Bush") leave the short form alone.
    3. acronym (org/place): a long form and an acronym the corpus pairs at least once, both
       present under the same label; canonical: more documents, ties to the acronym. An
       acronym paired with two different long forms is ambiguous and skipped.
    4. label-vote: the same value (case/accent-folded) under several labels goes to the label
       with strictly the most documents; ties stay.
    5. surname (person): a one-word name (or "de Gaulle") whose key ends exactly one
       multi-word person name merges into it when `co_mentions` shows they keep the same
       company (see SUPPORTED_SHARE), unless the same value is as common under another label.
       Without that evidence it stays apart: a Cohen in one story is not another story's
       Noam Cohen just because the corpus knows no other Cohen.
    6. manual: merges always apply (later ones win a conflict, cycles are cut), their
       canonicals are never merged away, and manual variants and splits take no part in the
       automatic rules.
    """
    nodes: dict[_Node, int] = {}
    for (label, value), n in counts.items():
        if label in ENTITY_LABELS and isinstance(value, str) and value:
            nodes[(label, value)] = n
    forest = _Forest(nodes)

    manual = _manual_map(manual_merges)
    splits = {(lab, v) for lab, v in manual_splits}
    pinned: set[_Node] = set()
    for variant, canonical in manual.items():
        forest.add(variant)
        forest.add(canonical)
    for canonical in set(manual.values()):
        if canonical not in manual:
            pinned.add(canonical)
    frozen = splits | set(manual)  # take no part in automatic rules

    ordered = sorted(forest.count)  # results never depend on the order of `counts`

    def roots(label: str | None = None) -> list[_Node]:
        return [
            n
            for n in ordered
            if n not in forest.parent and n not in frozen and (label is None or n[0] == label)
        ]

    # 1. case and trivial spelling
    groups: dict[tuple[str, str], list[_Node]] = defaultdict(list)
    for node in roots():
        groups[(node[0], _group_key(*node))].append(node)
    for members in groups.values():
        if len(members) < 2:
            continue
        canonical = _choose(members, forest, pinned)
        for node in members:
            if node != canonical and node not in pinned:
                reason = "case" if node[1].casefold() == canonical[1].casefold() else "spelling"
                forest.merge(node, canonical, reason)

    # 1b. one country or US state, named or coded ("USA", "U.S.", "United States", "America")
    _merge_places(forest, roots, pinned)

    # 1c. one organisation with and without its designator or plural ("Labour Party",
    # "Labour"; "Lib Dems", "Lib Dem"), or with its country as a possessive or an adjective
    # ("Ukraine's Foreign Ministry", "Ukrainian Foreign Ministry")
    _merge_org_forms(forest, roots("org"), pinned)

    # 2. transliteration of person names
    _merge_transliterations(forest, roots("person"), pinned)

    # 2b. the same first and last name, with and without middle names
    _merge_middle_names(forest, roots("person"), pinned)

    # 3. acronyms
    _merge_acronyms(forest, roots, acronym_pairs, pinned)

    # 4. label vote
    voted = _merge_label_votes(forest, roots(), pinned)

    # 5. lone surnames
    _merge_surnames(
        forest, [n for n in roots("person") if n not in voted], roots(), pinned, co_mentions
    )

    # 6. manual merges
    for variant, canonical in manual.items():
        forest.parent.pop(variant, None)
        forest.merge(variant, canonical, "manual")

    aliases: dict[tuple[str, str], Alias] = {}
    for node in forest.count:
        final, reasons = forest.path(node)
        if final != node:
            aliases[node] = Alias(node[1], final[1], final[0], "+".join(reasons))
    return aliases


def _manual_map(merges: Sequence[tuple[str, str, str]]) -> dict[_Node, _Node]:
    """variant -> canonical, acyclic: a later merge that would close a cycle makes its own
    canonical the root instead."""
    mapping: dict[_Node, _Node] = {}
    for label, variant, canonical in merges:
        v, c = (label, variant), (label, canonical)
        if not variant or not canonical or v == c:
            continue
        node, seen = c, set()
        while node in mapping and node not in seen:
            seen.add(node)
            node = mapping[node]
        if node == v:  # c already leads back to v: the newer decision wins
            mapping.pop(c, None)
        mapping[v] = c
    return mapping


def _merge_transliterations(forest: _Forest, persons: list[_Node], pinned: set[_Node]) -> None:
    blocks: dict[tuple, list[_Node]] = defaultdict(list)
    for node in persons:
        keys = _keys(node[1])
        if not keys:
            continue
        block = (len(keys), keys[:-1], _skeleton(keys[-1])) if len(keys) > 1 else (1, keys)
        blocks[block].append(node)
    for members in blocks.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda n: _rank_tuple(n, forest, pinned))
        leaders: list[tuple[_Node, tuple[str, ...]]] = []
        for node in ordered:
            keys = _keys(node[1])
            for leader, leader_keys in leaders:
                same = keys == leader_keys if len(keys) == 1 else _same_person(keys, leader_keys)
                if same and node not in pinned:
                    forest.merge(node, leader, "transliteration")
                    break
            else:
                leaders.append((node, keys))


def _merge_places(forest: _Forest, roots: Callable[[str], list[_Node]], pinned: set[_Node]) -> None:
    for label in ("place", "org"):
        groups: dict[str, list[_Node]] = defaultdict(list)
        for node in roots(label):
            place = place_id(node[1])
            if place is not None:
                groups[place].append(node)
        for members in groups.values():
            if len(members) < 2 or len(set(members) & pinned) > 1:
                continue
            canonical = min(
                members, key=lambda n: (n not in pinned, -forest.total[n], -len(n[1]), n[1])
            )
            for node in sorted(members):
                if node != canonical and node not in pinned:
                    forest.merge(node, canonical, "country")


# words that end an organisation's name and are as often left out: "Labour Party" is Labour
_DESIGNATORS = frozenset(
    "party group inc ltd plc corp corporation co company fc afc llc holdings".split()
)
_DEMONYM_ENDINGS = ("", "n", "an", "ian", "ean", "ese", "i", "ish", "ic")


def _org_base(value: str) -> str:
    """An organisation's name without its designator or a plural "s" on its last word
    ("Labour Party" -> "labour", "Lib Dems" -> "lib dem"); one-word plurals stay ("Times")."""
    words = _group_key("org", value).split()
    if len(words) > 1 and words[-1] in _DESIGNATORS:
        words = words[:-1]
    if len(words) > 1 and len(words[-1]) >= 4 and words[-1].endswith("s"):
        last = words[-1]
        if last.endswith("ies"):
            words[-1] = last[:-3] + "y"
        elif not last.endswith("ss"):
            words[-1] = last[:-1]
    return " ".join(words)


def _demonym_base(value: str) -> str | None:
    """ "Ukraine's Foreign Ministry" -> "ukrain foreign ministry": the country's stem and the
    rest, which "Ukrainian Foreign Ministry" also gives (see `_adjective_base`)."""
    match = re.match(r"^(\S+)'s (.+)$", value)
    if not match or not match.group(1)[:1].isupper():
        return None
    stem = _fold(match.group(1)).rstrip("aeiouy")
    return f"{stem} {_group_key('org', match.group(2))}" if len(stem) >= 4 else None


def _merge_org_forms(forest: _Forest, orgs: list[_Node], pinned: set[_Node]) -> None:
    groups: dict[str, list[_Node]] = defaultdict(list)
    for node in orgs:
        groups[_org_base(node[1])].append(node)
    possessives: dict[str, list[_Node]] = defaultdict(list)
    for node in orgs:
        base = _demonym_base(node[1])
        if base is not None:
            possessives[base].append(node)
    for node in orgs:
        words = node[1].split(" ", 1)
        if len(words) < 2 or not words[0][:1].isupper():
            continue
        adjective = _fold(words[0])
        rest = _group_key("org", words[1])
        for stem_length in range(4, len(adjective) + 1):
            stem = adjective[:stem_length]
            if adjective[stem_length:] in _DEMONYM_ENDINGS and f"{stem} {rest}" in possessives:
                groups[f"demonym:{stem} {rest}"] = [node, *possessives[f"{stem} {rest}"]]
                break
    for key, members in groups.items():
        group = {forest.root(n) for n in members}
        if len(group) < 2 or len(group & pinned) > 1:
            continue
        reason = "demonym" if key.startswith("demonym:") else "designator"
        # "Ukrainian Foreign Ministry" is the name; "Ukraine's Foreign Ministry" describes it
        named = [n for n in group if reason != "demonym" or _demonym_base(n[1]) is None]
        canonical = _choose(named or group, forest, pinned)
        for node in sorted(group):
            if node != canonical and node not in pinned:
                forest.merge(node, canonical, reason)


def _merge_middle_names(forest: _Forest, persons: list[_Node], pinned: set[_Node]) -> None:
    by_ends: dict[tuple[str, str], list[tuple[_Node, tuple[str, ...]]]] = defaultdict(list)
    for node in persons:
        keys = _keys(node[1])
        if len(keys) >= 2 and not _is_partial(node[1]):
            by_ends[(keys[0], keys[-1])].append((node, keys))
    for members in by_ends.values():
        shorts = [(n, k) for n, k in members if len(k) == 2]
        longs = [(n, k) for n, k in members if len(k) > 2]
        if len(shorts) != 1 or not longs:
            continue
        # one middle name or several spellings of it: one person; two different ones
        # ("George W. Bush", "George H. W. Bush"): the short form could be either
        if any(not _same_person(a, b) for _, a in longs for _, b in longs if a != b):
            continue
        group = {forest.root(shorts[0][0])} | {forest.root(n) for n, _ in longs}
        if len(group) < 2 or len(group & pinned) > 1:
            continue
        canonical = _choose(group, forest, pinned)
        for node in sorted(group):
            if node != canonical and node not in pinned:
                forest.merge(node, canonical, "middle-name")


def _rank_tuple(node: _Node, forest: _Forest, pinned: set[_Node]) -> tuple:
    return (
        node not in pinned,
        -forest.total[node],
        not _mixed_case(node[1]),
        -len(node[1]),
        node[1],
    )


def _merge_acronyms(
    forest: _Forest,
    roots: Callable[[str], list[_Node]],
    pairs: Mapping[tuple[str, str], int],
    pinned: set[_Node],
) -> None:
    by_acronym: dict[str, set[str]] = defaultdict(set)
    for (long_form, acronym), n in pairs.items():
        if not n or n < 1 or not isinstance(long_form, str) or not isinstance(acronym, str):
            continue
        long_c = canonical_name(long_form, "org")
        acr_c = canonical_name(acronym, "org")
        if long_c and acr_c:
            by_acronym[_group_key("org", acr_c)].add(_group_key("org", long_c))
    for label in ("org", "place"):
        index = {_group_key(label, n[1]): n for n in roots(label)}
        for acr_key, long_keys in sorted(by_acronym.items()):
            acr_node = index.get(acr_key)
            present = sorted(k for k in long_keys if k in index and k != acr_key)
            if acr_node is None or not present:
                continue
            # one acronym, two organisations ("Communist Party"/"Conservative Party (CP)"):
            # skip, unless the long forms are spellings of one name (-isation/-ization)
            if any(_osa_distance(a, b) > 2 for a in present for b in present):
                continue
            group = {forest.root(acr_node)} | {forest.root(index[k]) for k in present}
            if len(group) < 2 or len(group & pinned) > 1:
                continue
            acronym_root = forest.root(acr_node)
            canonical = min(
                group,
                key=lambda n: (n not in pinned, -forest.total[n], n != acronym_root, n[1]),
            )
            for node in sorted(group):
                if node != canonical:
                    forest.merge(node, canonical, "acronym")


def _merge_label_votes(forest: _Forest, nodes: list[_Node], pinned: set[_Node]) -> set[_Node]:
    by_value: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        by_value[_fold(node[1])].append(node)
    moved: set[_Node] = set()
    for members in by_value.values():
        per_label: dict[str, int] = defaultdict(int)
        for node in members:
            per_label[node[0]] += forest.total[node]
        if len(per_label) < 2:
            continue
        winner = resolve_labels({"": per_label}).get("")
        if winner is None:
            continue
        target = _choose([n for n in members if n[0] == winner], forest, pinned)
        for node in members:
            if node[0] != winner and node not in pinned:
                forest.merge(node, target, "label-vote")
                moved.add(node)
    return moved


def _merge_surnames(
    forest: _Forest,
    persons: list[_Node],
    all_roots: list[_Node],
    pinned: set[_Node],
    co_mentions: CoMentions | None,
) -> None:
    if co_mentions is None:
        return
    by_last: dict[str, list[tuple[_Node, tuple[str, ...]]]] = defaultdict(list)
    for node in persons:
        if not _is_partial(node[1]):
            keys = _keys(node[1])
            if len(keys) >= 2:
                by_last[keys[-1]].append((node, keys))
    other_labels: dict[str, int] = defaultdict(int)
    for node in all_roots:
        if node[0] != "person":
            other_labels[_fold(node[1])] = max(other_labels[_fold(node[1])], forest.total[node])
    for node in persons:
        if node in pinned or not _is_partial(node[1]):
            continue
        keys = _keys(node[1])
        if not keys:
            continue
        if other_labels.get(_fold(node[1]), -1) >= forest.total[node]:
            continue  # "Jordan": as much a place as a surname
        candidates = [full for full, fk in by_last.get(keys[-1], ()) if _ends_with(fk, keys)]
        if len(candidates) == 1 and _keep_company(node, candidates[0], forest, co_mentions):
            forest.merge(node, candidates[0], "surname")


def _keep_company(partial: _Node, full: _Node, forest: _Forest, co: CoMentions) -> bool:
    """Whether the documents of `partial` mention the names that `full`'s documents do.

    A name is associated with `full` when at least two of its documents (or its only one)
    mention it, ASSOCIATION times more often than the corpus does; a document of `partial`
    supports the merge when it mentions two associated names (or names only one, and that one
    is associated); SUPPORTED_SHARE of the documents that name anyone else must.
    """
    own = {partial, full}

    def roots_of(docs: Sequence[Collection[_Node]]) -> list[set[_Node]]:
        return [{forest.root(n) for n in doc if n not in own} - own for doc in docs]

    partial_docs = roots_of(co.documents(partial))
    full_docs = roots_of(co.documents(full))
    if not partial_docs or not full_docs:
        return False
    company: dict[_Node, int] = defaultdict(int)
    for doc in full_docs:
        for node in doc:
            company[node] += 1
    total = max(co.total, 1)

    def associated(node: _Node) -> bool:
        shared = company.get(node, 0)
        if shared < min(2, len(full_docs)):
            return False
        return shared / len(full_docs) >= ASSOCIATION * forest.total.get(node, 1) / total

    # a document naming nobody else says nothing either way; one naming a single other name
    # supports the merge when that name keeps the full name's company
    telling = [doc for doc in partial_docs if doc]
    supported = sum(1 for doc in telling if sum(map(associated, doc)) >= min(2, len(doc)))
    return supported > 0 and supported >= SUPPORTED_SHARE * len(telling)


def resolve_labels(label_counts: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    """value -> the label it should carry, for values tagged with more than one label.

    The label with strictly the most documents wins. A tie is left alone (the value keeps
    each label it was given): a tie is no evidence, and a wrong label hides an entity.
    """
    winners: dict[str, str] = {}
    for value, per_label in label_counts.items():
        present = {lab: n for lab, n in per_label.items() if n and n > 0}
        if len(present) < 2:
            continue
        ranked = sorted(present.items(), key=lambda kv: -kv[1])
        if ranked[0][1] > ranked[1][1]:
            winners[value] = ranked[0][0]
    return winners


def is_titled_in(text: str, name: str) -> bool:
    """Whether the text ever puts a courtesy title or role right before `name` ("Mr Rutte",
    "President Reagan"): the evidence that a lone surname is a person and not a place."""
    return _titled(text, name, _HONORIFICS | _ROLES | _REGNAL)


# titles that stand only before a person: the evidence that overrides a model's "org"/"place"
_PERSON_TITLES = _HONORIFICS | frozenset(
    """president mayor minister senator sen governor judge justice chancellor premier
    spokesman spokeswoman spokesperson chairman chairwoman ambassador secretary ceo prosecutor
    attorney detective inspector professor prof coach striker midfielder defender goalkeeper
    economist analyst""".split()
)
_COURTESY = frozenset("mr mrs ms miss mx dr prof sir dame".split())


def has_person_evidence(text: str, name: str) -> bool:
    """Whether the text treats `name` as a person: a person's title right before it ("Mayor
    Helena Marsh"), or a courtesy title before its surname ("Ms Marsh")."""
    words = name.split()
    if not words or not name[0].isupper():
        return False
    if _titled(text, name, _PERSON_TITLES):
        return True
    if len(words) < 2:
        return False
    if _titled(text, words[-1], _COURTESY):
        return True
    # "said Amara Okafor", and appositives: "Amara Okafor, leader of ...", "Tomás Reyes, the
    # company's chief executive"
    if _titled(text, name, _SPEECH_VERBS):
        return True
    return any(
        (match := _APPOSITIVE.match(text, end)) is not None and match.group(2).lower() in _ROLES
        for end in _ends_of(text, name)
    )


# a verb right before a name ("said Amara Okafor") that makes the name a person: kept to these
# four rather than search.words.SPEECH_VERBS (which attributes quotes): its wider list ("told",
# "according to" stand before outlets and firms too) would count more names as persons
_SPEECH_VERBS = frozenset({"said", "says", "added", "asked"})
# after a name: ", the union's leader", ", chief executive" (capitalised or possessive fillers)
_APPOSITIVE = re.compile(
    r",\s+(?:(?:the|a|an)\s+)?((?:(?:[A-Z][\w-]*|[\w-]+['’]s)\s+){0,2})([\w-]+)"
)


def _ends_of(text: str, name: str) -> Iterator[int]:
    """End offsets of `name` wherever it occurs as a whole word."""
    start = text.find(name)
    while start != -1:
        end = start + len(name)
        before_ok = start == 0 or not text[start - 1].isalnum()
        if before_ok and (end == len(text) or not text[end].isalnum()):
            yield end
        start = text.find(name, start + 1)


_LAST_WORD = re.compile(r"([\w][\w.-]*)\.?\s+$")


def _titled(text: str, name: str, titles: frozenset[str]) -> bool:
    """Whether one of `titles` stands right before some occurrence of `name` as a word.

    Found with str.find and a look at the few characters before each occurrence: a regex
    compiled per name and run over the whole text was the hottest spot of ingest.
    """
    for end in _ends_of(text, name):
        start = end - len(name)
        match = _LAST_WORD.search(text, max(0, start - 40), start)
        if match and match.group(1).lower().rstrip(".") in titles:
            return True
    return False


# offices and the nouns that qualify them ("president", "home affairs spokesman"), not the
# adjectives that may stand before a person's next title ("former", "acting"): after a name
# they make it an affiliation ("Lib Dem home affairs spokesman")
OFFICE_WORDS = (_ROLES | _OFFICE_NOUNS) - frozenset(
    "former ex acting interim outgoing incoming vice".split()
)

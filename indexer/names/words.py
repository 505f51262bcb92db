"""The word lists a name is cleaned with: English news prose (titles, particles, roles),
never particular entities, and the text limits a span must keep within.
"""

from __future__ import annotations

import re

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

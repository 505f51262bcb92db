"""Page furniture masked before NER sees a page: photo credits, bylines, author bios,
contact lines, "READ MORE" teaser lists and the site name in a title. Masking keeps offsets
(each masked character becomes a space), so mentions still point into the stored text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.extract import MONTHS, NAME_PARTICLES, WEEKDAYS

# --- furniture -------------------------------------------------------------------------------

_NAME_WORD = r"(?:[A-Z][\w'’.\-]*|(?:" + "|".join(sorted(NAME_PARTICLES)) + r"))"
_NAME = rf"[A-Z][\w'’.\-]*(?:[ \t]+{_NAME_WORD}){{0,3}}"
_SHORT_FURNITURE_RE = re.compile(
    r"[ \t]*(?:read more|advertisement|skip advertisement|(?:related(?:[ \t]+(?:posts?|stories|"
    r"articles?|content|links?|reading|coverage|video))?|read more|see also|also read)\s*:.*)"
    r"[ \t]*",
    re.IGNORECASE,
)
# "... Photograph: John Thys/Getty Images" closing a caption line: the caption goes with it
_CAPTION_CREDIT_RE = re.compile(
    r"(?:^|\s)(?:photo(?:graph)?s?|image|picture|illustration|composite|credit)(?:\s+by)?\s*:"
    r"\s*([^\n:]{2,80})$",
    re.IGNORECASE,
)
_CREDIT_CONNECTORS = frozenset("and for of via de van von la le".split())
_CREDIT_LINE_RE = re.compile(
    r"[ \t]*(?:(?:photo(?:graph)?s?|image|picture|illustration|credit|video)\s+"
    r"(?:by|courtesy(?:\s+of)?)|courtesy\s+of)\s+[^\n]{2,80}",
    re.IGNORECASE,
)
# "(AP Photo/Evan Vucci)", "(Photo: Reuters)", "(Photograph by X/Getty)"
_CREDIT_PAREN_RE = re.compile(
    r"\([^()\n]{0,40}\b(?:photo(?:graph)?s?|image|credit)\b\s*(?:[:/]|by\b)[^()\n]{1,80}\)",
    re.IGNORECASE,
)
# "By Jane Doe", "by Jane Doe // March 3, 2012", "Posted by Jane Doe on March 3, 2012 12:01 AM",
# "Reviewed by Jane D. Doe, MD"
_BYLINE_RE = re.compile(
    r"[ \t]*(?:(?i:posted|written|reviewed|tested|story|words|text)[ \t]+)?[Bb]y:?[ \t]+"
    rf"({_NAME}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME})*)"
    r"(?:[ \t]*(?:[|•·,–—/-]|\b(?:on|at)\b)[^\n.]{0,60})?[ \t]*"
)
_BIO_RE = re.compile(
    rf"[ \t]*({_NAME})[ \t]+(?:is|was)[ \t]+(?:an?|the)[ \t][^\n]{{0,80}}?\b(?:contributor|"
    r"correspondent|reporter|writer|journalist|editor|columnist|author|freelancer|freelance|"
    r"commentator|photographer|analyst|fellow)\b[^\n]{0,160}"
)
BIO_TAIL_LINES = 3
# wire and staff credits: "Reporting by Jane Doe; Editing by John Roe", "Editor: Jane Doe",
# "Produced by ...", "Additional reporting by ..."; a role word (or two) opens the line
_ROLE = (
    r"(?:reporting|writing|editing|edited|written|compiled|produced|producer|producers|editor|"
    r"editors|reporter|reporters|writer|writers|research|researcher|graphics|design|designer|"
    r"photography|photographs|photos|video|videos|illustrations?|animation|development|"
    r"developer|translation|translated|fact-checking|data|interactive|visuals|art direction)"
)
_STAFF_CREDIT_RE = re.compile(
    r"[ \t]*[(\[]?[ \t]*(?:(?:article|story|post|guest post|blog post|column)[ \t]+)?"
    rf"(?:(?:additional|executive|senior|deputy|copy|video|photo|picture|"
    rf"data|graphics|news|managing|assistant|associate|sub|series)[ \t-]+){{0,2}}{_ROLE}"
    r"[ \t]*(?:by\b|:)[^\n]{2,200}",
    re.IGNORECASE,
)
# "Jane Doe contributed to this report.", "... contributed reporting from Kyiv."
_CONTRIBUTED_RE = re.compile(
    r"\bcontributed\s+(?:to\s+this\s+(?:report|story|article)|reporting|additional\s+reporting)\b",
    re.IGNORECASE,
)
# where the story comes from, not what it says: "Source: Al Jazeera News", "Originally published
# on Live Science.", "This article first appeared in ..."
_SOURCE_LINE_RE = re.compile(
    r"[ \t]*(?:sources?[ \t]*:|originally[ \t]+(?:published|appeared|posted)\b|this[ \t]+"
    r"(?:article|story|post|piece)[ \t]+(?:was[ \t]+)?(?:originally|first)[ \t]+(?:published|"
    r"appeared)\b|republished[ \t]+(?:with[ \t]+permission[ \t]+)?from\b)[^\n]{0,160}",
    re.IGNORECASE,
)
# a heading over the author's bio: the line after it is the bio ("Author:", "About the author")
_AUTHOR_HEADING_RE = re.compile(
    r"[ \t]*(?:about[ \t]+the[ \t]+)?(?:author|writer|contributor)s?[ \t]*:?[ \t]*", re.IGNORECASE
)
# "Jane Doe may be reached at jdoe@example.com.", "Reach her at ..."
_REACHED_RE = re.compile(
    r"\b(?:(?:may|can)[ \t]+be[ \t]+reached|reach[ \t]+(?:him|her|them|me|us))"
    r"[ \t]+(?:at|on|via)\b",
    re.IGNORECASE,
)
# "Email Jane Doe at jdoe@example.com", "Follow Jane Doe on Twitter @jdoe"
_SOCIAL = r"(?:twitter|x|instagram|facebook|linkedin|bluesky|threads|mastodon|tiktok|youtube)"
_CONTACT_RE = re.compile(
    r"[ \t]*(?:(?:e-?mail|contact|reach|write to)\b[^\n]{0,80}?\s(?:at|on|via)\s[^\n]{0,80}@"
    rf"[^\n]{{0,80}}|follow\b[^\n]{{0,80}}?\son\s+{_SOCIAL}\b[^\n]{{0,120}})",
    re.IGNORECASE,
)
# "Copyright 2024 The Associated Press. All rights reserved.", "(c) Reuters 2024"
_COPYRIGHT_RE = re.compile(
    r"[ \t]*(?:copyright\b|©|\(c\)\s)[^\n]{0,200}|[^\n]{0,200}\ball rights reserved\b[^\n]{0,200}",
    re.IGNORECASE,
)
# the agency in a dateline: "WASHINGTON (AP) -", "KYIV, Ukraine (Reuters) —", "(CNN)"
_AGENCY_DATELINE_RE = re.compile(
    r"^[ \t]*(?:[A-Z][A-Z.'’ -]{0,40}[A-Z.](?:,[ \t]*[A-Z][\w.'’ -]{0,30})?[ \t]*)?"
    r"(\([A-Z][\w&.' -]{0,20}\))[ \t]*(?:[-–—:]|$|(?=[A-Z]))"
)


def _is_name_word(word: str) -> bool:
    if word in NAME_PARTICLES:
        return True
    if not word[0].isupper():
        return False
    # "McLaughlin", "O'Brien", an initial "J." - but not "EASTERN" or "W"
    return any(ch.islower() for ch in word) or (len(word) == 2 and word[1] == ".")


def _is_name_line(line: str) -> bool:
    """A line holding only a short personal name ("Daniel McLaughlin")."""
    words = line.split()
    return (
        2 <= len(words) <= 4
        and len(line.strip()) <= 40
        and words[0] not in NAME_PARTICLES
        and all(_is_name_word(w) for w in words)
        and not any(w.lower().strip(".") in WEEKDAYS | MONTHS for w in words)
    )


def _is_credit(line: str) -> bool:
    """A line ending in a photo credit: the credit is a few capitalised words ("Reuters",
    "John Thys/Getty Images"), not a clause ("the image: it was shocking")."""
    match = _CAPTION_CREDIT_RE.search(line)
    if not match:
        return False
    words = match.group(1).replace("/", " ").split()
    return 0 < len(words) <= 8 and all(
        w[0].isupper() or not w[0].isalpha() or w in _CREDIT_CONNECTORS for w in words
    )


def _is_byline(line: str) -> bool:
    match = _BYLINE_RE.fullmatch(line)
    if not match:
        return False
    first = match.group(1).split()[0].lower().strip(".")
    return first not in WEEKDAYS | MONTHS and len(line.split()) <= 16


# --- teaser lists: links to other stories, kept by the cleaner ---------------------------------

_BULLET_RE = re.compile(r"[ \t]*[-–—•·*▪►»›◦][ \t]+\S")
# a short line announcing links to other pages: "Related", "More from mental_floss…", "More
# Great WIRED Stories", "Posted on this day, other years:", "You may also like"
_LINK_HEADING_RE = re.compile(
    r"\b(?:related|recommended|trending|most[ \t]+(?:read|popular|viewed|shared)|popular[ \t]+"
    r"(?:posts|stories|articles|now)|more[ \t]+(?:from|stories|great|like[ \t]+this|to[ \t]+"
    r"(?:read|explore))|read[ \t]+(?:more|next|also)|see[ \t]+also|also[ \t]+(?:like|enjoy)|"
    r"further[ \t]+reading|on[ \t]+this[ \t]+day|other[ \t]+years|top[ \t]+stories|latest[ \t]+"
    r"(?:news|stories|posts|articles)|around[ \t]+the[ \t]+web)\b",
    re.IGNORECASE,
)
LINK_HEADING_WORDS = 8
TEASER_WORDS = 25
# a link to an archived post ends with its date: "... - 2005", "(October 3, 2012)"
_ENDS_IN_YEAR_RE = re.compile(r"(?:\(|[-–—][ \t]*)[^()\n]{0,20}\b(?:19|20)\d\d[ \t]*\)?[ \t]*$")
_TEASER_FUNCTION_WORDS = frozenset(
    "a an the and or but of in on at to for by with from as vs is are was its it".split()
)


def _is_teaser(line: str) -> bool:
    """A line that reads as a link's text: short, and not a sentence (no closing full stop,
    comma or colon); a line of bullets or stars between links counts too."""
    stripped = line.strip()
    if not any(ch.isalpha() for ch in stripped):
        return True
    return len(stripped.split()) <= TEASER_WORDS and stripped[-1] not in ".,;:"


def _title_cased(line: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’]*", line)
    content = [w for w in words if w.lower() not in _TEASER_FUNCTION_WORDS]
    return len(content) >= 3 and all(w[0].isupper() for w in content)


def teaser_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines that link to other stories rather than tell this one.

    Three shapes, each general to news and blog pages: a short heading that announces links
    ("Related", "More from ...", "Posted on this day, other years:") with the link-like lines
    under it; two or more bulleted lines that each end in a date (an archive's links); three or
    more bulleted headlines in title case. A bulleted list of an article's own points is
    sentences, or names too short to be headlines, and stays.
    """
    found: set[int] = set()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for position, i in enumerate(filled):
        line = lines[i].strip()
        if (
            len(line.split()) <= LINK_HEADING_WORDS
            and line[-1] not in ".,;"
            and _LINK_HEADING_RE.search(line)
        ):
            found.add(i)
            for j in filled[position + 1 :]:
                if not _is_teaser(lines[j]):
                    break
                found.add(j)
    runs: list[list[int]] = []
    previous = -1  # the last filled line seen
    for i in filled:
        if _BULLET_RE.match(lines[i]) and _is_teaser(lines[i]):
            if runs and runs[-1][-1] == previous:
                runs[-1].append(i)
            else:
                runs.append([i])
        previous = i
    for run in runs:
        dated = len(run) >= 2 and all(_ENDS_IN_YEAR_RE.search(lines[i]) for i in run)
        headlines = len(run) >= 3 and all(
            len(lines[i].split()) >= 5 and _title_cased(lines[i]) for i in run
        )
        if dated or headlines:
            found.update(run)
    return found


def _contributed_sentences(line: str) -> Iterator[tuple[int, int]]:
    """The sentences of a line that credit contributors ("X contributed to this report.")."""
    if "contributed" not in line.lower():
        return
    for match in _CONTRIBUTED_RE.finditer(line):
        begin = line.rfind(".", 0, match.start()) + 1
        end = line.find(".", match.end())
        yield begin, len(line) if end < 0 else end + 1


def mask_furniture(body: str) -> str:
    """Blank out page furniture so NER finds no mentions in it.

    Furniture is photo captions and credits, "READ MORE"/"Advertisement"/"Related: ..." lines,
    bylines ("By ...", "Posted by ... on ..."), an author name repeated on lines of its own, an
    author-bio line near the end ("X is a contributor to ...") or under an "Author:" heading,
    staff credits ("Reporting by ...; Editing by ...", "Editor: Jane Doe", "Produced by ..."),
    "... contributed to this report", "Email X at ...", "X may be reached at ..." and "Follow X
    on ..." lines, source lines ("Source: ...", "Originally published on ..."), copyright
    lines, lists of links to other stories (`teaser_lines`) and the agency in a dateline
    ("LONDON (AP) -").
    Every masked character except newlines becomes a space, and a comma takes the place of
    a dateline's agency so the place stays apart from the story's first words.

    Args:
        body: the document body.

    Returns:
        A string of the same length with the same line breaks, so offsets into it are offsets
        into `body`.
    """
    lines: list[tuple[int, int]] = []
    position = 0
    for line in body.split("\n"):
        lines.append((position, position + len(line)))
        position += len(line) + 1
    counts: dict[str, int] = {}
    for start, end in lines:
        key = body[start:end].strip()
        counts[key] = counts.get(key, 0) + 1
    non_empty = [i for i, (start, end) in enumerate(lines) if body[start:end].strip()]
    bios: dict[int, str] = {}
    for index in non_empty[-BIO_TAIL_LINES:]:
        bio = _BIO_RE.fullmatch(body[slice(*lines[index])])
        if bio:
            bios[index] = bio.group(1)
    author_names = set(bios.values())
    texts = [body[start:end] for start, end in lines]
    teasers = teaser_lines(texts)
    for position, index in enumerate(non_empty[:-1]):
        if _AUTHOR_HEADING_RE.fullmatch(texts[index]):
            teasers.add(non_empty[position + 1])  # the bio under "Author:"

    blanks: list[tuple[int, int]] = []
    breaks: list[int] = []
    for index, (start, end) in enumerate(lines):
        line = body[start:end]
        if not line.strip():
            continue
        furniture = (
            _SHORT_FURNITURE_RE.fullmatch(line) is not None
            or _is_credit(line)
            or _CREDIT_LINE_RE.fullmatch(line) is not None
            or _STAFF_CREDIT_RE.fullmatch(line) is not None
            or _COPYRIGHT_RE.fullmatch(line) is not None
            or _CONTACT_RE.fullmatch(line) is not None
            or _SOURCE_LINE_RE.fullmatch(line) is not None
            or (_REACHED_RE.search(line) is not None and len(line.split()) <= 60)
            or index in teasers
            or _is_byline(line)
            or index in bios
            or (_is_name_line(line) and (counts[line.strip()] > 1 or line.strip() in author_names))
        )
        if furniture:
            blanks.append((start, end))
            continue
        blanks.extend((start + m.start(), start + m.end()) for m in _CREDIT_PAREN_RE.finditer(line))
        blanks.extend((start + a, start + b) for a, b in _contributed_sentences(line))
        dateline = _AGENCY_DATELINE_RE.match(line)
        if dateline:
            blanks.append((start + dateline.start(1), start + dateline.end(1)))
            # a comma where the agency was keeps the place apart from the first words of the
            # story: blanks alone let the model read "LONDON      — Shares" as one person
            breaks.append(start + dateline.start(1))
    if not blanks:
        return body
    chars = list(body)
    for start, end in blanks:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    for position in breaks:
        chars[position] = ","
    return "".join(chars)


# a page title names its site and section after the headline: "How to Build a Terrarium | eHow",
# "Sentra review - Auto News"
_TITLE_BAR_RE = re.compile(r"[ \t]+[|•·»][ \t]+|[ \t]+::[ \t]+")
_TITLE_DASH_RE = re.compile(r"[ \t]+[-–—][ \t]+")
SITE_NAME_WORDS = 4


def mask_title(title: str) -> str:
    """The title with the site's and section's names blanked, so the masthead of the page is
    not read as a name of the story (the guidelines of issue 17: a publication named only as
    the page's own masthead is no entity). Between bars the longest part is the headline and
    the rest is blanked; after a dash, a short last part ("- BBC News") is.

    Args:
        title: the document title.

    Returns:
        A string of the same length.
    """
    bars = list(_TITLE_BAR_RE.finditer(title))
    if bars:
        bounds = [0, *(b for m in bars for b in (m.start(), m.end())), len(title)]
        parts = list(zip(bounds[::2], bounds[1::2], strict=True))
        keep = max(parts, key=lambda part: len(title[part[0] : part[1]].split()))
        return "".join(
            ch if keep[0] <= i < keep[1] or ch == "\n" else " " for i, ch in enumerate(title)
        )
    dashes = list(_TITLE_DASH_RE.finditer(title))
    if dashes:
        last = dashes[-1]
        tail, head = title[last.end() :], title[: last.start()]
        if 0 < len(tail.split()) <= SITE_NAME_WORDS and len(head.split()) > len(tail.split()):
            return head + " " * (len(title) - len(head))
    return title

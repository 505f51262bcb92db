"""Which language a document is written in: it decides whether the English NER model may read
the document, and it is a search facet.

The text decides, not the page: templates declare "en" on German pages and many pages declare
nothing. py3langid (BSD, its model inside the wheel) was chosen by bench/language_quality.py
over lingua, fastText's bundled lid.176.ftz, langdetect and CLD2: the most accurate on the
non-English pages and feeds, and, with its calibrated confidence, as careful with English as
any of them (an English document called something else loses its entities). Its model knows
languages without an ISO 639-1 code (Nigerian Pidgin, Volapük, "no language") that it gives
to English tables of figures, so it chooses among the two-letter codes only.

When the text cannot tell (a headline, a table of figures: no language more likely than all
the others together), the page's declared language stands, else English, the language of the
entity model, whose junk on a short text is short too.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from search.documents import NER_LANGUAGES

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from indexer.store import DocumentStore

ENGLISH = "en"
# the opening of title + body the detector reads: more adds time, not accuracy
DETECT_CHARS = 2000
# py3langid's own calibrated probability: below it the text is too short or too mixed to tell
MIN_CONFIDENCE = 0.5
# how the language was decided (stored with the document as `language_source`)
FROM_TEXT = "text"
FROM_DECLARED = "declared"
ASSUMED = "assumed"

_DECLARED = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$")
_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A document's language (ISO 639-1) and how it was decided.

    `source` is "text" (detected), "declared" (the text could not tell; the page said so) or
    "assumed" (neither: English); a detection that overrules the page names what the page
    declared, e.g. "text (page declared en)".
    """

    code: str
    source: str
    confidence: float = 0.0


def declared_code(declared: str) -> str:
    """The two-letter code of a declared language tag ("de-DE" -> "de"), or "" for none."""
    match = _DECLARED.match(declared.strip().lower())
    return match.group(1) if match else ""


def _model() -> LanguageIdentifier:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages([c for c in identifier.nb_classes if len(c) == 2])
            _identifier = identifier
        return _identifier


def detect_language(title: str, body: str, *, declared: str = "") -> LanguageGuess:
    """The language of a document from its text, with the declared one as a fallback.

    Args:
        title: the document title.
        body: the document text.
        declared: what the page or export says (`<html lang>`, a `language` field), if any.

    Returns:
        The language and how it was decided.
    """
    hint = declared_code(declared)
    text = f"{title}\n{body}"[:DETECT_CHARS]
    code, confidence = _model().classify(text) if text.strip() else ("", 0.0)
    if code and confidence >= MIN_CONFIDENCE:
        source = FROM_TEXT if not hint or hint == code else f"{FROM_TEXT} (page declared {hint})"
        return LanguageGuess(code, source, confidence)
    if hint:
        return LanguageGuess(hint, FROM_DECLARED, confidence)
    return LanguageGuess(ENGLISH, ASSUMED, confidence)


def backfill_languages(store: DocumentStore, batch: int = 500) -> int:
    """Detect the language of documents stored before docsift detected languages (run by
    `docsift reindex`, which the schema change asks for); those the entity model does not read
    lose the entities it gave them, as a fresh ingest would. Returns how many were done."""
    ids = store.without_language()
    for start in range(0, len(ids), batch):
        decided = []
        for doc_id, title, body, _ in store.texts(ids[start : start + batch]):
            guess = detect_language(title, body)
            decided.append((doc_id, guess.code, guess.source, guess.code not in NER_LANGUAGES))
        store.set_languages(decided)
    return len(ids)

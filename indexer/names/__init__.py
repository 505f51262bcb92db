"""Entity names a newsroom can trust: one canonical value per person, organisation and place.

Three layers, all pure functions, one module each:

* `canonical_name` (canonical.py; its word lists in words.py) cleans one NER span:
  honorifics and job titles ("Nato's secretary general Mark Rutte" -> "Mark Rutte"),
  possessives, quotes, Unicode; junk spans become None.
* `resolve_document` (within_document.py) fills `Mention.value` for one document, resolving
  "Mr Rutte" to the one full name in that document that ends with "Rutte".
* `build_aliases` (corpus.py; the merge forest in forest.py, acronym pairs in acronyms.py)
  looks at the whole corpus and maps variants to one canonical value: case variants ("Nato"
  -> "NATO"), transliterations ("Volodymyr Zelensky" -> "Volodymyr Zelenskiy"), lone
  surnames, acronyms paired with their long form in the text, a label vote, and the user's
  own merges and splits, which always win.

Whether a text gives evidence that a name is a person (a title before it) is evidence.py.

Every automatic rule prefers leaving two names apart to merging two different entities: a
wrong merge hides a person inside another one, a missed merge only shows a name twice.
"""

from indexer.names.acronyms import find_acronym_pairs
from indexer.names.canonical import canonical_name
from indexer.names.corpus import build_aliases, resolve_labels
from indexer.names.evidence import OFFICE_WORDS, has_person_evidence, is_titled_in
from indexer.names.forest import Alias, CoMentions
from indexer.names.within_document import name_key, resolve_document

__all__ = [
    "OFFICE_WORDS",
    "Alias",
    "CoMentions",
    "build_aliases",
    "canonical_name",
    "find_acronym_pairs",
    "has_person_evidence",
    "is_titled_in",
    "name_key",
    "resolve_document",
    "resolve_labels",
]

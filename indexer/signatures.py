"""Which documents could be one story: MinHash signatures of a text's shingles and content
words, and the word weights and headline words a pair is verified with (indexer.dedup).

A signature is computed once per content hash and kept in the store (SignatureRow), so an
ingest hashes only new or changed documents.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash
from spacy.lang.en.stop_words import STOP_WORDS

from indexer.store import SignatureRow
from search.analysis import porter2_stem

NUM_PERM = 64
SEED = 1
SHINGLE_WORDS = 5
MIN_WORDS = 25  # shorter texts (headlines, briefs) are never grouped: too little to tell

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(SEED)
_A = _rng.randint(1, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)
_TOKEN = re.compile(r"\w+")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(STOP_WORDS) | {"said", "says", "told", "year", "years", "would", "also"}


@dataclass(frozen=True, slots=True)
class Signature:
    """What dedup keeps per document: MinHashes of shingles and words, and a body hash."""

    doc_id: str
    content_hash: str
    body_hash: str
    words: int
    shingles: np.ndarray
    unigrams: np.ndarray

    def to_row(self) -> SignatureRow:
        return SignatureRow(
            self.doc_id,
            self.content_hash,
            self.body_hash,
            self.words,
            self.shingles.astype("<u4").tobytes(),
            self.unigrams.astype("<u4").tobytes(),
        )

    @classmethod
    def from_row(cls, row: SignatureRow) -> Signature:
        return cls(
            row.doc_id,
            row.content_hash,
            row.body_hash,
            row.words,
            np.frombuffer(row.shingles, dtype="<u4").astype(np.uint64),
            np.frombuffer(row.unigrams, dtype="<u4").astype(np.uint64),
        )


def _minhash(items: Iterable[str]) -> np.ndarray:
    hashes = np.fromiter((zlib.crc32(item.encode("utf-8")) for item in items), dtype=np.uint64)
    if not len(hashes):
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    permuted = ((hashes[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE) & _MAX_HASH
    return permuted.min(axis=0)


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased, crudely stemmed words of three letters or more, without stop words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def _text_of(title: str, body: str) -> str:
    return body if body.strip() else title


def signature(doc_id: str, content_hash: str, title: str, body: str) -> Signature:
    tokens = _TOKEN.findall(_text_of(title, body).lower())
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS])
        for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))
    }
    words = set(content_words(f"{title}\n{body}"))
    return Signature(
        doc_id=doc_id,
        content_hash=content_hash,
        body_hash=hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest(),
        words=len(tokens),
        shingles=_minhash(shingles),
        unigrams=_minhash(words),
    )


def title_words(title: str) -> set[str]:
    """A headline's content words, Porter2-stemmed (so "focuses" meets "focus", which the
    original Porter stemmer keeps apart)."""
    return {porter2_stem(w) for w in _WORD.findall(title.lower()) if w not in _STOP}


def title_overlap(a: str, b: str) -> tuple[int, float]:
    """Headline words both share, and their share of the shorter headline's words."""
    wa, wb = title_words(a), title_words(b)
    shared = len(wa & wb)
    return shared, shared / max(1, min(len(wa), len(wb)))


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


def term_weights(terms: Mapping[str, int]) -> dict[str, float]:
    """Log-scaled term frequencies, normalised to unit length."""
    weights = {t: 1 + math.log(n) for t, n in terms.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


def lean(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=values, scheme="legacy")

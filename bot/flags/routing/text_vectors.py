"""Texts as sparse TF-IDF vectors in plain Python dictionaries: how a flag is compared with the phrasebook
(`bot.flags.routing.phrasebook`) and with the organisation's own corrected flags (`bot.flags.routing.classifier`).

Plain dictionaries, not scikit-learn, at run time: importing scikit-learn costs a process about 100 MB and a
second, for arithmetic on a few dozen features per flag. scikit-learn fits the phrasebook's weights, in a
child process that then exits; the formulas here are its `TfidfVectorizer(sublinear_tf=True)`'s (smooth
idf, 1 + log tf, L2 norm), so the weights it fits apply unchanged.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

Vector = dict[str, float]


def weigh(features: Iterable[str], idf: Mapping[str, float]) -> Vector:
    """The L2-normalised TF-IDF vector of `features` (terms unknown to `idf` are left out)."""
    weights = {term: (1.0 + math.log(n)) * idf[term] for term, n in Counter(features).items() if term in idf}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {term: w / norm for term, w in weights.items()} if norm else {}


def idf_of(documents: Sequence[Iterable[str]]) -> dict[str, float]:
    """Each term's inverse document frequency over `documents` (smoothed: as if one more document held
    every term), so that words every document uses count for little."""
    frequency: Counter[str] = Counter()
    for features in documents:
        frequency.update(set(features))
    n = len(documents)
    return {term: math.log((1 + n) / (1 + df)) + 1.0 for term, df in frequency.items()}


def word_grams(words: Sequence[str]) -> list[str]:
    """The words and each pair of neighbours ("charged", "twice", "charged twice")."""
    return [*words, *(f"{a} {b}" for a, b in pairwise(words))]


class Index:
    """Vectors of many documents, searchable by similarity to a new one (cosine, through an inverted index:
    only documents sharing a term are touched)."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.idf = idf_of(documents)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, features in enumerate(documents):
            for term, weight in weigh(features, self.idf).items():
                self._postings.setdefault(term, []).append((i, weight))

    def similarities(self, features: Sequence[str]) -> dict[int, float]:
        """Cosine similarity of `features` to every document that shares a term with it, by position."""
        found: dict[int, float] = {}
        for term, weight in weigh(features, self.idf).items():
            for i, theirs in self._postings.get(term, ()):
                found[i] = found.get(i, 0.0) + weight * theirs
        return found

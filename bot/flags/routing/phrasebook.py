"""How people word each kind of problem: a built-in phrasebook of labelled flags (`phrasebook.csv`, about
80 per category) and a classifier fitted on it, for what the keyword rules have no phrase for.

The rules know the phrases that settle a category ("charged twice"); a symptom such as "the page takes 30s
to load for their EU team" names none. The phrasebook's classifier (TF-IDF over words, word pairs and
character n-grams, so that misspellings still count; multinomial logistic regression) says how likely each
category is from the wording as a whole. No AI and nothing downloaded: the weights are fitted from the CSV
by scikit-learn at development time (`python -m bot.flags.routing.phrasebook`, about two seconds) and shipped
beside it (`phrasebook.weights.json.gz`, stamped with the CSV's hash; a test fails when they are stale).
Tend loads them in ~50 ms and applies them with plain arithmetic (`bot.flags.routing.text_vectors`), so no Tend
process imports scikit-learn (~100 MB) or waits for a fit. Without the file the rules route alone.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import math
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.flags.routing.text_vectors import weigh, word_grams
from bot.text import fold
from bot.vocab import Category

PHRASEBOOK = Path(__file__).with_name("phrasebook.csv")
WEIGHTS = Path(__file__).with_name("phrasebook.weights.json.gz")
_TOKENS = re.compile(r"\b\w\w+\b")
log = logging.getLogger(__name__)


def features(folded: str) -> list[str]:
    """What a (case- and accent-folded) text is compared as: its words and word pairs, and the 3- to
    5-letter pieces of each word with its edges marked ("~ inv", "~invo"…), which survive misspellings."""
    grams = word_grams(_TOKENS.findall(folded))
    for word in folded.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            grams.extend(f"~{padded[i : i + n]}" for i in range(max(len(padded) - n + 1, 1)))
    return grams


@dataclass(frozen=True)
class Weights:
    """The fitted classifier, as plain data: per term, its idf and one weight per category."""

    categories: tuple[Category, ...]
    intercepts: tuple[float, ...]
    idf: dict[str, float]
    coefficients: dict[str, tuple[float, ...]]

    def likelihoods(self, folded: str) -> dict[Category, float]:
        scores = list(self.intercepts)
        for term, x in weigh(features(folded), self.idf).items():
            for i, c in enumerate(self.coefficients[term]):
                scores[i] += x * c
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]  # softmax, as predict_proba
        total = sum(exps)
        return {category: e / total for category, e in zip(self.categories, exps, strict=True)}


def likelihoods(folded: str, words: Iterable[str]) -> dict[Category, float] | None:
    """How likely a folded text is to be each category's problem; None when none of its meaningful `words`
    appears in the phrasebook (nothing to go on), or when its weights are missing."""
    weights = loaded()
    if weights is None or not any(word in weights.idf for word in words):
        return None
    return weights.likelihoods(folded)


def warm() -> None:
    """Load the weights in the background now (start-up), so that the first flag does not wait for them."""
    threading.Thread(target=loaded, name="tend-phrasebook", daemon=True).start()


def digest(path: Path = PHRASEBOOK) -> str:
    """The phrasebook's SHA-256: what the shipped weights were fitted from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def loaded(path: Path = WEIGHTS) -> Weights | None:
    """The shipped weights, read once per process (cached; a second thread waits for the first)."""
    try:
        document = json.loads(gzip.decompress(path.read_bytes()))
        terms: dict[str, list[float]] = document["terms"]
        weights = Weights(
            tuple(Category(c) for c in document["categories"]),
            tuple(document["intercepts"]),
            {term: values[0] for term, values in terms.items()},
            {term: tuple(values[1:]) for term, values in terms.items()},
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("phrasebook weights unreadable (%s): routing by the rules alone", error)
        return None
    if document.get("phrasebook_sha256") != digest():
        log.warning("phrasebook.csv changed since its weights were fitted: run python -m bot.flags.routing.phrasebook")
    return weights


def fit(path: Path = PHRASEBOOK) -> Weights:
    """The classifier fitted on the phrasebook, as plain data (development time: needs scikit-learn)."""
    return as_weights(*fit_with_sklearn(path))


def fit_with_sklearn(path: Path = PHRASEBOOK) -> tuple[Any, Any]:
    """scikit-learn's TF-IDF vectorizer and logistic regression, fitted on the phrasebook's rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    matrix = vectorizer.fit_transform([fold(row["text"]).replace("’", "'") for row in rows])
    model = LogisticRegression(C=10, max_iter=2000).fit(matrix, [row["category"] for row in rows])
    return vectorizer, model


def as_weights(vectorizer: Any, model: Any) -> Weights:
    terms = vectorizer.get_feature_names_out()
    columns = model.coef_.T.tolist()
    return Weights(
        tuple(Category(c) for c in model.classes_),
        tuple(float(b) for b in model.intercept_),
        {str(term): float(idf) for term, idf in zip(terms, vectorizer.idf_, strict=True)},
        {str(term): tuple(column) for term, column in zip(terms, columns, strict=True)},
    )


SIGNIFICANT = 7  # digits kept of each weight: the likelihoods stay within 1e-6 of the fit's


def dump(weights: Weights, path: Path = WEIGHTS) -> None:
    """Write `weights` as the shipped file, stamped with the phrasebook's hash (reproducible bytes)."""

    def short(x: float) -> float:
        return float(f"{x:.{SIGNIFICANT}g}")

    document = {
        "phrasebook_sha256": digest(),
        "categories": [c.value for c in weights.categories],
        "intercepts": [short(b) for b in weights.intercepts],
        "terms": {t: [short(weights.idf[t]), *map(short, weights.coefficients[t])] for t in sorted(weights.idf)},
    }
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


if __name__ == "__main__":  # python -m bot.flags.routing.phrasebook: refit after changing phrasebook.csv
    dump(fit())
    print(f"wrote {WEIGHTS.name} from {PHRASEBOOK.name} ({digest()[:12]})", file=sys.stderr)

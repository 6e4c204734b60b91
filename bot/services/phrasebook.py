"""How people word each kind of problem: a built-in phrasebook of labelled flags (`phrasebook.csv`, about
80 per category) and a classifier fitted on it, for what the keyword rules have no phrase for.

The rules know the phrases that settle a category ("charged twice"); a symptom such as "the page takes 30s
to load for their EU team" names none. The phrasebook's classifier (TF-IDF over words, word pairs and
character n-grams, so that misspellings still count; multinomial logistic regression) says how likely each
category is from the wording as a whole. No AI, no model file, nothing downloaded: it is fitted from the
CSV, once per process, by scikit-learn in a child process (about two seconds, then the child exits, so its
~100 MB never weigh on Tend); here it is applied with plain arithmetic (`bot.services.text_vectors`).
`warm()` starts the fitting in the background at start-up, so that no one's flag waits for it. Should the
fitting fail, the rules route alone (and say so in the log).
"""

from __future__ import annotations

import csv
import logging
import math
import os
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.services.text_vectors import weigh, word_grams
from bot.text import fold
from bot.vocab import Category

PHRASEBOOK = Path(__file__).with_name("phrasebook.csv")
FIT_TIMEOUT_S = 120
_ROOT = Path(__file__).resolve().parents[2]
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
    appears in the phrasebook (nothing to go on), or when the phrasebook could not be fitted."""
    weights = _weights()
    if weights is None or not any(word in weights.idf for word in words):
        return None
    return weights.likelihoods(folded)


def warm() -> None:
    """Fit the phrasebook in the background now, so that the first flag does not wait for it."""
    threading.Thread(target=_weights, name="tend-phrasebook", daemon=True).start()


_lock = threading.Lock()


def _after_fork() -> None:
    """A forked worker (gunicorn --preload) may have been copied while the parent was fitting: it gets a
    lock of its own, and fits for itself if the copy holds no weights."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _weights() -> Weights | None:
    with _lock:  # one fitting per process, however many threads ask at once
        return _fitted()


@cache
def _fitted() -> Weights | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import bot.services.phrasebook as p; p.fit_to_stdout()"],
            cwd=_ROOT,
            capture_output=True,
            timeout=FIT_TIMEOUT_S,
            check=True,
        )
        weights = pickle.loads(done.stdout)  # our own child process, writing our own class
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as error:
        detail = getattr(error, "stderr", b"") or b""
        log.warning("phrasebook not fitted, routing by the rules alone: %s %s", error, detail.decode()[-500:])
        return None
    return weights if isinstance(weights, Weights) else None


def fit(path: Path = PHRASEBOOK) -> Weights:
    """The classifier fitted on the phrasebook, as plain data (run in the child process: `fit_to_stdout`)."""
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


def fit_to_stdout() -> None:
    sys.stdout.buffer.write(pickle.dumps(fit()))

"""The phrasebook: flags worded like a category's problems go there even when no rule names them; its
plain arithmetic gives what scikit-learn fitted; the shipped weights are the phrasebook's as it stands; and
without them the rules still route."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys

import pytest

from bot.flags.routing import phrasebook
from bot.flags.routing.classifier import classify
from bot.vocab import Category
from tests.processes import ROOT


def test_symptoms_no_rule_names_are_routed_by_their_wording():
    for text, category in {
        "the dashboard takes ages to open every morning": Category.SUPPORT,
        "their accountant wants copies of every statement from last year": Category.BILLING,
        "people keep doing it the long way, someone should show them the shortcuts": Category.TRAINING,
    }.items():
        assert classify(text, use_phrasebook=False).category is Category.OTHER, text  # no rule knows it
        judged = classify(text)
        assert judged.category is category, text
        assert judged.explain().startswith(f"worded like {category} problems ("), text


def test_a_clear_rule_phrase_outweighs_the_wording():
    judged = classify("they were charged twice, the support team told them to ask here")
    assert judged.category is Category.BILLING
    assert judged.explain().startswith("matched 'charged twice'")


def test_nothing_the_phrasebook_knows_is_other():
    for text in ("hello", "asdf", "ok", "thanks!"):
        assert classify(text).category is Category.OTHER, text


def test_the_plain_arithmetic_gives_what_scikit_learn_fitted():
    """Tend applies the fitted weights without scikit-learn: the likelihoods must be its predict_proba."""
    vectorizer, model = phrasebook.fit_with_sklearn()
    weights = phrasebook.as_weights(vectorizer, model)
    texts = ["invoice went to the wrong address", "export hangs forever", "they might leave for a rival"]
    for text, row in zip(texts, model.predict_proba(vectorizer.transform(texts)), strict=True):
        got = weights.likelihoods(text)
        assert [got[c] for c in weights.categories] == pytest.approx(list(row), abs=1e-9)


def test_the_shipped_weights_are_fitted_from_the_phrasebook_as_it_stands():
    """Whoever edits phrasebook.csv must refit (python -m bot.flags.routing.phrasebook): the shipped file carries
    the CSV's hash, and what it says is what a fit now says."""
    shipped = phrasebook.WEIGHTS.read_bytes()
    assert json.loads(gzip.decompress(shipped))["phrasebook_sha256"] == phrasebook.digest(), (
        "phrasebook.csv changed: run python -m bot.flags.routing.phrasebook and commit the weights"
    )
    fitted, loaded = phrasebook.fit(), phrasebook.loaded()
    assert loaded is not None
    for text in ("invoice went to the wrong address", "export hangs forever", "would love to speak at the summit"):
        want, got = fitted.likelihoods(text), loaded.likelihoods(text)
        assert [got[c] for c in Category] == pytest.approx([want[c] for c in Category], abs=1e-5)


def test_without_the_weights_the_rules_route_alone(tmp_path, caplog):
    missing = tmp_path / "none.json.gz"
    with caplog.at_level(logging.WARNING):
        assert phrasebook.loaded(missing) is None
    assert "phrasebook weights unreadable" in caplog.text


def test_no_tend_process_needs_scikit_learn():
    """Reading flags with the phrasebook imports nothing of scikit-learn (~100 MB per process)."""
    code = (
        "import sys; from bot.flags.routing.classifier import classify; "
        "assert classify('the dashboard takes ages to open').category.value == 'support'; "
        "print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"

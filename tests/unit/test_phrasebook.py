"""The phrasebook: flags worded like a category's problems go there even when no rule names them; its
plain arithmetic gives what scikit-learn fitted; and without it the rules still route."""

from __future__ import annotations

import logging
import subprocess

import pytest

from bot.services import phrasebook
from bot.services.classifier import classify
from bot.vocab import Category


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


@pytest.fixture
def no_phrasebook(monkeypatch):
    def refuse(*args, **kwargs):
        raise subprocess.CalledProcessError(1, args[0], b"", b"ModuleNotFoundError: No module named 'sklearn'")

    phrasebook._fitted.cache_clear()
    monkeypatch.setattr(phrasebook.subprocess, "run", refuse)
    yield
    phrasebook._fitted.cache_clear()  # the next test fits it again


def test_without_the_phrasebook_the_rules_route_alone(no_phrasebook, caplog):
    with caplog.at_level(logging.WARNING):
        assert classify("invoice charged twice").category is Category.BILLING
        assert classify("the weekly export times out").category is Category.SUPPORT
        assert classify("their accountant wants copies of every statement from last year").category is Category.OTHER
    assert "phrasebook not fitted, routing by the rules alone" in caplog.text
    assert "No module named 'sklearn'" in caplog.text

"""The keyword classifier on a labelled set of real-world phrasings; accuracy is printed and must stay high."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from bot.flags.routing.classifier import classify
from bot.vocab import Category, Severity

CASES = list(csv.DictReader(Path(__file__).with_name("labelled_flags.csv").open(encoding="utf-8")))


def test_the_labelled_set_is_large_and_covers_every_category():
    assert len(CASES) >= 40
    assert set(Counter(case["category"] for case in CASES)) == {c.value for c in Category}


def test_the_rules_are_right_on_most_real_phrasings(capsys):
    wrong = [
        (c["text"], c["category"], classify(c["text"]).category.value)
        for c in CASES
        if classify(c["text"]).category.value != c["category"]
    ]
    accuracy = 1 - len(wrong) / len(CASES)
    with capsys.disabled():
        print(f"\nclassifier accuracy on {len(CASES)} labelled phrasings: {accuracy:.0%}")
        for text, expected, got in wrong:
            print(f"  miss: {text!r}: expected {expected}, got {got}")
    assert accuracy >= 0.9


def test_the_issue_examples_are_classified_right():
    examples = {
        "invoice charged twice": Category.BILLING,
        "can't log in": Category.SUPPORT,
        "500 error": Category.SUPPORT,
        "wants more seats": Category.SALES,
        "pricing for expansion": Category.SALES,
        "new admins need onboarding": Category.TRAINING,
        "wants to be a case study": Category.MARKETING,
        "angry tweet": Category.MARKETING,
        "CEO threatening to leave": Category.EXECUTIVE,
        "exec sponsor": Category.EXECUTIVE,
    }
    for text, category in examples.items():
        assert classify(text).category is category, text


def test_nothing_recognisable_goes_to_the_customer_success_team():
    result = classify("they seem a bit quiet lately")
    assert result.category is Category.OTHER and result.matched == ()


def test_the_words_make_a_flag_urgent():
    for text in (
        "URGENT production outage, all users down",
        "can't log in",
        "Data loss after the migration",
        "Security: a former employee still has access",
    ):
        assert classify(text).severity is Severity.URGENT, text
    for text in ("invoice charged twice", "wants more seats", "the export is slow"):
        assert classify(text).severity is Severity.NORMAL, text


def test_naming_a_team_is_not_what_happened():
    """Seen: "route to executive and ping @channel" routed to the executives."""
    for text in ("route to executive and ping @channel", "Please send this to billing", "forward to the sales team"):
        assert classify(text).category is Category.OTHER, text
    assert classify("send this to billing: they were charged twice").category is Category.BILLING


def test_symptoms_are_support_even_without_the_word_error():
    for text in (
        "export times out",
        "sync job is stuck",
        "locked out after too many attempts",
        "crashes on Android",
    ):
        assert classify(text).category is Category.SUPPORT, text


def test_other_languages_are_known_as_such():
    assert not classify("facture en double, le client demande un avoir").english
    assert not classify("請求書が二重になっています").english
    assert classify("they were double charged").english

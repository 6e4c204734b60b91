"""Accent folding and shortening, the basis of accent-insensitive search."""

from bot.text import fold, shorten


def test_fold_removes_case_accents_and_extra_spaces():
    assert fold("  Café   Zürich ") == "cafe zurich"
    assert fold("Ōtsuka Shōkai") == "otsuka shokai"
    assert fold("Straße Łódź Øresund Æther") == "strasse lodz oresund aether"
    assert fold("ＡＣＭＥ") == "acme"  # full-width letters


def test_shorten_adds_an_ellipsis_only_when_it_cuts():
    assert shorten("abc", 3) == "abc"
    assert shorten("abcdef", 4) == "abc…"

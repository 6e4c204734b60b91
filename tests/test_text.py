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


def test_articles_and_plurals_read_as_english():
    from bot.text import a_or_an, plural

    assert [a_or_an(w) for w in ("executive", "billing", "other", "upsell", "user", "support")] == [
        "an executive",
        "a billing",
        "an other",
        "an upsell",
        "a user",
        "a support",
    ]
    assert [plural(n, "valid row") for n in (0, 1, 2)] == ["0 valid rows", "1 valid row", "2 valid rows"]


def test_the_csm_hears_of_an_executive_problem_not_a_executive_one():
    from types import SimpleNamespace

    from bot.flags.messages import for_csm

    def told(category: str) -> str:
        flag = SimpleNamespace(id=7, category=category, reporter_name="Sam Rivera", summary=None, description="x")
        return for_csm(flag, SimpleNamespace(name="Acme"), None).text  # type: ignore[arg-type]

    assert told("executive").startswith("Sam Rivera flagged an executive problem on Acme (flag #7")
    assert told("billing").startswith("Sam Rivera flagged a billing problem on Acme")
    assert told("other").startswith("Sam Rivera flagged a problem on Acme")


def test_command_hints_read_as_typed_on_a_platform_without_slash_commands():
    from bot.messages import typed_hints

    text = "Try /tend flags or /account acme (/flag alone opens the form); see https://x.example/flag/12"
    assert typed_hints(text) == (
        "Try tend flags or account acme (flag alone opens the form); see https://x.example/flag/12"
    )

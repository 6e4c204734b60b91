"""Account search: exact, fuzzy, accent-insensitive, by domain; ambiguity and near misses."""

from __future__ import annotations

import pytest

from bot.accounts import catalog
from bot.accounts.catalog import search_accounts
from tests.factories import make_account

NAMES = {
    "Acme Corporation": "acme.example",
    "Café Zürich": "cafe-zuerich.example",
    "Ōtsuka Shōkai": "otsuka.example",
    "Northwind Traders": "northwind.example",
    "Globex Europe": "globex-eu.example",
    "Globex Americas": "globex-us.example",
    "Initech": None,
    "Umbrella Health": "umbrella.example",
}


@pytest.fixture
def accounts(session):
    made = {name: make_account(session, name, domain=domain).id for name, domain in NAMES.items()}
    session.commit()
    return made


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Acme Corporation", "Acme Corporation"),
        ("acm", "Acme Corporation"),
        ("ACME corp", "Acme Corporation"),
        ("cafe zurich", "Café Zürich"),
        ("CAFÉ ZÜRICH", "Café Zürich"),
        ("otsuka", "Ōtsuka Shōkai"),
        ("otsuka shokai", "Ōtsuka Shōkai"),
        ("northwind.example", "Northwind Traders"),
        ("https://www.northwind.example/", "Northwind Traders"),
        ("northwind", "Northwind Traders"),
        ("initec", "Initech"),
        ("umbrela", "Umbrella Health"),
    ],
)
def test_one_clear_match_is_found(session, accounts, query, name):
    result = search_accounts(session, query)
    assert result.kind == "found", result
    assert result.matches[0].name == name


def test_close_matches_are_offered_as_a_choice(session, accounts):
    result = search_accounts(session, "globex")
    assert result.kind == "ambiguous"
    assert sorted(m.name for m in result.matches) == ["Globex Americas", "Globex Europe"]


def test_two_accounts_with_the_same_name_are_a_choice_not_a_guess(session, accounts):
    make_account(session, "Initech", domain="initech-uk.example")
    session.commit()
    result = search_accounts(session, "initech")
    assert result.kind == "ambiguous" and len(result.matches) == 2


def test_a_near_miss_suggests_only_names_that_are_alike(session, accounts):
    near = search_accounts(session, "otska")  # alike, but not enough to be sure
    assert near.kind == "none" and [m.name for m in near.matches] == ["Ōtsuka Shōkai"]
    for nothing_like in ("zzqx", "zzzzzz", "xylophone"):  # seen: zzzzzz suggested Café Zürich, Acme, Ōtsuka
        assert search_accounts(session, nothing_like).matches == ()


@pytest.mark.parametrize(("query", "name"), [("inject", "Hypodermic Supplies"), ("zuerich", "Café Zürich")])
def test_a_word_of_the_domain_finds_the_account(session, accounts, query, name):
    make_account(session, "Hypodermic Supplies", domain="inject.example")
    session.commit()
    result = search_accounts(session, query)
    assert result.kind == "found" and result.matches[0].name == name


def test_empty_catalogue_and_empty_query_find_nothing(session):
    assert search_accounts(session, "acme").kind == "none"
    assert search_accounts(session, "   ").kind == "none"


def test_the_catalogue_notices_accounts_written_by_another_process(session, accounts):
    assert search_accounts(session, "hooli").kind == "none"
    make_account(session, "Hooli", domain="hooli.example")  # marks the catalogue changed, as an import does
    session.commit()
    assert search_accounts(session, "hooli").matches[0].name == "Hooli"


def test_large_catalogues_use_the_prefix_index_with_the_same_answers(session, accounts, monkeypatch):
    monkeypatch.setattr(catalog, "FULL_SCAN_UP_TO", 0)
    make_account(session, "Acumen Labs")
    session.commit()
    assert search_accounts(session, "acme corp").matches[0].name == "Acme Corporation"
    assert search_accounts(session, "globex").kind == "ambiguous"
    assert search_accounts(session, "xylophone").matches == ()
    assert search_accounts(session, "otska").matches[0].name == "Ōtsuka Shōkai"

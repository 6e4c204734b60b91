"""An account's status, asked privately or in a channel: the asker sees it, the channel never does."""

from __future__ import annotations

from tests.stories.company import MAYA, company
from tests.stories.driver import Driver, seen_with


def test_asked_privately_the_card_shows_the_accounts_status(driver: Driver):
    company(driver)
    driver.ask(MAYA, "account acme")
    card = seen_with(lambda: driver.private(MAYA), "ARR")
    assert "Acme Corporation" in card and "Maya Patel" in card and "120,000" in card and "72" in card
    assert "Flag a problem" in card.buttons


def test_asked_in_a_channel_only_the_asker_sees_the_data(driver: Driver):
    company(driver)
    driver.ask(MAYA, "account acme", channel="general")
    card = seen_with(lambda: driver.private(MAYA), "ARR")
    assert "120,000" in card
    assert not any("120,000" in post or "Acme" in post for post in driver.channel("general"))

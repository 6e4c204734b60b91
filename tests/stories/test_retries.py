"""The platform delivers a request again when it thinks the first was lost (Slack's retries, the Bot
Framework's redelivery): the flag is filed once, posted once, and its reporter told once."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Flag
from tests.stories.company import SAM, company
from tests.stories.driver import Driver, seen_with, settled


def test_the_same_request_delivered_three_times_files_one_flag_and_answers_once(driver: Driver):
    company(driver)
    driver.ask(SAM, "flag acme invoice was charged twice", times=3)
    seen_with(lambda: driver.channel("billing"), "invoice was charged twice")
    seen_with(lambda: driver.private(SAM), "Flag #1 filed")
    settled(driver)
    with driver.factory() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 1
    assert len(driver.channel("billing")) == 1
    assert len([m for m in driver.private(SAM) if "Flag #1 filed" in m]) == 1

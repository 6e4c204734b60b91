"""Someone from another organisation (Slack Connect, a Teams guest from another tenant) carrying an admin's
email gets a polite refusal and no data from commands, buttons or "Flag this message"; nothing is filed."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Flag
from tests.stories.company import ADA, MAYA, company
from tests.stories.driver import Driver, seen_with, waiting_for
from tests.stories.seen import Seen

REFUSED = "only available to full members"


def test_an_outsider_with_an_admins_email_gets_nothing(driver: Driver):
    company(driver)
    driver.join(ADA, "Not Ada", outsider=True)
    for n, command in enumerate(["account acme", "flag acme invoice charged twice", "tend admin outbox"], 1):
        driver.ask(ADA, command)
        waiting_for(lambda n=n: len([m for m in driver.private(ADA) if REFUSED in m]) >= n, f"refusal {n}")
    flagged = driver.flag_message(ADA, "Acme says their invoice was charged twice")
    assert isinstance(flagged, Seen) and REFUSED in flagged  # no form opens
    driver.ask(MAYA, "account acme")  # a member's card, whose button the outsider then presses
    card = seen_with(lambda: driver.private(MAYA), "ARR")
    pressed = driver.press(ADA, card, "Briefing")
    assert isinstance(pressed, Seen) and REFUSED in pressed
    said = "\n".join(m.text for m in driver.private(ADA))
    assert "120,000" not in said and "Acme Corporation" not in said and "outbox" not in said.lower()
    with driver.factory() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 0
    assert driver.channel("billing") == [] and driver.channel("customer-success") == []

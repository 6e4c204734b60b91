"""A manager's digest for a big team: one message in her own chat, within the platform's limits (the fakes
check Block Kit and the Adaptive Card schema and budget), with account names that ping no one."""

from __future__ import annotations

from bot.digests.build import send_due
from tests.factories import make_dropping_team
from tests.stories.driver import Driver

LENA = "lena@example.com"
HOSTILE = "<!channel> <at>Lena Lead</at> **Account**"


def test_a_500_account_digest_arrives_whole_enough_and_pings_no_one(driver: Driver):
    with driver.factory() as session:
        make_dropping_team(session, 500, HOSTILE, driver.now.date())
        session.commit()
    driver.join(LENA, "Lena Lead")
    with driver.factory() as session:
        send_due(session, driver.now, "UTC")
        session.commit()
    assert driver.deliver(driver.now) == 1
    [digest] = [m for m in driver.private(LENA) if "Health drops" in m]
    assert "Health drops (500)" in digest and "492 more" in digest
    assert f"{HOSTILE} 0" in digest  # shown as named, as text

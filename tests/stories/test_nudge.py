"""A nudge as a CSM meets it: one DM in her own chat, sent once even when the platform says "too many" first,
and Snooze from it: a form that refuses a past day beside the field, then snoozes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.models import NudgeEvent
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from tests.commands.nudges.scenario import seed
from tests.stories.company import MAYA
from tests.stories.driver import Driver, seen_with
from tests.stories.seen import Form


def nudged(driver: Driver) -> None:
    """Maya's Acme: no touch since September, its renewal near, a stale criterion; Maya uses Tend; the clock
    plans the nudge."""
    with driver.factory() as session:
        seed(session)
    driver.join(MAYA, "Maya Patel")
    with driver.factory() as session:
        plan(session, driver.now, driver.now.date())
        send_due(session, driver.now, "UTC")
        session.commit()


def nudges(driver: Driver) -> list:
    return [m for m in driver.private(MAYA) if "Log check-in" in m.buttons and "Snooze" in m.buttons]


def test_a_nudge_waits_out_a_429_and_arrives_once(driver: Driver):
    nudged(driver)
    driver.throttle_dms(MAYA, retry_after=30)
    assert driver.deliver(driver.now) == 0
    assert driver.deliver(driver.now + timedelta(seconds=29)) == 0  # Retry-After honoured
    assert driver.deliver(driver.now + timedelta(seconds=30)) == 1
    assert driver.deliver(driver.now + timedelta(hours=1)) == 0
    [nudge] = nudges(driver)
    assert "Acme Corporation" in nudge


def test_snooze_refuses_a_past_day_in_the_form_then_snoozes(driver: Driver):
    nudged(driver)
    assert driver.deliver(driver.now) == 1
    [nudge] = nudges(driver)
    form = driver.press(MAYA, nudge, "Snooze")
    assert isinstance(form, Form) and "for" in form.fields
    past = (driver.now.date() - timedelta(days=2)).isoformat()
    again = driver.submit(MAYA, form, {"for": "date", "until": past})
    assert again is not None and again.errors == {"until": f"Choose a day after today ({driver.now.date()})."}
    with driver.factory() as session:
        assert session.scalars(select(NudgeEvent).where(NudgeEvent.kind == "snoozed")).all() == []
    later = (driver.now.date() + timedelta(days=10)).isoformat()
    assert driver.submit(MAYA, again, {"for": "date", "until": later}) is None
    assert seen_with(lambda: driver.private(MAYA), "Snoozed")
    with driver.factory() as session:
        assert session.scalars(select(NudgeEvent).where(NudgeEvent.kind == "snoozed")).all()  # each of its reasons

"""A flag from first word to closed loop: Sam flags Acme's double charge, Billing's channel gets it, Maya (the
CSM) hears, Bea takes it and resolves it from the post, which is redrawn each time, and Sam hears the outcome."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Flag, Team, TeamMember
from tests.factories import make_person
from tests.stories.company import BEA, MAYA, SAM, company
from tests.stories.driver import Driver, seen_with
from tests.stories.seen import Form, Seen


def test_flag_take_and_resolve_close_the_loop(driver: Driver):
    company(driver)
    driver.ask(SAM, "flag acme invoice was charged twice")
    post = seen_with(lambda: driver.channel("billing"), "invoice was charged twice")
    assert "Flag #1: Acme Corporation" in post and "Sam Rivera" in post
    assert "120,000" not in post and list(post.buttons) == ["Take it", "Resolve", "Reassign", "Not ours"]
    assert seen_with(lambda: driver.private(SAM), "Flag #1 filed for Acme Corporation")
    assert seen_with(
        lambda: driver.private(MAYA), "Sam Rivera flagged a billing problem on Acme"
    )  # the account's CSM is told

    took = driver.press(BEA, post, "Take it")
    assert isinstance(took, Seen) and "You own flag #1 now" in took
    taken = seen_with(lambda: driver.channel("billing"), "Taken by Bea Biller")  # the same post, redrawn
    assert list(taken.buttons) == ["Resolve", "Reassign", "Not ours"]
    assert seen_with(lambda: driver.private(SAM), "Bea Biller took flag #1 and owns it now.")

    form = driver.press(BEA, taken, "Resolve")
    assert isinstance(form, Form) and "outcome" in form.fields
    again = driver.submit(BEA, form, {"outcome": "   "})
    assert again is not None and again.errors == {"outcome": "Say in a few words how it was resolved."}
    assert driver.submit(BEA, again, {"outcome": "Refunded the duplicate <!channel> charge"}) is None
    done = seen_with(lambda: driver.channel("billing"), "Resolved by Bea Biller")
    assert "Refunded the duplicate <!channel> charge" in done and done.buttons == {}
    assert seen_with(lambda: driver.private(SAM), "Outcome: Refunded the duplicate <!channel> charge")
    with driver.factory() as session:
        assert session.scalars(select(Flag.status)).one() == "resolved"


def test_a_second_taker_is_told_who_owns_it(driver: Driver):
    company(driver)
    with driver.factory() as session:  # a second biller
        jonas = make_person(session, "jonas@example.com", name="Jonas Weber", role="billing")
        session.add(
            TeamMember(team_id=session.scalars(select(Team.id).where(Team.name == "Billing")).one(), person_id=jonas.id)
        )
        session.commit()
    driver.join("jonas@example.com", "Jonas Weber")
    driver.ask(SAM, "flag acme invoice was charged twice")
    post = seen_with(lambda: driver.channel("billing"), "invoice was charged twice")
    assert "You own flag #1 now" in driver.press(BEA, post, "Take it")  # type: ignore[operator]
    second = driver.press("jonas@example.com", post, "Take it")
    assert isinstance(second, Seen) and "Bea Biller already took flag #1" in second

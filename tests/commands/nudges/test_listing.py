"""`/tend nudges` (`commands/nudges/listing.py`): what is due, when the next message comes, the same truth as Home."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from bot.messages import Section
from bot.models import Nudge, NudgeNotice
from commands.router import dispatch
from tests.commands.nudges.scenario import NOW, ctx, nudge_run, seed
from tests.factories import make_account, make_person


def test_tend_nudges_lists_what_is_due_and_when_the_next_message_comes(session):
    seed(session)  # the clock has not planned anything yet: /tend nudges is current anyway
    reply = dispatch(ctx(session, now=NOW.replace(hour=20)), "/tend", "nudges")
    session.commit()
    assert reply.text == "1 account could use a touch from you, most urgent first:"
    texts = [getattr(b, "text", "") for b in reply.blocks]
    assert "Acme Corporation\nrenews in 20 days, no touch for 84 days, success criterion" in ("\n".join(texts))
    assert texts[-1].endswith("Next: Wed 25 Nov, 09:00.")
    [dm] = nudge_run(session, NOW + timedelta(days=1))  # the next morning: the same nudges, in one DM, once
    assert dm.text.startswith("1 account could use a touch from you: Acme Corporation")
    assert nudge_run(session, NOW + timedelta(days=1, hours=1)) == []


def test_someone_who_owns_no_accounts_is_not_told_when_nudges_reach_them(session):
    seed(session)
    reply = dispatch(ctx(session, "sam@example.com"), "/tend", "nudges")
    assert reply.text.startswith("You own no accounts, so Tend has nothing to nudge you about")
    assert "Nudges reach you" not in str(reply.blocks)


def test_umbrella_nudge_home_and_nudges_list_tell_the_same_whole_truth(session):
    """Umbrella Health was due for its touch cadence only, but its renewal is overdue and its health low: the
    nudge, /tend nudges and the Home tab all say all of it, most urgent first, in the same words."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(
        session,
        "Umbrella Health",
        owner_id=maya.id,
        last_touch_date=date(2026, 10, 24),
        renewal_date=date(2026, 11, 18),
        health_score=35,
    )
    make_account(session, "Quiet Co", owner_id=maya.id, last_touch_date=date(2026, 10, 1), arr=1000)
    session.commit()
    dm = nudge_run(session)[0]
    assert set(session.scalars(select(Nudge.reason))) == {"no_touch"}  # the one reason that planned it
    truth = "Umbrella Health: renewal overdue by 6 days, health 35, no touch for 31 days"
    entries = [b.text.replace("\n", ": ") for b in dm.blocks if isinstance(b, Section)]
    assert entries[1:] == [truth, "Quiet Co: no touch for 54 days"]  # the most urgent first, whatever the ARR
    home = dispatch(ctx(session), "/tend", "home")
    assert f"• {truth}\n• Quiet Co: no touch for 54 days" in "\n".join(
        b.text for b in home.blocks if isinstance(b, Section)
    )
    session.execute(delete(NudgeNotice))  # as if not yet sent: /tend nudges lists it as due
    listed = dispatch(ctx(session), "/tend", "nudges")
    assert truth.replace(": ", "\n", 1) in "\n".join(b.text for b in listed.blocks if isinstance(b, Section))

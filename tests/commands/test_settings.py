"""`/tend settings` (`commands/settings.py`): working hours, days, time zone, where nudges go; and a
did-you-mean for what is mistyped."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from bot.models import Person
from bot.people import reach
from commands.router import dispatch
from tests.commands.nudges.scenario import NOW, ctx, seed
from tests.factories import make_identity


def test_settings_change_the_hours_days_and_time_zone(session):
    seed(session)
    reply = dispatch(ctx(session), "/tend", "settings hours 07:30-15:30")
    assert reply.text.startswith("Saved. Tend nudges you 07:30–15:30, Mon–Fri (UTC)")
    dispatch(ctx(session), "/tend", "settings days mon-thu")
    dispatch(ctx(session), "/tend", "settings timezone Asia/Tokyo")
    session.commit()
    maya = session.scalar(select(Person).where(Person.email == "maya@example.com"))
    assert (maya.work_start, maya.work_end, maya.work_days, maya.timezone) == (
        time(7, 30),
        time(15, 30),
        "1234",
        "Asia/Tokyo",
    )
    for bad, answer in (
        ("hours 17:00-09:00", "must end after it starts"),
        ("days funday", "Name your days"),
        ("timezone Mars/Olympus", "not a time zone I know"),
    ):
        assert answer in dispatch(ctx(session), "/tend", f"settings {bad}").text


def test_someone_on_slack_and_teams_chooses_where_their_nudges_go(session):
    seed(session)
    maya = session.scalar(select(Person).where(Person.email == "maya@example.com"))
    assert "nothing to choose from" in dispatch(ctx(session), "/tend", "settings chat teams").text  # seen nowhere
    make_identity(session, maya, "slack", NOW - timedelta(days=2))
    session.commit()
    assert "You use Tend on Slack only" in dispatch(ctx(session), "/tend", "settings chat teams").text
    make_identity(session, maya, "teams", NOW - timedelta(days=1))
    session.commit()
    assert "go to wherever you used Tend last" in dispatch(ctx(session), "/tend", "settings").text
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "teams"}
    assert "Your nudges and digests go to Slack." in dispatch(ctx(session), "/tend", "settings chat Slack").text
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "slack"}
    assert "Choose slack or teams" in dispatch(ctx(session), "/tend", "settings chat webex").text
    dispatch(ctx(session), "/tend", "settings chat last")
    assert reach.platforms_of(session, [maya.id]) == {maya.id: "teams"}


def test_mistyped_commands_settings_and_zones_get_a_did_you_mean(session):
    seed(session)
    me = ctx(session, "sam@example.com")
    setings = dispatch(me, "/tend", "setings")
    assert setings.text.startswith("I don't know “/tend setings”. Did you mean /tend settings?")
    assert "What Tend can do" not in setings.text  # not the whole help
    assert "Did you mean /account acme?" in dispatch(me, "/acount", "acme").text
    assert "What Tend can do" in dispatch(me, "/tend", "xyzzy").text  # nothing close: the help
    assert "There is no setting “tmezone”. Did you mean timezone?" in dispatch(me, "/tend", "settings tmezone x").text
    assert "Saved." in dispatch(me, "/tend", "settings timezone europe/berlin").text
    session.commit()
    assert session.scalar(select(Person.timezone).where(Person.email == "sam@example.com")) == "Europe/Berlin"
    assert "Did you mean Europe/Berlin?" in dispatch(me, "/tend", "settings timezone Europe/Berln").text

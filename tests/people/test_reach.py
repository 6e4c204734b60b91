"""Where people's messages go: the platform they chose, else the one Tend saw them on last, else the default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.gateway import ANY_PLATFORM, Target
from bot.people import reach
from tests.factories import make_identity, make_person, make_team

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_one_person_on_two_platforms_is_reached_where_they_were_last_unless_they_chose(session):
    maya, omar, new = (make_person(session, f"{n}@example.com") for n in ("maya", "omar", "new"))
    make_identity(session, maya, "slack", NOW - timedelta(days=3))
    make_identity(session, maya, "teams", NOW - timedelta(days=1))
    make_identity(session, omar, "teams", NOW)
    make_identity(session, omar, "slack", NOW - timedelta(days=1))
    omar.chat_platform = "slack"
    assert reach.platforms_of(session, [maya.id, omar.id, new.id]) == {
        maya.id: "teams",  # used last
        omar.id: "slack",  # chosen with /tend settings chat
        new.id: ANY_PLATFORM,  # never seen: the organisation's default platform
    }
    assert reach.person(session, maya.id, maya.email) == Target("teams", "person", "maya@example.com")


def test_a_team_is_reached_in_its_channel_on_each_platform(session):
    both = make_team(session, "Billing", "billing", teams_channel="19:abc@thread.tacv2")
    none = make_team(session, "Nowhere")
    assert reach.team_channels(session, [both.id, none.id]) == {
        both.id: [Target("slack", "channel", "billing"), Target("teams", "channel", "19:abc@thread.tacv2")],
        none.id: [],
    }

"""Where people's messages go: the platform they chose, else the one Tend saw them on last, else the default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

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


def test_a_platform_can_keep_what_it_needs_to_reach_someone_later(session):
    from bot.models import ChatIdentity
    from bot.people.actors import Access, remember_actor

    where = {"conversation_id": "a:1x", "service_url": "https://smba.example/teams/"}
    make_person(session, "lee@example.com")
    remember = dict(platform="teams", workspace_id="T", external_id="29:1", access=Access.MEMBER, display_name="Lee")
    remember_actor(session, **remember, email="lee@example.com", now=NOW, address=where)
    remember_actor(session, **remember, email="lee@example.com", now=NOW + timedelta(hours=1))  # not given: kept
    identity = session.scalars(select(ChatIdentity)).one()
    assert identity.address == where and identity.person_id is not None

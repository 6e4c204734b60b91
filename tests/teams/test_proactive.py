"""What Tend sends on its own reaches Teams people in their personal chat: a nudge to a CSM who uses Tend on
Teams, a chat opened for someone Tend has only seen in a channel, and a clear, permanent failure for someone
who never used Tend on Teams."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.delivery.deliverer import deliver_due
from bot.gateway import DeliveryError, Target
from bot.messages import Reply
from bot.models import ChatConversation, ChatIdentity, Notification
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from bot.platforms import gateways
from bot.teams import platform as teams_platform
from bot.teams.gateway import TeamsGateway
from tests.commands.nudges.scenario import seed
from tests.factories import make_person
from tests.teams.conftest import TeamsHarness, teams_settings
from tests.teams.test_messages import company

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
DIGEST_DAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # as the Slack digest story


def test_a_nudge_reaches_a_csm_in_her_personal_chat_on_teams(teams: TeamsHarness):
    with teams.factory() as session:
        seed(session)  # Maya's Acme: no touch since September, its renewal near, a stale criterion
    teams.fake.add_member("29:maya", "maya@example.com", name="Maya Patel")
    teams.post(teams.say("tend help"))  # she uses Tend on Teams: her personal chat is kept
    teams.wait(lambda: teams.fake.posted("a:maya-chat"))
    with teams.factory() as session:
        plan(session, TUESDAY, TUESDAY.date())
        send_due(session, TUESDAY, "UTC")
        session.commit()
        [row] = session.scalars(select(Notification).where(Notification.dedupe_key.like("nudge%"))).all()
        assert row.platform == "teams"
    out = gateways(teams_settings(teams.fake), teams.factory, [teams_platform.PLATFORM])
    assert deliver_due(teams.factory, out, TUESDAY).sent == 1
    nudge = teams.fake.posted("a:maya-chat")[-1]
    assert "Acme Corporation" in json.dumps(nudge) and "Log check-in" in json.dumps(nudge)


def test_someone_seen_only_in_a_channel_gets_a_personal_chat_opened_once(teams: TeamsHarness):
    with teams.factory() as session:
        lee = make_person(session, "lee@example.com", name="Lee")
        session.add(
            ChatIdentity(
                platform="teams",
                workspace_id="t",
                external_id="29:lee",
                person_id=lee.id,
                email=lee.email,
                display_name="Lee",
                access="member",
                checked_at=TUESDAY,
                address={"serviceUrl": teams.fake.service_url},
            )
        )
        session.commit()
    gateway = TeamsGateway(teams_settings(teams.fake), teams.factory)
    gateway.send(Target("teams", "person", "lee@example.com"), Reply("one"))
    gateway.send(Target("teams", "person", "lee@example.com"), Reply("two"))
    assert len([c for c in teams.fake.calls if c.path == "/v3/conversations"]) == 1
    assert len(teams.fake.posted("a:personal-29:lee")) == 2


def test_someone_who_never_used_tend_on_teams_is_a_permanent_failure_saying_what_to_do(teams: TeamsHarness):
    gateway = TeamsGateway(teams_settings(teams.fake), teams.factory)
    with pytest.raises(DeliveryError) as failed:
        gateway.send(Target("teams", "person", "new@example.com"), Reply("hi"))
    assert failed.value.permanent and "install Tend in Microsoft Teams for new@example.com" in failed.value.reason
    assert teams.fake.calls == []


def test_a_teams_channel_is_reached_through_the_connector_it_was_last_heard_from(teams: TeamsHarness):
    company(teams)
    teams.fake.add_member("29:bea", "bea@example.com", name="Bea Biller")
    teams.post(teams.say("flag acme invoice was charged twice", user="29:sam", conversation="a:sam-chat"))
    teams.wait(lambda: teams.fake.posted("19:billing@thread.tacv2"))
    [first] = [c for c in teams.fake.calls if c.path == "/v3/conversations/19:billing@thread.tacv2/activities"]
    assert first.region == ""  # never heard from: TEAMS_SERVICE_URL
    emea = teams.fake.service_url_in("emea")
    for n in (1, 2):  # someone writes in a thread of the channel, which Teams serves from its EMEA connector
        said = teams.say(
            "<at>Tend</at> tend help",
            user="29:bea",
            conversation=f"19:billing@thread.tacv2;messageid=17000000000{n}",
            kind="channel",
        )
        said["serviceUrl"] = emea
        said["channelData"]["channel"] = {"id": "19:billing@thread.tacv2"}
        assert teams.post(said) == 200
    teams.wait(lambda: len([c for c in teams.fake.calls if c.region == "emea" and c.method == "POST"]) >= 2)
    with teams.factory() as session:
        [kept] = session.scalars(select(ChatConversation)).all()
        assert (kept.external_id, kept.address) == ("19:billing@thread.tacv2", {"serviceUrl": emea})
    teams.post(teams.say("flag acme the card was declined", user="29:sam", conversation="a:sam-chat"))
    teams.wait(lambda: len(teams.fake.posted("19:billing@thread.tacv2")) == 2)
    second = [c for c in teams.fake.calls if c.path == "/v3/conversations/19:billing@thread.tacv2/activities"][-1]
    assert second.region == "emea" and "card was declined" in json.dumps(second.body)

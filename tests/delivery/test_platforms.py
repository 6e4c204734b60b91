"""Delivery knows the platform: each message goes out through its own platform's gateway, a rate limit holds
back only that platform's messages, and a post on several platforms is redrawn on each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import ANY_PLATFORM, DeliveryError, Gateways, Target
from bot.messages import Reply
from bot.models import Notification
from tests.fakes.gateway import RecordingGateway

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def two_platforms() -> tuple[Gateways, RecordingGateway, RecordingGateway]:
    slack, teams = RecordingGateway(platform="slack"), RecordingGateway(platform="teams")
    return Gateways({"slack": slack, "teams": teams}, default="slack"), slack, teams


def test_each_message_goes_out_on_its_own_platform(factory):
    gateways, slack, teams = two_platforms()
    with session_scope(factory) as session:
        outbox.enqueue(session, "a", Target("slack", "channel", "billing"), Reply("to slack"), NOW)
        outbox.enqueue(session, "b", Target("teams", "channel", "19:x@thread.tacv2"), Reply("to teams"), NOW)
        outbox.enqueue(session, "c", Target(ANY_PLATFORM, "person", "new@example.com"), Reply("to anyone"), NOW)
    assert deliver_due(factory, gateways, NOW).sent == 3
    assert [r.text for _t, r in slack.sent] == ["to slack", "to anyone"]  # never seen anywhere: the default
    assert [r.text for _t, r in teams.sent] == ["to teams"]


def test_a_slack_rate_limit_does_not_hold_back_teams(factory):
    gateways, slack, teams = two_platforms()
    slack.failures.append(DeliveryError("ratelimited", retry_after=30))
    with session_scope(factory) as session:
        for n in range(3):
            outbox.enqueue(session, f"s{n}", Target("slack", "channel", "billing"), Reply(f"slack {n}"), NOW)
            outbox.enqueue(session, f"t{n}", Target("teams", "channel", "19:x@thread.tacv2"), Reply(f"teams {n}"), NOW)
        outbox.enqueue(session, "any", Target(ANY_PLATFORM, "person", "new@example.com"), Reply("any"), NOW)
    report = deliver_due(factory, gateways, NOW)
    assert [r.text for _t, r in teams.sent] == ["teams 0", "teams 1", "teams 2"]
    assert slack.sent == [] and report.paused_until == NOW + timedelta(seconds=30)
    # Slack's pause holds Slack's messages, and those for the default platform (Slack), for every deliverer.
    assert deliver_due(factory, gateways, NOW + timedelta(seconds=29)).sent == 0
    assert deliver_due(factory, gateways, NOW + timedelta(seconds=30)).sent == 4
    assert sorted(r.text for _t, r in slack.sent) == ["any", "slack 0", "slack 1", "slack 2"]


def test_a_message_for_a_platform_not_configured_fails_for_good_saying_so(factory):
    gateways, _slack, _teams = two_platforms()
    with session_scope(factory) as session:
        outbox.enqueue(session, "w", Target("webex", "channel", "room"), Reply("hello"), NOW)
    assert deliver_due(factory, gateways, NOW).failed == 1
    with factory() as session:
        row = session.scalars(select(Notification)).one()
        assert (row.status, row.last_error) == ("failed", "webex is not configured here")


def test_a_post_on_two_platforms_is_redrawn_on_both(factory):
    gateways, slack, teams = two_platforms()
    places = [Target("slack", "channel", "billing"), Target("teams", "channel", "19:x@thread.tacv2")]
    with session_scope(factory) as session:
        outbox.post(session, "flag:1:team", places, Reply("Flag #1: open"), NOW)
    deliver_due(factory, gateways, NOW)
    with session_scope(factory) as session:
        assert outbox.update_post(session, "flag:1:e2:post", "flag:1:team", Reply("Flag #1: taken"), NOW) == 2
        assert outbox.update_post(session, "flag:9:e1:post", "flag:9:team", Reply("never posted"), NOW) == 0
    assert deliver_due(factory, gateways, NOW).sent == 2
    assert [(t.kind, r.text) for t, r in slack.sent] == [("channel", "Flag #1: open"), ("message", "Flag #1: taken")]
    assert [(t.kind, r.text) for t, r in teams.sent] == [("channel", "Flag #1: open"), ("message", "Flag #1: taken")]
    assert slack.sent[1][0].ref == "ref-1" and teams.sent[1][0].ref == "ref-1"  # each platform's own message


def test_a_post_queued_before_platforms_were_named_is_still_redrawn(factory):
    """Rows from before the upgrade carry the bare key (`flag:1:team`) and are Slack's."""
    gateways, slack, _teams = two_platforms()
    with session_scope(factory) as session:
        outbox.enqueue(session, "flag:1:team", Target("slack", "channel", "billing"), Reply("open"), NOW)
    deliver_due(factory, gateways, NOW)
    with session_scope(factory) as session:
        assert outbox.update_post(session, "flag:1:e2:post", "flag:1:team", Reply("taken"), NOW) == 1
    assert deliver_due(factory, gateways, NOW).sent == 1 and slack.sent[1][0].kind == "message"

"""Slack misbehaving while Tend delivers: a storm of 429s, server errors, cut connections, stalls. Every message
still arrives exactly once, and a Retry-After is honoured by every deliverer (no call before it passes)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import Target
from bot.messages import Reply
from bot.models import Notification
from bot.slack.app import make_gateway
from tests.processes import run_job, tend_env
from tests.slack.conftest import slack_settings

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MESSAGES = 20


def queue(factory) -> None:
    with session_scope(factory) as session:
        for n in range(MESSAGES):
            outbox.enqueue(
                session, f"reliability:{n}", Target("slack", "channel", "#support"), Reply(f"message {n}"), T0
            )


def posted_texts(fake) -> list[str]:
    return [call.params["text"] for call in fake.done("chat.postMessage")]


def test_a_429_storm_holds_every_deliverer_until_retry_after_then_each_message_goes_once(factory, fake_slack):
    queue(factory)
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=30, times=4)
    deliverers = [make_gateway(slack_settings(fake_slack)) for _ in range(2)]  # as if two processes
    calls_at: list[tuple[int, int]] = []  # (second of the simulated minute, calls made so far)
    for second in range(0, 180, 5):
        for gateway in deliverers:
            deliver_due(factory, gateway, T0 + timedelta(seconds=second))
        calls_at.append((second, len(fake_slack.calls_to("chat.postMessage"))))
    # Each 429 stops everyone for 30 seconds: exactly one call in each of the first four windows.
    assert [calls for second, calls in calls_at if second in (0, 25, 30, 55, 60, 85, 90)] == [1, 1, 2, 2, 3, 3, 4]
    assert sorted(posted_texts(fake_slack)) == sorted(f"message {n}" for n in range(MESSAGES))
    with factory() as session:
        assert set(session.scalars(select(Notification.status))) == {"sent"}
        assert max(session.scalars(select(Notification.attempts))) == 1  # waiting out a rate limit is no failure


def test_server_errors_and_cut_connections_are_retried_later_and_each_message_posted_once(factory, fake_slack):
    queue(factory)
    for status in (500, 502, 503, 504):
        fake_slack.fail("chat.postMessage", status=status, error=f"http_{status}")
    fake_slack.fail("chat.postMessage", reset=True, times=3)  # the client's one quick retry meets a cut too
    gateway = make_gateway(slack_settings(fake_slack))
    for minute in range(0, 60):
        deliver_due(factory, gateway, T0 + timedelta(minutes=minute))
    assert sorted(posted_texts(fake_slack)) == sorted(f"message {n}" for n in range(MESSAGES))
    with factory() as session:
        assert set(session.scalars(select(Notification.status))) == {"sent"}


def test_a_post_slack_answers_ten_seconds_late_counts_as_sent_and_is_not_posted_again(factory, fake_slack):
    queue(factory)
    fake_slack.stall("chat.postMessage", 10)  # posted at once, answered after 10 s
    gateway = make_gateway(slack_settings(fake_slack))
    for minute in range(0, 5):
        deliver_due(factory, gateway, T0 + timedelta(minutes=minute))
    deadline = time.monotonic() + 15
    while fake_slack.calls_to("chat.postMessage")[0].status is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the stalled post has been answered, whoever was still listening
    assert sorted(posted_texts(fake_slack)) == sorted(f"message {n}" for n in range(MESSAGES))  # once each
    with factory() as session:
        assert set(session.scalars(select(Notification.status))) == {"sent"}


def test_one_deliver_run_drains_a_queue_through_a_storm_of_short_rate_limits(engine, factory, fake_slack, tmp_path):
    """A fifth of the calls answered 429 with a 1-second Retry-After: one `python -m jobs run deliver`
    waits each one out and carries on, instead of sending a few messages a minute."""
    with session_scope(factory) as session:
        for n in range(20):
            outbox.enqueue(session, f"storm:{n}", Target("slack", "channel", "#support"), Reply(f"message {n}"), T0)
    fake_slack.rate_limit_every("chat.postMessage", 5, retry_after=1)
    env = tend_env(fake_slack, engine.url.render_as_string(hide_password=False))
    started = time.monotonic()
    said = run_job("deliver", T0.isoformat(), env, tmp_path)
    took = time.monotonic() - started
    assert sorted(posted_texts(fake_slack)) == sorted(f"message {n}" for n in range(20))  # all of them, once
    assert "20 sent" in said and "waited" in said
    assert len(fake_slack.calls_to("chat.postMessage")) == 24  # 4 answered 429, each followed by one wait
    assert 4 <= took < 20  # four 1-second waits, not four minutes of runs
    at = [call.at for call in fake_slack.calls_to("chat.postMessage")]
    limited = [n for n, call in enumerate(fake_slack.calls_to("chat.postMessage")) if call.status == 429]
    assert all(at[n + 1] - at[n] >= 0.9 for n in limited)  # Retry-After honoured every time

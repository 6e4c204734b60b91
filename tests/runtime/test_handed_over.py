"""What requests queue is delivered by the web process's delivery thread: all of it, however many requests
of a rush shared one run, with no later request to ask again for what a run left."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import session_scope
from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import Reply
from bot.runtime.requests import HANDED_OVER, Answer, Runtime, hand_over
from tests.fakes.gateway import RecordingGateway
from tests.slack.conftest import NOW


def test_a_rush_bigger_than_one_run_is_delivered_whole_from_one_hand_over(factory):
    gateway = RecordingGateway(side_by_side=True)
    runtime = Runtime(
        platform="slack", settings=Settings(), session_factory=factory, clock=FixedClock(NOW), gateway=gateway
    )
    queued = 2 * HANDED_OVER + 50  # the messages of a rush, all in the outbox when the last request hands over
    with session_scope(factory) as session:
        for n in range(queued):
            target = Target("slack", "person", f"csm{n % 40}@example.com")
            outbox.enqueue(session, f"rush:{n}", target, Reply(f"message {n}"), NOW)
    hand_over(runtime, Answer(Reply("Flag filed"), queued=True))
    runtime.shutdown()  # returns once the delivery thread is done
    assert len(gateway.sent) == queued
    assert [r.text for r in gateway.to("person", "csm7@example.com")] == [
        f"message {n}" for n in range(7, queued, 40)
    ]  # each person's in the order queued

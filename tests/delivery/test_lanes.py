"""One delivery run sends to different conversations side by side, so a flag's team post and DM each wait for
one platform call, not for each other; one conversation's messages still arrive in the order queued, and a
rate limit met by one conversation stops every other from calling that platform."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import DeliveryError, Target
from bot.messages import Reply
from tests.fakes.gateway import RecordingGateway

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CALL = 0.2  # seconds each platform call takes, as a Slack call does


@dataclass
class SlowGateway(RecordingGateway):
    """Takes CALL seconds a send, as Slack does, and remembers how many sends were under way at once."""

    side_by_side: bool = True
    under_way: int = 0
    most_at_once: int = 0
    _count: threading.Lock = field(default_factory=threading.Lock)

    def send(self, target: Target, reply: Reply) -> str:
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure:  # a refusal comes back at once, while the other calls are still under way
            raise failure
        with self._count:
            self.under_way += 1
            self.most_at_once = max(self.most_at_once, self.under_way)
        try:
            time.sleep(CALL)
            return super().send(target, reply)
        finally:
            with self._count:
                self.under_way -= 1


def queue(factory, places: dict[str, int]) -> None:
    with session_scope(factory) as session:
        for channel, count in places.items():
            for n in range(count):
                outbox.enqueue(
                    session, f"{channel}:{n}", Target("slack", "channel", channel), Reply(f"{channel} {n}"), NOW
                )


def test_messages_for_different_conversations_go_out_at_once(factory):
    gateway = SlowGateway()
    queue(factory, {"billing": 1, "alice": 1, "bob": 1, "carol": 1})
    started = time.monotonic()
    assert deliver_due(factory, gateway, NOW).sent == 4
    took = time.monotonic() - started
    assert gateway.most_at_once == 4
    assert took < 3 * CALL, f"four conversations took {took:.2f} s: one after another would take {4 * CALL} s"


def test_one_conversations_messages_arrive_in_the_order_queued(factory):
    gateway = SlowGateway()
    queue(factory, {"billing": 4, "alice": 4})
    assert deliver_due(factory, gateway, NOW).sent == 8
    assert [r.text for r in gateway.to("channel", "billing")] == [f"billing {n}" for n in range(4)]
    assert [r.text for r in gateway.to("channel", "alice")] == [f"alice {n}" for n in range(4)]
    assert gateway.most_at_once == 2  # the two channels side by side, never two sends to one channel


def test_a_platform_that_does_not_take_calls_at_once_gets_them_in_the_order_queued(factory):
    gateway = SlowGateway(side_by_side=False)
    queue(factory, {"billing": 2, "alice": 2})
    deliver_due(factory, gateway, NOW)
    assert gateway.most_at_once == 1
    assert [r.text for _t, r in gateway.sent] == ["billing 0", "billing 1", "alice 0", "alice 1"]


def test_a_rate_limit_in_one_conversation_stops_the_others_calling_that_platform(factory):
    gateway = SlowGateway()
    gateway.failures.append(DeliveryError("ratelimited", retry_after=30))
    queue(factory, {"billing": 3, "alice": 3, "bob": 3})
    report = deliver_due(factory, gateway, NOW)
    # One call met the limit; any of the other two lanes' first calls already under way finish, and no lane
    # starts another call.
    assert report.paused_until is not None
    assert report.sent <= 2
    assert len(gateway.sent) == report.sent
    later = deliver_due(factory, gateway, report.paused_until)
    assert report.sent + later.sent == 9
    for channel in ("billing", "alice", "bob"):
        assert [r.text for r in gateway.to("channel", channel)] == [f"{channel} {n}" for n in range(3)]

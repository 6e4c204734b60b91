"""The outbox: recorded once, claimed by one deliverer at a time, retried after failures, sent exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import DeliveryError, Target
from bot.messages import Reply
from bot.models import Notification
from tests.fakes.gateway import RecordingGateway

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def queue(factory, count: int, prefix: str = "m") -> None:
    with session_scope(factory) as session:
        for n in range(count):
            outbox.enqueue(session, f"{prefix}{n}", Target("slack", "channel", "#billing"), Reply(f"message {n}"), NOW)


def statuses(factory) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Notification.status).order_by(Notification.id)))


def test_enqueueing_the_same_key_twice_records_one_message(factory):
    with session_scope(factory) as session:
        assert outbox.enqueue(session, "k", Target("slack", "channel", "#x"), Reply("a"), NOW) is True
        assert outbox.enqueue(session, "k", Target("slack", "channel", "#x"), Reply("b"), NOW) is False
    assert statuses(factory) == ["pending"]


def test_delivery_sends_each_message_once_however_often_it_runs(factory):
    queue(factory, 3)
    gateway = RecordingGateway()
    assert str(deliver_due(factory, gateway, NOW)) == "3 sent, 0 to retry, 0 failed"
    assert deliver_due(factory, gateway, NOW + timedelta(hours=1)).sent == 0
    assert [reply.text for _t, reply in gateway.sent] == ["message 0", "message 1", "message 2"]
    assert statuses(factory) == ["sent"] * 3


def test_a_rate_limited_message_waits_for_retry_after_then_goes_once(factory):
    queue(factory, 1)
    gateway = RecordingGateway(failures=[DeliveryError("ratelimited", retry_after=30)])
    assert deliver_due(factory, gateway, NOW).retrying == 1
    assert deliver_due(factory, gateway, NOW + timedelta(seconds=29)).sent == 0  # not before Retry-After
    assert deliver_due(factory, gateway, NOW + timedelta(seconds=30)).sent == 1
    assert len(gateway.sent) == 1


def test_server_errors_back_off_and_permanent_errors_stop(factory):
    queue(factory, 2)
    gateway = RecordingGateway(
        failures=[DeliveryError("internal_error"), DeliveryError("channel_not_found", permanent=True)]
    )
    report = deliver_due(factory, gateway, NOW)
    assert (report.retrying, report.failed) == (1, 1)
    with factory() as session:
        failed = session.scalars(select(Notification).where(Notification.status == "failed")).one()
        assert failed.last_error == "channel_not_found"
    assert deliver_due(factory, gateway, NOW + timedelta(seconds=4)).sent == 0
    assert deliver_due(factory, gateway, NOW + timedelta(seconds=5)).sent == 1
    assert deliver_due(factory, gateway, NOW + timedelta(days=1)).sent == 0  # the failed one stays failed


def test_a_deliverer_that_died_mid_send_is_taken_over_after_its_lease(factory):
    queue(factory, 1)
    with session_scope(factory) as session:
        assert len(outbox.claim_due(session, NOW)) == 1  # claimed, then the process died
    gateway = RecordingGateway()
    assert deliver_due(factory, gateway, NOW + timedelta(seconds=60)).sent == 0  # still leased
    assert deliver_due(factory, gateway, NOW + outbox.LEASE + timedelta(seconds=1)).sent == 1


def test_a_crash_between_commit_and_send_loses_nothing(factory):
    queue(factory, 2)  # committed by the request; the process died before delivering
    gateway = RecordingGateway()  # a fresh process
    assert deliver_due(factory, gateway, NOW).sent == 2
    assert deliver_due(factory, gateway, NOW).sent == 0


def test_two_deliverers_at_once_never_send_a_message_twice(factory):
    queue(factory, 120)
    gateway = RecordingGateway()
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        deliver_due(factory, gateway, NOW)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    texts = [reply.text for _t, reply in gateway.sent]
    assert len(texts) == 120 and len(set(texts)) == 120
    assert statuses(factory) == ["sent"] * 120

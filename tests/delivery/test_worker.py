"""The long-lived deliverer: a message is sent within a second of the transaction that queued it (woken by
PostgreSQL's NOTIFY, or by a short poll on SQLite, never by the clock's minute), a later retry when it falls
due, each message once however many deliverers run, and a stop is prompt."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.worker import Deliverer
from bot.gateway import Target
from bot.messages import Reply
from tests.fakes.gateway import RecordingGateway
from tests.stories.driver import waiting_for

BILLING = Target("slack", "channel", "#billing")


@contextmanager
def running(engine, factory, gateway: RecordingGateway, count: int = 1) -> Iterator[list[Deliverer]]:
    """`count` deliverers, each on its own thread, idle (one look done) before the test goes on."""
    deliverers = [Deliverer(factory, engine, gateway) for _ in range(count)]
    threads = [threading.Thread(target=d.run, daemon=True) for d in deliverers]
    for thread in threads:
        thread.start()
    waiting_for(lambda: all(d.looks for d in deliverers), "the deliverers' first look")
    time.sleep(0.1)  # each is waiting now
    try:
        yield deliverers
    finally:
        for deliverer in deliverers:
            deliverer.stop()
        for thread in threads:
            thread.join(timeout=5)
            assert not thread.is_alive(), "a deliverer did not stop"


def queue(factory, count: int, when: datetime | None = None, prefix: str = "m") -> None:
    with session_scope(factory) as session:
        for n in range(count):
            outbox.enqueue(session, f"{prefix}{n}", BILLING, Reply(f"message {n}"), when or datetime.now(UTC))


def test_a_queued_message_goes_out_within_a_second_of_its_commit(engine, factory):
    gateway = RecordingGateway()
    with running(engine, factory, gateway):
        for attempt in range(3):  # each wakes an idle deliverer (on PostgreSQL it would sleep 30 s otherwise)
            started = time.monotonic()
            queue(factory, 1, prefix=f"post{attempt}-")
            waiting_for(lambda n=attempt: len(gateway.sent) > n, "the post", seconds=5)
            assert time.monotonic() - started < 1.0
    assert [reply.text for _, reply in gateway.sent] == ["message 0"] * 3


def test_a_message_due_later_goes_out_when_it_falls_due_without_anyone_waking_the_deliverer(engine, factory):
    gateway = RecordingGateway()
    with running(engine, factory, gateway):
        started = time.monotonic()
        queue(factory, 1, when=datetime.now(UTC) + timedelta(seconds=1.5))  # a retry's next attempt, say
        waiting_for(lambda: gateway.sent, "the retry", seconds=5)
        assert 1.3 < time.monotonic() - started < 2.5


def test_two_deliverers_send_every_message_exactly_once(engine, factory):
    gateway = RecordingGateway()
    with running(engine, factory, gateway, count=2):
        queue(factory, 300)
        waiting_for(lambda: len(gateway.sent) >= 300, "every message", seconds=20)
        time.sleep(0.5)  # anything sent twice would have been sent by now
    assert sorted(reply.text for _, reply in gateway.sent) == sorted(f"message {n}" for n in range(300))


def test_stopping_an_idle_deliverer_is_prompt(engine, factory):
    deliverer = Deliverer(factory, engine, RecordingGateway())
    thread = threading.Thread(target=deliverer.run, daemon=True)
    thread.start()
    waiting_for(lambda: deliverer.looks, "the first look")
    time.sleep(0.2)
    started = time.monotonic()
    deliverer.stop()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 1.0

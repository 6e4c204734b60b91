"""The inbox hands each request to exactly one process, however long it waited in a queue."""

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import session_scope
from bot.models import InboundRequest
from bot.runtime import inbox, recording
from bot.runtime.recording import InboxWriter

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _record(factory, key: str = "command:T1") -> int:
    with session_scope(factory) as session:
        request_id = inbox.record_many(session, "slack", [(key, "command", {"body": {"text": "acme"}})], NOW).get(key)
    assert request_id
    return request_id


def test_a_retry_of_a_recorded_request_is_dropped(factory):
    _record(factory)
    with session_scope(factory) as session:
        assert inbox.record_many(session, "slack", [("command:T1", "command", {"body": {}})], NOW) == {}


def test_the_process_that_recorded_a_request_works_on_it_even_after_a_long_queue(factory):
    request_id = _record(factory)
    with session_scope(factory) as session:
        taken = inbox.take(session, request_id, NOW + timedelta(minutes=5), waited=timedelta(minutes=5))
    assert taken is not None and taken.payload["body"]["text"] == "acme"
    with session_scope(factory) as session:  # its claim was renewed: the requests job leaves it alone
        assert inbox.claim_stranded(session, "slack", NOW + timedelta(minutes=6)) == []


def test_a_key_twice_in_one_batch_is_recorded_once(factory):
    with session_scope(factory) as session:
        added = inbox.record_many(
            session, "slack", [("k", "command", {}), ("k", "command", {}), ("j", "view", {})], NOW
        )
    assert sorted(added) == ["j", "k"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(InboundRequest)) == 2


def test_a_request_started_soon_after_its_recording_is_only_read(factory):
    request_id = _record(factory)
    with session_scope(factory) as session:
        claimed = session.scalar(select(InboundRequest.claimed_until))
        taken = inbox.take(session, request_id, NOW + timedelta(seconds=2), waited=timedelta(seconds=2))
    assert taken is not None and taken.kind == "command"
    with factory() as session:  # no write: the claim it was recorded with still stands
        assert session.scalar(select(InboundRequest.claimed_until)) == claimed


def test_a_request_taken_over_while_it_queued_is_not_worked_on_twice(factory):
    request_id = _record(factory)
    with session_scope(factory) as session:
        [stranded] = inbox.claim_stranded(session, "slack", NOW + timedelta(minutes=3))
    assert stranded.id == request_id
    with session_scope(factory) as session:
        assert inbox.take(session, request_id, NOW + timedelta(minutes=3), waited=timedelta(minutes=3)) is None


def test_a_finished_request_is_not_taken_again(factory):
    request_id = _record(factory)
    with session_scope(factory) as session:
        inbox.finish(session, request_id, NOW)
    with session_scope(factory) as session:
        assert inbox.take(session, request_id, NOW) is None


def test_an_answered_request_is_marked_done_even_while_the_inbox_is_busy_for_seconds(factory, monkeypatch):
    """Under a rush every write waits its turn for SQLite's one lock: marking an answered request done waits
    too, instead of giving up and leaving it for the `requests` job to answer a second time."""
    monkeypatch.setattr(recording, "LOCK_WAIT", 0.2)  # what a record within an ack's budget may wait
    writer = InboxWriter(factory, FixedClock(NOW), "slack")
    request_id = _record(factory)
    busy = writer._sqlite_writes or threading.Lock()  # PostgreSQL has no such lock: nothing to wait for
    busy.acquire()
    threading.Timer(0.5, busy.release).start()  # a batch of records holding the lock longer than LOCK_WAIT
    started = time.monotonic()
    writer.finish(request_id)
    assert writer._sqlite_writes is None or time.monotonic() - started >= 0.4
    with session_scope(factory) as session:
        assert inbox.take(session, request_id, NOW + timedelta(hours=1)) is None
        assert inbox.claim_stranded(session, "slack", NOW + timedelta(hours=1)) == []

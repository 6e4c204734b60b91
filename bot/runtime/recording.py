"""Recording chat requests in the inbox within an ack's deadline, for any platform.

A platform's listener hands each request to the process's one `InboxWriter` and waits for its `Recording`:
either the request is committed (then the platform may say "got it") or the person is told to try again, and
then no row is ever worked on. The writer batches whatever arrives while it writes into one transaction (one
commit, one WAL flush on PostgreSQL), so a burst of acks neither queues behind each other's commits nor
collides on SQLite's single write lock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot.clock import Clock
from bot.db import SQLITE_BUSY_TIMEOUT_MS, SessionFactory, engine_of, lock_wait_at_most
from bot.runtime import inbox

log = logging.getLogger(__name__)

# Slack wants its answer within 3 seconds (Teams allows about 15). An ack waits RECORD_BUDGET for its record;
# a record whose commit is under way by then gets COMMIT_GRACE more. A write gives up on a lock after
# LOCK_WAIT, so a locked database is reported a little before the budget runs out.
RECORD_BUDGET = 1.8
COMMIT_GRACE = 0.4
LOCK_WAIT = 1.5
# A finished mark has no deadline (the person has their answer): it waits its turn as long as SQLite lets any
# statement wait. Giving up after LOCK_WAIT, under a rush of writes, left an answered request unfinished: the
# `requests` job then worked it again and the person was answered twice.
FINISH_WAIT = SQLITE_BUSY_TIMEOUT_MS / 1000
BATCH = 100  # records written in one transaction at most


class Outcome(Enum):
    WAITING = "waiting"
    COMMITTING = "committing"
    RECORDED = "recorded"
    REPEAT = "repeat"  # a retry of a request recorded before: acknowledged, not worked on again
    FAILED = "failed"  # the database refused or timed out
    ABANDONED = "abandoned"  # the ack's budget ran out before the write began: it is never written
    IN_DOUBT = "in doubt"  # the budget ran out during the write: if it lands, the row is set aside


@dataclass
class Recording:
    """One request on its way into the inbox, shared by the ack (which waits for it, within a budget) and
    the writer. Either the ack says "got it" and the row is committed, or the person is told to try again
    and no row is ever worked on."""

    key: str
    kind: str
    payload: dict[str, Any]
    request_id: int | None = None
    _state: Outcome = Outcome.WAITING
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def wait(self, budget: float = RECORD_BUDGET, grace: float = COMMIT_GRACE) -> Outcome:
        deadline, extended = time.monotonic() + budget, False
        with self._changed:
            while self._state in (Outcome.WAITING, Outcome.COMMITTING):
                left = deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                elif self._state is Outcome.WAITING:
                    self._state = Outcome.ABANDONED
                elif not extended:
                    deadline, extended = deadline + grace, True
                else:
                    self._state = Outcome.IN_DOUBT
            return self._state

    def may_commit(self) -> bool:
        """Called by the writer as it starts writing this record: False when the ack has given up already."""
        with self._changed:
            if self._state is not Outcome.WAITING:
                return False
            self._state = Outcome.COMMITTING
            return True

    def settle(self, outcome: Outcome) -> Outcome:
        """The writer's result; returns what the ack made of it (IN_DOUBT if it gave up meanwhile)."""
        with self._changed:
            if self._state in (Outcome.WAITING, Outcome.COMMITTING):
                self._state = outcome
                self._changed.notify_all()
            return self._state


class InboxWriter:
    """The inbox's writer in one process: records (batched, on its own thread) and finished marks (from the
    work threads, one at a time with the records on SQLite, which has one write lock for everyone)."""

    def __init__(self, factory: SessionFactory, clock: Clock, platform: str) -> None:
        self._factory = factory
        self._clock = clock
        self._platform = platform
        self._pending: list[Recording] = []
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        engine = engine_of(factory)
        self._sqlite_writes = threading.Lock() if engine.dialect.name == "sqlite" else None

    def record(self, key: str, kind: str, payload: dict[str, Any]) -> Recording:
        """Queue a request for the next batch; the caller waits for the returned Recording."""
        recording = Recording(key[:200], kind, payload)
        with self._changed:
            self._pending.append(recording)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"tend-inbox-{self._platform}", daemon=True)
                self._thread.start()
            self._changed.notify()
        return recording

    def finish(self, request_id: int) -> None:
        """Mark a request done (its person has their answer)."""
        with self.writing(FINISH_WAIT), engine_of(self._factory).begin() as connection:
            inbox.finish(connection, request_id, self._clock.now())

    @contextmanager
    def writing(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """On SQLite, one inbox write at a time in this process (a record batch, a finished mark, or an
        answer worked out inside its ack with its record): they queue here, in order, instead of colliding on
        the database's lock and backing off in SQLite's coarse sleeps (1, 2, 5, 10… ms). TimeoutError when
        the lock is not had within `wait` seconds."""
        lock = self._sqlite_writes
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=wait):
            raise TimeoutError("the inbox's writer lock was held too long")
        try:
            yield
        finally:
            lock.release()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                self._write(batch)
            except Exception:  # never lose the thread (a failed write has settled its records as failed)
                log.exception("the inbox writer failed after a batch")

    def _write(self, batch: list[Recording]) -> None:
        batch = [recording for recording in batch if recording.may_commit()]
        if not batch:
            return
        now = self._clock.now()
        try:
            with (
                self.writing(),
                engine_of(self._factory).connect() as connection,
                connection.begin(),
                lock_wait_at_most(connection, LOCK_WAIT),
            ):
                added = inbox.record_many(connection, self._platform, [(r.key, r.kind, r.payload) for r in batch], now)
        except Exception as error:  # locked or down (DBAPIError), no pooled connection in time, the lock above
            cause = error.orig if isinstance(error, DBAPIError) else error
            log.warning("could not record %d request(s): %s", len(batch), type(cause).__name__)
            for recording in batch:
                recording.settle(Outcome.FAILED)
            return
        set_aside: list[int] = []
        for recording in batch:
            recording.request_id = added.pop(recording.key, None)  # a key twice in one batch: the first is new
            outcome = recording.settle(Outcome.RECORDED if recording.request_id else Outcome.REPEAT)
            if outcome is Outcome.REPEAT:
                log.info("dropped a repeat of %s request %s (a retry)", self._platform, recording.key)
            elif outcome is Outcome.IN_DOUBT and recording.request_id:
                set_aside.append(recording.request_id)
        if set_aside:
            with self.writing(FINISH_WAIT), engine_of(self._factory).begin() as connection:
                inbox.set_aside(connection, set_aside, self._clock.now(), "not acknowledged: told to try again")

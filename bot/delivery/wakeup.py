"""How a long-lived deliverer hears that there is something to send. On PostgreSQL the transaction that
queues a message also sends a NOTIFY, which reaches the listeners when it commits (never if it rolls back),
and each deliverer LISTENs; SQLite has nothing of the kind, so there a deliverer polls the outbox every POLL
seconds (one read of an indexed column). Either way a deliverer also wakes by itself when the next retry
falls due (`bot.delivery.worker`)."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

CHANNEL = "tend_outbox"
POLL = 0.25  # seconds between looks at the outbox where the database cannot notify (SQLite)
_PENDING = "tend.outbox.notify"  # in session.info: this transaction queued messages, NOTIFY when it commits
_NOTIFY = text("SELECT pg_notify(:channel, '')")


def note_queued(session: Session) -> None:
    """Called by the outbox for every message queued: the listeners hear of it once the transaction commits."""
    session.info[_PENDING] = True


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    """Registered once for every session: one NOTIFY per transaction that queued anything (PostgreSQL)."""
    if session.info.pop(_PENDING, False) and session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, {"channel": CHANNEL})


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Waiter(Protocol):
    def wait(self, seconds: float) -> None:
        """Return when something may have been queued, when woken, or after `seconds` at most."""
        ...

    def wake(self) -> None:
        """Make `wait` return now (from another thread: a deliverer being stopped)."""
        ...

    def close(self) -> None: ...


class Polling:
    """SQLite's way: wait POLL seconds at most, then look again."""

    def __init__(self, every: float = POLL) -> None:
        self.every = every
        self._woken = threading.Event()

    def wait(self, seconds: float) -> None:
        self._woken.wait(min(seconds, self.every))
        self._woken.clear()

    def wake(self) -> None:
        self._woken.set()

    def close(self) -> None:
        """Nothing to let go of."""


class Listening:
    """PostgreSQL's way: LISTEN on a connection of its own (taken out of the engine's pool, with the same
    connect arguments), and wait for a notification."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        raw = engine.raw_connection()
        connection: Any = raw.driver_connection
        raw.detach()  # ours until closed: a listening connection must not go back to the pool
        self._connection = connection
        self._connection.rollback()
        self._connection.autocommit = True
        self._connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, seconds: float) -> None:
        for _ in self._connection.notifies(timeout=max(seconds, 0.0), stop_after=1):
            pass

    def wake(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(_NOTIFY, {"channel": CHANNEL})

    def close(self) -> None:
        self._connection.close()


def waiter_for(engine: Engine) -> Waiter:
    return Listening(engine) if engine.dialect.name == "postgresql" else Polling()

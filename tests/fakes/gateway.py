"""A ChatGateway that records what it was asked to send, and can be told to fail; and sending a test's
whole outbox through one."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.db import make_session_factory
from bot.delivery.deliverer import deliver_due
from bot.gateway import DeliveryError, Target
from bot.messages import Reply


@dataclass
class RecordingGateway:
    platform: str = "slack"
    side_by_side: bool = False  # in the order queued, unless a test asks for conversations at once
    sent: list[tuple[Target, Reply]] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)  # raised, in order, before sending succeeds
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, target: Target, reply: Reply) -> str:
        with self._lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((target, reply))
            return f"ref-{len(self.sent)}"

    def to(self, kind: str, ref: str) -> list[Reply]:
        return [reply for target, reply in self.sent if (target.kind, target.ref) == (kind, ref)]


LATER = datetime(2100, 1, 1, tzinfo=UTC)  # a delivery time by which everything queued is due


def deliver_all(session: Session, now: datetime = LATER) -> list[tuple[Target, Reply]]:
    """Commit `session`, then send everything its database's outbox holds as the deliverer does (recipes
    written out, their nudges told) through a recording gateway: what was sent, in order."""
    session.commit()
    gateway = RecordingGateway()
    deliver_due(make_session_factory(session.get_bind()), gateway, now, limit=100_000)
    session.expire_all()
    return gateway.sent

"""A ChatGateway that records what it was asked to send, and can be told to fail."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bot.gateway import DeliveryError, Target
from bot.messages import Reply


@dataclass
class RecordingGateway:
    platform: str = "slack"
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

"""How the core sends messages without knowing the chat platform: a target, a neutral reply, a gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Reply


@dataclass(frozen=True)
class Target:
    """Where a message goes. `channel`: a team channel (name or id); `person`: someone by email;
    `chat_user`: a platform user id (for people who are not in the people list)."""

    kind: str
    ref: str


class DeliveryError(Exception):
    """A send that failed. Temporary failures are retried (after `retry_after` seconds when the platform
    said so); permanent ones (no such channel, not invited, archived) are recorded and not retried."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class ChatGateway(Protocol):
    def send(self, target: Target, reply: Reply) -> str:
        """Deliver `reply` to `target`; return the platform's reference to the message. Raise DeliveryError."""
        ...

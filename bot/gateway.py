"""How the core sends messages without knowing the chat platform: a target, a neutral reply, a gateway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.messages import Reply

ANY_PLATFORM = ""  # a person Tend has never seen on any platform: reached on the organisation's default one


@dataclass(frozen=True)
class Target:
    """Where a message goes, on which platform. `channel`: a team's channel there (name or id); `person`:
    someone by email; `chat_user`: a platform user id (for people who are not in the people list); `message`:
    an earlier message (its outbox key) to redraw in place."""

    platform: str  # "slack", "teams"… or ANY_PLATFORM
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
    @property
    def platform(self) -> str:
        """The platform this gateway sends on; a message for ANY_PLATFORM goes out there."""
        ...

    @property
    def side_by_side(self) -> bool:
        """Whether it may send to several conversations at once (from several threads)."""
        ...

    def send(self, target: Target, reply: Reply) -> str:
        """Deliver `reply` to `target`; return the platform's reference to the message. Raise DeliveryError."""
        ...


class Gateways:
    """Every configured platform's gateway behind one: each message goes out through its own platform's, and a
    message for a platform that is not configured here fails for good (and shows in `/tend admin outbox`)."""

    def __init__(self, by_platform: Mapping[str, ChatGateway], default: str) -> None:
        self.by_platform = dict(by_platform)
        self.platform = default  # where ANY_PLATFORM goes: the first configured platform
        self.side_by_side = all(gateway.side_by_side for gateway in self.by_platform.values())

    def send(self, target: Target, reply: Reply) -> str:
        gateway = self.by_platform.get(target.platform or self.platform)
        if gateway is None:
            raise DeliveryError(f"{target.platform} is not configured here", permanent=True)
        return gateway.send(target, reply)

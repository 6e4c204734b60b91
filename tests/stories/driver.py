"""The one interface a story talks to: what people do (type a command, press a button, fill a form, flag a
message) and what they see (their own private messages, a channel's posts). One driver per platform
(slack_driver.py, teams_driver.py) does it the way that platform sends it, over HTTP to Tend's real app."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import func, select

from bot.db import SessionFactory
from bot.models import Notification
from tests.stories.seen import Form, Seen

T = TypeVar("T")


class Driver(Protocol):
    name: str  # "slack" or "teams"
    factory: SessionFactory
    now: datetime  # the app's clock

    def channel_of(self, name: str) -> dict[str, str]:
        """make_team's keyword for a team whose channel is called `name` on this platform."""
        ...

    def join(self, email: str, name: str, *, outsider: bool = False) -> None:
        """The person is on the platform and Tend is installed for them (an outsider: from another org)."""
        ...

    def ask(self, email: str, text: str, *, channel: str | None = None, times: int = 1) -> None:
        """Type a command ("account acme") privately, or in `channel`; `times` > 1: the platform delivers the
        same request again, as it does when it thinks the first was lost."""
        ...

    def flag_message(self, email: str, text: str) -> Seen | Form:
        """ "Flag this message" on someone's message that says `text`: the form it opens (or a refusal)."""
        ...

    def press(self, email: str, seen: Seen, label: str) -> Seen | Form:
        """Press a button: the short answer the presser sees, or the form it opens."""
        ...

    def submit(self, email: str, form: Form, answers: dict[str, str]) -> Form | None:
        """Fill a form and submit it: None when it closes, or the form shown again with its problems."""
        ...

    def private(self, email: str) -> list[Seen]:
        """Everything the person was shown privately (answers, DMs, the personal chat), oldest first."""
        ...

    def channel(self, name: str) -> list[Seen]:
        """A channel's posts and each update of a post, in the order they came."""
        ...

    def deliver(self, now: datetime) -> int:
        """Run the outbox once, as the clock's deliverer does at `now`: how many were sent."""
        ...

    def throttle_dms(self, email: str, retry_after: int) -> None:
        """The platform answers the next message to this person's private chat with a 429 and Retry-After."""
        ...


def waiting_for(found: Callable[[], T | None], what: str, seconds: float = 10.0) -> T:
    """What `found` returns once it returns something (answers arrive after the ack)."""
    deadline = time.monotonic() + seconds
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def seen_with(messages: Callable[[], list[Seen]], words: str, seconds: float = 10.0) -> Seen:
    """The latest message holding `words`, waiting for it to arrive."""

    def latest() -> Seen | None:
        return next((m for m in reversed(messages()) if words in m), None)

    return waiting_for(latest, f"a message saying {words!r}", seconds)


def settled(driver: Driver) -> None:
    """Wait until every message Tend queued has been sent (or has failed for good)."""

    def pending() -> int:
        with driver.factory() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.status.in_(("pending", "sending")))
                )
                or 0
            )

    waiting_for(lambda: pending() == 0, "the outbox to settle")

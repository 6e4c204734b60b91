"""What every command handler gets: the asker, a database session, the clock, and the optional model."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.ai.client import Model
from bot.clock import Clock
from bot.db import Session
from bot.people.actors import Actor


@dataclass
class CommandContext:
    session: Session
    actor: Actor
    clock: Clock
    default_timezone: str = "UTC"
    platform: str = "console"
    # Identifies the request that ran the command: a platform's retry of it carries the same id, so
    # anything the command creates is created once (e.g. Slack's trigger_id).
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    model: Model | None = None  # the optional language model; None: every feature takes its plain path

    @property
    def local_now(self) -> datetime:
        return self.clock.now().astimezone(ZoneInfo(self.actor.timezone or self.default_timezone))

    @property
    def today(self) -> date:
        """The asker's calendar day: countdowns are counted from it."""
        return self.local_now.date()

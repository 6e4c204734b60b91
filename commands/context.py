"""What every command handler gets: the asker, a database session, and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.services.people import Actor


@dataclass
class CommandContext:
    session: Session
    actor: Actor
    clock: Clock
    default_timezone: str = "UTC"
    platform: str = "console"

    @property
    def local_now(self) -> datetime:
        return self.clock.now().astimezone(ZoneInfo(self.actor.timezone or self.default_timezone))

    @property
    def today(self) -> date:
        """The asker's calendar day: countdowns are counted from it."""
        return self.local_now.date()

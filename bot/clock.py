"""Where "now" comes from: the system clock in production, a fixed instant in tests and `--now` runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant (naive datetimes are taken as UTC)."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant.astimezone(UTC)


def parse_now(text: str) -> FixedClock:
    """Parse an ISO-8601 `--now` value ("2026-11-23", "2026-11-23T09:30", "…+01:00") into a clock."""
    try:
        return FixedClock(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"--now must be an ISO-8601 date or time such as 2026-11-23T09:30, got {text!r}") from exc

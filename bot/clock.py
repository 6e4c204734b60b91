"""Where "now" comes from: the system clock in production, a fixed instant in tests and `--now` runs."""

from __future__ import annotations

from datetime import UTC, datetime, time
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


def parse_now(text: str, today: datetime | None = None) -> FixedClock:
    """Parse a `--now` value into a clock: ISO-8601 ("2026-11-23", "2026-11-23T09:30", "…+01:00"), or a time
    of day alone ("15:00", "15:00+01:00"), which is today at that time (UTC unless an offset is given), so
    that examples fit the demo company, which is seeded relative to today."""
    try:
        return FixedClock(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        moment = time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"--now must be an ISO-8601 date or time such as 2026-11-23T09:30, or a time of day such as 15:00, "
            f"got {text!r}"
        ) from exc
    zone = moment.tzinfo or UTC
    day = (today or datetime.now(UTC)).astimezone(zone).date()
    return FixedClock(datetime.combine(day, moment.replace(tzinfo=None), zone))

"""SLA clocks run in business hours (09:00–17:00, Monday to Friday) in the owning team's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

OPEN, CLOSE = time(9), time(17)
WORKDAYS = range(0, 5)  # Monday..Friday


def business_deadline(start: datetime, hours: float, timezone: str) -> datetime:
    """The instant `hours` business hours after `start`, in UTC. Time outside business hours does not count."""
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    left = timedelta(hours=hours)
    while True:
        day = local.date()
        opens = datetime.combine(day, OPEN, zone)
        closes = datetime.combine(day, CLOSE, zone)
        if day.weekday() in WORKDAYS and local < closes:
            begin = max(local, opens)
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        local = datetime.combine(day + timedelta(days=1), time(0), zone)

"""SLA clocks run in business hours (09:00–17:00, Monday to Friday, the organisation's holidays off) in the
owning team's time zone, as nudges and digests keep the same holidays."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OPEN, CLOSE = time(9), time(17)
WORKDAYS = range(0, 5)  # Monday..Friday


def business_deadline(
    start: datetime, hours: float, timezone: str, holidays: Collection[date] = frozenset()
) -> datetime:
    """The instant `hours` business hours after `start`, in UTC. Time outside business hours, and on the
    `holidays` (local dates), does not count."""
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    left = timedelta(hours=hours)
    while True:
        day = local.date()
        opens = datetime.combine(day, OPEN, zone)
        closes = datetime.combine(day, CLOSE, zone)
        if day.weekday() in WORKDAYS and day not in holidays and local < closes:
            begin = max(local, opens)
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        local = datetime.combine(day + timedelta(days=1), time(0), zone)


def calendar_span(hours: float) -> int:
    """Calendar days that `hours` business hours can stretch over, with room for a run of holidays: how far
    ahead to read the holiday calendar."""
    return int(hours / (CLOSE.hour - OPEN.hour) * 7 / 5) + 21

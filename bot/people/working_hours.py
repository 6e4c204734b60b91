"""When a person may be nudged: their working hours and days in their own time zone, never on the
organisation's holidays. Daylight-saving changes are zoneinfo's business: hours are wall-clock hours."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.db import read
from bot.models import Holiday

DEFAULT_START, DEFAULT_END, DEFAULT_DAYS = time(9), time(17), "12345"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    timezone: str
    start: time = DEFAULT_START
    end: time = DEFAULT_END
    days: str = DEFAULT_DAYS  # ISO weekday digits, Monday = 1

    def is_working(self, now: datetime, holidays: Collection[date]) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        return self._works_on(local.date(), holidays) and self.start <= local.time() < self.end

    def local_date(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def next_start(self, now: datetime, holidays: Collection[date]) -> datetime:
        """`now` when inside working hours, else the start of the next working period (within 2 weeks)."""
        zone = ZoneInfo(self.timezone)
        if self.is_working(now, holidays):
            return now
        local = now.astimezone(zone)
        for offset in range(15):
            day = local.date() + timedelta(days=offset)
            opens = datetime.combine(day, self.start, zone)
            if self._works_on(day, holidays) and opens > local:
                return opens
        return now  # no working day in sight (all days off): do not hold messages forever

    def _works_on(self, day: date, holidays: Collection[date]) -> bool:
        return str(day.isoweekday()) in self.days and day not in holidays

    def describe(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}, {day_ranges(self.days)} ({self.timezone})"


def day_ranges(days: str) -> str:
    """ "12345" → "Mon–Fri"; "1246" → "Mon, Tue, Thu, Sat"."""
    numbers = sorted({int(d) for d in days})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    name = lambda n: DAY_NAMES[n - 1].capitalize()  # noqa: E731
    parts = [f"{name(r[0])}–{name(r[-1])}" if len(r) > 2 else ", ".join(map(name, r)) for r in runs]
    return ", ".join(parts) or "no days"


def holidays_near(session: Session, now: datetime, span_days: int = 16) -> set[date]:
    """The organisation's holidays around `now` (local dates differ from UTC's by up to a day)."""
    today = now.date()
    return set(
        read(
            session, _HOLIDAYS, {"start": today - timedelta(days=1), "end": today + timedelta(days=span_days)}
        ).scalars()
    )


_HOLIDAYS = select(Holiday.day).where(Holiday.day.between(bindparam("start"), bindparam("end")))  # built once

"""SLA deadlines count business hours only, in the team's own time zone, across weekends and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.flags.sla import business_deadline


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_one_working_day():
    # Monday 2026-11-23 10:00 Berlin (09:00 UTC) + 4 business hours = 14:00 Berlin.
    assert business_deadline(utc(2026, 11, 23, 9), 4, "Europe/Berlin") == utc(2026, 11, 23, 13)


def test_friday_afternoon_rolls_over_the_weekend():
    # Friday 16:00 New York + 8 business hours = 1 h on Friday, 7 h on Monday → Monday 16:00.
    friday = utc(2026, 11, 27, 21)  # 16:00 EST
    assert business_deadline(friday, 8, "America/New_York") == utc(2026, 11, 30, 21)


def test_a_flag_raised_at_night_starts_its_clock_next_morning():
    saturday_night = utc(2026, 11, 28, 23)
    assert business_deadline(saturday_night, 2, "Europe/London") == utc(2026, 11, 30, 11)


def test_half_an_hour_and_daylight_saving_are_exact():
    # Friday 2026-03-27 16:30 Berlin (CET, UTC+1) + 1 h → Monday 2026-03-30 09:30 CEST (UTC+2) = 07:30 UTC.
    assert business_deadline(utc(2026, 3, 27, 15, 30), 1, "Europe/Berlin") == utc(2026, 3, 30, 7, 30)


def test_holidays_do_not_count():
    # Thursday 2026-12-24 16:00 Berlin + 2 h: 1 h that day, Friday 25th a holiday, 1 h on Monday the 28th.
    christmas = {date(2026, 12, 25)}
    assert business_deadline(utc(2026, 12, 24, 15), 2, "Europe/Berlin", christmas) == utc(2026, 12, 28, 9)

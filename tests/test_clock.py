"""`--now`: an ISO instant, or a time of day today (so examples fit the demo, which is seeded relative to today)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import parse_now

TODAY = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_now_is_an_instant_or_a_time_of_day_today():
    assert parse_now("2026-11-23T09:30").now() == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert parse_now("15:00", TODAY).now() == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert parse_now("09:30+01:00", TODAY).now() == datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="or a time of day such as 15:00"):
        parse_now("soon")

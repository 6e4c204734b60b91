"""The status card's facts: health trend over 30 days, countdowns, owner, own-accounts list."""

from __future__ import annotations

from datetime import date, timedelta

from bot.accounts.status import account_status, accounts_owned_by, health_trend
from tests.factories import make_account, make_person

TODAY = date(2026, 11, 23)


def test_trend_compares_with_the_score_thirty_days_ago(session):
    account = make_account(
        session,
        health_score=60,
        history=((TODAY - timedelta(days=45), 90), (TODAY - timedelta(days=31), 75), (TODAY - timedelta(days=10), 70)),
    )
    trend = health_trend(session, account.id, 60, TODAY)
    assert trend.change == -15
    assert trend.points == (75, 70, 60)
    assert trend.direction == "falling"


def test_trend_without_history_says_so(session):
    account = make_account(session, health_score=60)
    trend = health_trend(session, account.id, 60, TODAY)
    assert trend.change is None and trend.direction == "no history"


def test_trend_uses_the_oldest_point_inside_the_window_when_history_is_young(session):
    account = make_account(session, health_score=80, history=((TODAY - timedelta(days=12), 70),))
    assert health_trend(session, account.id, 80, TODAY).change == 10


def test_status_counts_days_to_renewal_and_since_last_touch(session):
    owner = make_person(session, "maya@example.com", name="Maya Patel")
    account = make_account(
        session,
        "Acme",
        owner_id=owner.id,
        renewal_date=TODAY - timedelta(days=3),
        last_touch_date=TODAY - timedelta(days=40),
        criteria=("One", "Two"),
    )
    status = account_status(session, account.id, TODAY)
    assert (status.owner_name, status.owner_email) == ("Maya Patel", "maya@example.com")
    assert status.days_to_renewal == -3 and status.days_since_touch == 40
    assert [c.text for c in status.success_criteria] == ["One", "Two"] and status.open_problems == 0


def test_own_accounts_come_next_renewal_first_and_are_capped(session):
    owner = make_person(session)
    for n in range(25):
        make_account(session, f"A{n:02d}", owner_id=owner.id, renewal_date=TODAY + timedelta(days=100 - n))
    make_account(session, "No renewal", owner_id=owner.id)
    make_account(session, "Someone else's")
    mine = accounts_owned_by(session, owner.id, TODAY)
    assert mine.total == 26 and len(mine.lines) == 20
    assert mine.lines[0].name == "A24" and mine.lines[0].days_to_renewal == 76

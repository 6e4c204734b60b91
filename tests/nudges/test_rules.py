"""Each nudge rule fires for the accounts that need a touch, once per cycle, and never for healthy ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.models import Nudge, NudgeSetting, SuccessCriterion
from bot.nudges.rules import Reason, plan
from tests.factories import make_account, make_person

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
TODAY = NOW.date()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def due(session, reason: Reason) -> set[str]:
    """Names of the accounts with an open nudge for `reason`."""
    from bot.models import Account

    session.expire_all()
    rows = session.scalars(
        select(Account.name)
        .join(Nudge, Nudge.account_id == Account.id)
        .where(Nudge.reason == reason.value, Nudge.status == "open")
    )
    return set(rows)


def planned(session, now: datetime = NOW) -> dict[Reason, int]:
    added = plan(session, now, now.date())
    session.commit()
    return added


def test_no_touch_follows_each_tiers_cadence(session):
    csm = make_person(session)
    for name, tier, days in (
        ("Intimate overdue", "intimacy", 15),
        ("Intimate fine", "intimacy", 13),
        ("Engaged overdue", "engagement", 30),
        ("Engaged fine", "engagement", 29),
        ("Served overdue", "service", 61),
        ("Served fine", "service", 59),
    ):
        make_account(session, name, tier=tier, last_touch_date=ago(days), owner_id=csm.id)
    make_account(session, "Never touched", owner_id=csm.id)
    make_account(session, "Churned long ago", last_touch_date=ago(400), stage="churned", owner_id=csm.id)
    assert planned(session)[Reason.NO_TOUCH] == 4
    assert due(session, Reason.NO_TOUCH) == {"Intimate overdue", "Engaged overdue", "Served overdue", "Never touched"}
    assert planned(session, NOW + timedelta(hours=1))[Reason.NO_TOUCH] == 0  # once per cycle


def test_a_new_touch_starts_a_new_cycle_and_closes_the_old_nudge(session):
    account = make_account(session, "Acme", tier="intimacy", last_touch_date=ago(20), owner_id=make_person(session).id)
    planned(session)
    account.last_touch_date = ago(1)  # e.g. an import brought a newer touch
    session.commit()
    planned(session)
    assert due(session, Reason.NO_TOUCH) == set()
    account.last_touch_date = ago(16)
    session.commit()
    assert planned(session)[Reason.NO_TOUCH] == 1


def test_renewal_nudges_once_per_threshold_then_weekly_without_a_touch(session):
    csm = make_person(session)
    acme = make_account(
        session, "Acme", renewal_date=TODAY + timedelta(days=85), last_touch_date=ago(2), owner_id=csm.id
    )
    make_account(session, "Far away", renewal_date=TODAY + timedelta(days=200), owner_id=csm.id)
    make_account(session, "Renewed last month", renewal_date=ago(30), owner_id=csm.id)
    assert planned(session)[Reason.RENEWAL] == 1
    cycles = lambda: sorted(session.scalars(select(Nudge.cycle).where(Nudge.reason == "renewal")))  # noqa: E731
    renewal = acme.renewal_date.isoformat()
    assert cycles() == [f"renewal:{renewal}:90"]
    for day in range(1, 85 - 59):  # daily runs until 59 days are left: one more nudge, at 60
        planned(session, NOW + timedelta(days=day))
    assert cycles() == [f"renewal:{renewal}:60", f"renewal:{renewal}:90"]

    at_30 = NOW + timedelta(days=55)
    assert planned(session, at_30)[Reason.RENEWAL] == 1
    assert planned(session, at_30 + timedelta(days=6))[Reason.RENEWAL] == 0
    assert planned(session, at_30 + timedelta(days=7))[Reason.RENEWAL] == 1  # a week on, still no touch
    acme.last_touch_date = (at_30 + timedelta(days=8)).date()
    session.commit()
    assert planned(session, at_30 + timedelta(days=14))[Reason.RENEWAL] == 0  # touched since the last one
    assert planned(session, at_30 + timedelta(days=21))[Reason.RENEWAL] == 1  # …but not since then


def test_an_account_first_seen_inside_30_days_gets_one_nudge_not_three(session):
    make_account(session, "Late", renewal_date=TODAY + timedelta(days=20), owner_id=make_person(session).id)
    assert planned(session)[Reason.RENEWAL] == 1
    assert session.scalar(select(Nudge.cycle).where(Nudge.reason == "renewal")).endswith(":30")


def test_health_drops_and_crossings_below_50(session):
    csm = make_person(session)
    make_account(session, "Dropped", health_score=65, history=((ago(10), 80), (TODAY, 65)), owner_id=csm.id)
    make_account(session, "Crossed", health_score=48, history=((ago(3), 55), (TODAY, 48)), owner_id=csm.id)
    make_account(session, "Dipped a little", health_score=65, history=((ago(5), 70), (TODAY, 65)), owner_id=csm.id)
    make_account(session, "Dropped long ago", health_score=40, history=((ago(40), 90), (ago(20), 40)), owner_id=csm.id)
    make_account(session, "Low but steady", health_score=30, history=((ago(7), 31), (TODAY, 30)), owner_id=csm.id)
    assert planned(session)[Reason.HEALTH] == 2
    assert due(session, Reason.HEALTH) == {"Dropped", "Crossed"}
    assert planned(session, NOW + timedelta(days=13))[Reason.HEALTH] == 0  # one per window


def test_stale_success_criteria_unless_met(session):
    make_account(session, "Acme", owner_id=make_person(session).id, criteria=("Go live", "Train 50", "SSO"))
    go_live, train, sso = session.scalars(select(SuccessCriterion).order_by(SuccessCriterion.position))
    go_live.updated_on, train.updated_on, sso.updated_on = ago(31), ago(29), ago(90)
    sso.status = "met"
    session.commit()
    assert planned(session)[Reason.CRITERION] == 1
    assert session.scalar(select(Nudge.criterion_id).where(Nudge.reason == "criterion")) == go_live.id
    go_live.status, go_live.updated_on = "on_track", TODAY  # the CSM updated it
    session.commit()
    planned(session)
    assert due(session, Reason.CRITERION) == set()


def test_unowned_accounts_once_a_week(session):
    make_account(session, "Nobody's", last_touch_date=ago(300))
    make_account(session, "Nobody's but churned", stage="churned")
    assert planned(session)[Reason.UNOWNED] == 1
    assert planned(session, NOW + timedelta(days=1))[Reason.UNOWNED] == 0
    assert planned(session, NOW + timedelta(days=7))[Reason.UNOWNED] == 1
    assert due(session, Reason.NO_TOUCH) == set()  # the other rules need an owner to tell


def test_admins_settings_replace_the_defaults(session):
    make_account(session, "Acme", tier="intimacy", last_touch_date=ago(10), owner_id=make_person(session).id)
    session.add(NudgeSetting(key="no_touch_days_intimacy", value=7))
    session.commit()
    assert planned(session)[Reason.NO_TOUCH] == 1


def test_churning_closes_open_nudges(session):
    account = make_account(session, "Acme", last_touch_date=ago(90), owner_id=make_person(session).id)
    planned(session)
    account.stage = "churned"
    session.commit()
    planned(session)
    assert due(session, Reason.NO_TOUCH) == set()

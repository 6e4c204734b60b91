"""Nudges reach each CSM as one message per run, most urgent first, only inside their own working hours,
never on holidays, and each reason once, whatever the number of runs or clock processes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from bot.db import session_scope
from bot.gateway import Target
from bot.messages import Actions, Note, Reply, Section
from bot.models import Holiday, RoutingRule, SuccessCriterion
from bot.nudges.rules import plan, plan_due
from bot.nudges.sending import send_due
from tests.factories import make_account, make_person, make_team, untold_nudges
from tests.fakes.gateway import deliver_all

TUESDAY_10_UTC = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def run(session, now: datetime) -> None:
    plan(session, now, now.date())
    session.commit()
    send_due(session, now, "UTC")
    session.commit()


def sent(session) -> list[tuple[Target, Reply]]:
    """Every message sent so far, oldest first, after sending what is queued as the deliverer does."""
    done = session.info.setdefault("sent", [])
    done += deliver_all(session)
    return done


def messages(session) -> list[tuple[str, list]]:
    """(recipient, blocks) of every message sent so far, oldest first (what is queued is sent first)."""
    return [(target.ref, list(reply.blocks)) for target, reply in sent(session)]


def texts(blocks: list) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Section)]


def overdue_account(session, owner, name: str = "Acme", **over) -> None:
    values = {"last_touch_date": date(2026, 8, 1), "owner_id": owner.id, **over}
    make_account(session, name, **values)


def test_one_message_per_csm_most_urgent_first_in_plain_words(session):
    maya, jonas = make_person(session, "maya@example.com"), make_person(session, "jonas@example.com")
    overdue_account(session, maya, "Quiet Co")
    overdue_account(session, maya, "Renewing Co", renewal_date=date(2026, 12, 24))
    make_account(
        session,
        "Falling Co",
        owner_id=maya.id,
        last_touch_date=date(2026, 11, 20),
        health_score=61,
        history=((date(2026, 11, 14), 78), (date(2026, 11, 24), 61)),
    )
    overdue_account(session, jonas, "Other Co")
    session.commit()
    run(session, TUESDAY_10_UTC)
    sent = messages(session)
    assert [ref for ref, _ in sent] == ["maya@example.com", "jonas@example.com"]
    maya_blocks = sent[0][1]
    assert texts(maya_blocks) == [
        "3 accounts could use a touch from you, most urgent first:",
        "Renewing Co\nrenews in 30 days, no touch for 115 days",
        "Falling Co\nhealth down from 78 to 61 in 14 days — last touch 4 days ago",
        "Quiet Co\nno touch for 115 days",
    ]
    buttons = [b.label for b in maya_blocks if isinstance(b, Actions) for b in b.buttons]
    assert buttons[:5] == ["Log check-in", "Draft a message", "Snooze", "Update criteria", "Dismiss"]


def test_ten_accounts_in_full_then_a_count(session):
    maya = make_person(session, "maya@example.com")
    for n in range(13):
        overdue_account(session, maya, f"Account {n:02}", last_touch_date=date(2026, 8, 1) + timedelta(days=n))
    session.commit()
    run(session, TUESDAY_10_UTC)
    [(_, blocks)] = messages(session)
    assert len(texts(blocks)) == 1 + 10 and texts(blocks)[1].startswith("Account 00")  # longest without a touch first
    assert [b.text for b in blocks if isinstance(b, Note)] == ["…and 3 more accounts. /tend nudges shows them all."]
    assert len(blocks) <= 50


def test_a_stale_criterion_is_named_and_every_counted_nudge_is_told_once(session):
    maya = make_person(session, "maya@example.com")
    make_account(session, "Acme", owner_id=maya.id, last_touch_date=date(2026, 11, 23), criteria=("Go live",))
    session.execute(SuccessCriterion.__table__.update().values(updated_on=date(2026, 10, 1)))
    for n in range(12):  # all more urgent than Acme, which is among the three only counted
        overdue_account(session, maya, f"Quiet {n:02}", last_touch_date=date(2026, 8, 1) + timedelta(days=n))
    session.commit()
    run(session, TUESDAY_10_UTC)
    [(_, blocks)] = messages(session)
    assert [b.text for b in blocks if isinstance(b, Note)] == ["…and 3 more accounts. /tend nudges shows them all."]
    assert untold_nudges(session) == 0  # the counted ones too
    make_account(session, "Beta", owner_id=maya.id, last_touch_date=date(2026, 11, 23), criteria=("Train 50",))
    session.execute(SuccessCriterion.__table__.update().values(updated_on=date(2026, 10, 1)))
    session.commit()
    run(session, TUESDAY_10_UTC + timedelta(hours=1))
    assert texts(messages(session)[-1][1]) == [
        "1 account could use a touch from you, most urgent first:",
        "Beta\nsuccess criterion “Train 50” has had no update for 30+ days — last touch 1 day ago",
    ]


def test_each_csm_hears_in_their_own_working_hours(session):
    for email, zone in (
        ("aiko@example.com", "Asia/Tokyo"),
        ("bea@example.com", "Europe/Berlin"),
        ("carl@example.com", "America/Los_Angeles"),
    ):
        overdue_account(session, make_person(session, email, timezone=zone), f"{zone} account")
    session.commit()
    # Tuesday 08:30 UTC: Tokyo 17:30 (done for the day), Berlin 09:30, Los Angeles 00:30.
    run(session, datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    assert [ref for ref, _ in messages(session)] == ["bea@example.com"]
    # 17:30 UTC: Los Angeles 09:30; Tokyo 02:30 Wednesday; Berlin 18:30.
    run(session, datetime(2026, 11, 24, 17, 30, tzinfo=UTC))
    assert [ref for ref, _ in messages(session)] == ["bea@example.com", "carl@example.com"]
    # 00:30 UTC Wednesday: Tokyo 09:30.
    run(session, datetime(2026, 11, 25, 0, 30, tzinfo=UTC))
    assert [ref for ref, _ in messages(session)] == ["bea@example.com", "carl@example.com", "aiko@example.com"]


def test_a_weekend_waits_for_monday_morning(session):
    overdue_account(session, make_person(session, "maya@example.com", timezone="Europe/Berlin"))
    session.commit()
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    for hour in range(46):  # hourly from Saturday 10:00 UTC to Monday 07:00 UTC (08:00 in Berlin)
        run(session, saturday + timedelta(hours=hour))
    assert messages(session) == []
    run(session, datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    assert [ref for ref, _ in messages(session)] == ["maya@example.com"]


def test_nobody_is_nudged_on_a_holiday(session):
    overdue_account(session, make_person(session, "maya@example.com"))
    session.add(Holiday(day=date(2026, 11, 24), name="Founders' day"))
    session.commit()
    run(session, TUESDAY_10_UTC)
    assert messages(session) == []
    run(session, TUESDAY_10_UTC + timedelta(days=1))
    assert len(messages(session)) == 1


def test_personal_working_hours_are_respected(session):
    early = make_person(session, "early@example.com", work_start=time(7), work_end=time(15), work_days="1234")
    overdue_account(session, early)
    session.commit()
    run(session, datetime(2026, 11, 24, 6, 59, tzinfo=UTC))
    assert messages(session) == []
    run(session, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # a Friday: not one of their days
    assert messages(session) == []
    run(session, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    assert len(messages(session)) == 1


def test_daylight_saving_changes_keep_the_local_morning(session):
    overdue_account(session, make_person(session, "bea@example.com", timezone="Europe/Berlin"), "Spring")
    session.commit()
    # Monday 29 March 2027, the day after clocks went forward: 07:30 UTC is 09:30 in Berlin (CEST)…
    run(session, datetime(2027, 3, 29, 6, 30, tzinfo=UTC))  # 08:30 CEST: not yet
    assert messages(session) == []
    run(session, datetime(2027, 3, 29, 7, 0, tzinfo=UTC))  # 09:00 CEST
    assert len(messages(session)) == 1


def test_autumn_change_too(session):
    overdue_account(session, make_person(session, "bea@example.com", timezone="Europe/Berlin"), "Autumn")
    session.commit()
    # Monday 26 October 2026, the day after clocks went back: 09:00 in Berlin is 08:00 UTC (CET).
    run(session, datetime(2026, 10, 26, 7, 30, tzinfo=UTC))
    assert messages(session) == []
    run(session, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    assert len(messages(session)) == 1


def test_24_hourly_runs_send_each_nudge_once(session):
    maya = make_person(session, "maya@example.com")
    overdue_account(session, maya, "Acme", renewal_date=date(2027, 1, 10))
    overdue_account(session, maya, "Globex")
    session.commit()
    for hour in range(24):
        run(session, TUESDAY_10_UTC + timedelta(hours=hour))
    sent = messages(session)
    assert len(sent) == 1 and len(texts(sent[0][1])) == 3
    assert untold_nudges(session) == 0


def test_unowned_accounts_go_to_the_customer_success_channel(session):
    team = make_team(session, name="Customer Success", channel="#customer-success", sla_hours=24)
    session.add(team)
    session.flush()
    session.add(RoutingRule(category="other", team_id=team.id))
    make_account(session, "Orphan Inc")
    session.commit()
    run(session, TUESDAY_10_UTC)
    [(ref, blocks)] = messages(session)
    assert ref == "#customer-success" and texts(blocks) == ["1 account has no CSM. Who will take them?", "Orphan Inc"]
    [(_, reply)] = sent(session)
    assert reply.private is False  # a channel: no sensitive figures


def test_two_clock_processes_at_once_send_each_nudge_once(session, factory):
    for n in range(30):
        csm = make_person(session, f"csm{n}@example.com")
        overdue_account(session, csm, f"Account {n}")
        overdue_account(session, csm, f"Second {n}", renewal_date=date(2027, 1, 1))
    session.commit()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def clock() -> None:
        try:
            start.wait()
            plan_due(factory, TUESDAY_10_UTC, TUESDAY_10_UTC.date())  # the job's planning, as the clock runs it
            with session_scope(factory) as s:
                send_due(s, TUESDAY_10_UTC, "UTC")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sent = messages(session)
    assert sorted(ref for ref, _ in sent) == sorted(f"csm{n}@example.com" for n in range(30))
    assert all(len(texts(blocks)) == 3 for _, blocks in sent)

"""Managers' digests: each in their own morning, exactly once per local day, about what changed on their
team's accounts, short on a quiet day and within Block Kit's limits for a big team."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import session_scope
from bot.digests.build import send_due
from bot.messages import from_dict
from bot.models import DigestSent, Holiday, Notification, NudgeEvent, StageChange
from bot.people.actors import actor_for_email
from bot.slack.blocks import render
from commands.context import CommandContext
from commands.router import dispatch
from tests.factories import make_account, make_flag, make_person, make_team
from tests.fakes import blockkit

TUESDAY = date(2026, 11, 24)


def digests(session) -> list[tuple[str, datetime, str]]:
    """(manager email, when queued, text of every block) for every digest queued so far."""
    session.expire_all()
    rows = session.execute(
        select(Notification.target_ref, Notification.next_attempt_at, Notification.payload)
        .where(Notification.dedupe_key.like("digest:%"))
        .order_by(Notification.id)
    )
    return [(ref, at, "\n".join(getattr(b, "text", "") for b in from_dict(p).blocks)) for ref, at, p in rows]


def run(session, now: datetime) -> None:
    send_due(session, now, "UTC")
    session.commit()


def team(session, email: str, zone: str = "UTC", **over):
    manager = make_person(session, email, name=email.split("@")[0].capitalize(), role="manager", timezone=zone, **over)
    csm = make_person(session, f"csm-of-{email}", name=f"CSM of {manager.name}", manager_id=manager.id, timezone=zone)
    session.commit()
    return manager, csm


def test_each_manager_gets_it_at_0830_in_their_own_time_zone(session):
    for email, zone in (
        ("aiko@example.com", "Asia/Tokyo"),
        ("bea@example.com", "Europe/Berlin"),
        ("carl@example.com", "America/Los_Angeles"),
    ):
        team(session, email, zone)
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday noon UTC: every clock every 15 minutes for a day
    for step in range(24 * 4):
        run(session, start + timedelta(minutes=15 * step))
    sent = {ref: at for ref, at, _text in digests(session)}
    assert sent == {
        "aiko@example.com": datetime(2026, 11, 23, 23, 30, tzinfo=UTC),  # Tuesday 08:30 in Tokyo
        "bea@example.com": datetime(2026, 11, 24, 7, 30, tzinfo=UTC),  # Tuesday 08:30 in Berlin
        "carl@example.com": datetime(2026, 11, 23, 16, 30, tzinfo=UTC),  # Monday 08:30 in Los Angeles
    }


def test_weekends_and_holidays_are_skipped(session):
    team(session, "bea@example.com")
    session.add(Holiday(day=date(2026, 11, 30), name="Founders' day"))  # a Monday
    session.commit()
    for day in range(4):  # Saturday 28 November to Tuesday 1 December, 09:00 UTC
        run(session, datetime(2026, 11, 28, 9, 0, tzinfo=UTC) + timedelta(days=day))
    assert [at.date() for _ref, at, _t in digests(session)] == [date(2026, 12, 1)]


def test_a_clock_down_over_the_due_time_sends_late_the_same_day_once(session):
    team(session, "bea@example.com")
    run(session, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))  # before 08:30: nothing yet
    assert digests(session) == []
    run(session, datetime(2026, 11, 24, 11, 40, tzinfo=UTC))  # the clock is back after a restart
    run(session, datetime(2026, 11, 24, 11, 45, tzinfo=UTC))
    run(session, datetime(2026, 11, 24, 23, 55, tzinfo=UTC))
    assert [at for _ref, at, _t in digests(session)] == [datetime(2026, 11, 24, 11, 40, tzinfo=UTC)]


def test_content_reports_what_changed_most_important_first(session):
    _manager, csm = team(session, "lena@example.com", digest_time=time(8, 30))
    yesterday = TUESDAY - timedelta(days=1)
    make_account(session, "Falling", owner_id=csm.id, health_score=55, history=((yesterday, 75), (TUESDAY, 55)))
    make_account(session, "Crossing", owner_id=csm.id, health_score=45, history=((yesterday, 52), (TUESDAY, 45)))
    renewing = make_account(session, "Renewing", owner_id=csm.id, renewal_date=TUESDAY + timedelta(days=30))
    moved = make_account(session, "Moving", owner_id=csm.id, stage="expansion")
    session.add(StageChange(account_id=moved.id, from_stage="adoption", to_stage="expansion", changed_on=TUESDAY))
    support = make_team(session, name="Support", channel="#support", sla_hours=8)
    session.add(support)
    session.flush()
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    make_flag(session, renewing, severity="high", team_id=support.id, sla_due_at=now - timedelta(hours=2))
    make_flag(
        session,
        moved,
        category="billing",
        status="resolved",
        resolved_at=now - timedelta(hours=5),
        outcome="Refunded the double charge",
        assignee_name="Jonas",
    )
    session.add(NudgeEvent(account_id=renewing.id, reason="renewal", kind="escalated", at=now - timedelta(hours=3)))
    make_account(
        session, "Someone else's", owner_id=make_person(session).id, health_score=10, history=((yesterday, 90),)
    )
    session.commit()
    run(session, now)
    [(_ref, _at, text)] = digests(session)
    order = [
        "Health drops (1)\n• Falling (CSM of Lena): 75 → 55",
        "Crossed into at-risk (1)\n• Crossing (CSM of Lena): health below 50 (45)",
        "Renewals (1)\n• Renewing (CSM of Lena): renews in 30 days",
        "Snoozed three times in a row (1)\n• Renewing (CSM of Lena)",
        "Open flags by team, SLA breaches first (1)\n• Support: #1 Renewing (support) — past its SLA, nobody took it",
        "Flags resolved (1)\n• #2 Moving: Refunded the double charge",
        "Stage changes (1)\n• Moving (CSM of Lena): Adoption → Expansion",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions), text
    assert "Someone else's" not in text
    assert "• CSM of Lena: 0 check-ins logged, 0 nudges open" in text


def test_a_quiet_day_is_one_short_line(session):
    team(session, "lena@example.com")
    run(session, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    [(_ref, _at, text)] = digests(session)
    assert text == (
        "All quiet: nothing needs you, and nothing changed on your team's accounts in the past week "
        "(your first digest)."
    )


def test_500_accounts_stay_within_block_kit_limits(session):
    _manager, csm = team(session, "lena@example.com")
    long = "Enterprise account with a very long name indeed " * 3
    for n in range(500):
        make_account(
            session,
            f"{long}{n}",
            owner_id=csm.id,
            health_score=40,
            history=((TUESDAY - timedelta(days=1), 80),),
            last_touch_date=TUESDAY - timedelta(days=30),
            renewal_date=TUESDAY + timedelta(days=30),
        )
    session.commit()
    run(session, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    session.expire_all()
    payload = session.scalar(select(Notification.payload))
    message = render.message(from_dict(payload))
    assert blockkit.problems_in_message(message) == []
    assert len(message["blocks"]) <= 50
    text = "\n".join(b.get("text", {}).get("text", "") for b in message["blocks"])
    assert "…and 492 more: /tend digest all" in text


def test_two_clocks_at_once_send_one_digest(session, factory):
    for n in range(10):
        team(session, f"manager{n}@example.com")
    start = threading.Barrier(2)

    def clock() -> None:
        start.wait()
        with session_scope(factory) as s:
            send_due(s, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "UTC")

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ref for ref, _at, _t in digests(session)) == sorted(f"manager{n}@example.com" for n in range(10))


def test_the_preview_does_not_mark_it_sent(session):
    team(session, "lena@example.com")
    ctx = CommandContext(
        session, actor_for_email(session, "lena@example.com"), FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    )
    reply = dispatch(ctx, "/tend", "digest")
    assert reply.text.startswith("Preview (not sent): All quiet")
    session.commit()
    assert session.scalar(select(func.count()).select_from(DigestSent)) == 0
    run(session, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert len(digests(session)) == 1
    csm_ctx = CommandContext(
        session,
        actor_for_email(session, "csm-of-lena@example.com"),
        FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    )
    assert "Nobody reports to you" in dispatch(csm_ctx, "/tend", "digest").text

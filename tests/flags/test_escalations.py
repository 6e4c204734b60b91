"""SLA escalation: once per flag, to the team manager, counted in business hours across weekends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.flags.escalations import escalate_stalled
from bot.flags.lifecycle import take_flag
from bot.flags.raising import FlagRequest, raise_flag
from bot.models import Notification, Person, RoutingRule, Team
from bot.people.actors import Access, Actor
from bot.vocab import Severity
from tests.factories import make_account, make_person, make_team

FRIDAY_4PM_BERLIN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SAM = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", None, "sales", "UTC", "U0SAM")


def support_flag(session, ref: str, severity: Severity = Severity.NORMAL) -> int:
    manager = make_person(session, f"lead-{ref}@example.com", name="Lena Lead", timezone="Europe/Berlin")
    team = session.scalar(select(Team).where(Team.name == "Support"))
    if team is None:
        team = make_team(session, name="Support", channel="#support", sla_hours=8, manager_id=manager.id)
        session.add(team)
        session.flush()
        session.add(RoutingRule(category="support", team_id=team.id))
    account = make_account(session, f"Acme {ref}", owner_id=make_person(session).id)
    raised = raise_flag(
        session,
        FlagRequest(account.id, "users can't log in", "test", ref, severity=severity),
        SAM,
        FRIDAY_4PM_BERLIN,
        "UTC",
    )
    session.commit()
    return raised.flag_id


def escalations_queued(session) -> list[str]:
    return sorted(session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.like("%escalated%"))))


def test_a_flag_raised_friday_afternoon_escalates_monday_afternoon_once(session):
    flag_id = support_flag(session, "a")  # 8 business hours: 1 on Friday (16–17), 7 on Monday (9–16)
    for now in (datetime(2026, 11, 28, 12, tzinfo=UTC), datetime(2026, 11, 30, 14, 59, tzinfo=UTC)):
        assert escalate_stalled(session, now) == []
    monday_4pm = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert escalate_stalled(session, monday_4pm) == [flag_id]
    session.commit()
    assert escalate_stalled(session, monday_4pm) == []  # once, whatever the number of runs
    assert escalations_queued(session) == [
        f"flag:{flag_id}:team:escalated:manager",
        f"flag:{flag_id}:team:escalated@slack",
    ]
    manager_dm = session.scalar(select(Notification).where(Notification.dedupe_key.like("%:manager")))
    assert manager_dm.target_ref == "lead-a@example.com"
    assert "waited past Support's SLA" in manager_dm.payload["text"]


def test_urgent_flags_escalate_at_half_the_sla_and_taken_flags_never(session):
    urgent = support_flag(session, "u", Severity.URGENT)  # 4 business hours: Friday 16–17, Monday 9–12
    taken = support_flag(session, "t")
    lena = session.scalar(select(Person).where(Person.email == "lead-u@example.com"))  # the team's manager
    take_flag(session, taken, Actor(Access.MEMBER, lena.name, lena.email, lena.id, "manager"), FRIDAY_4PM_BERLIN)
    session.commit()
    assert escalate_stalled(session, datetime(2026, 11, 30, 11, 0, tzinfo=UTC)) == [urgent]
    assert escalate_stalled(session, datetime(2026, 12, 7, 11, 0, tzinfo=UTC)) == []

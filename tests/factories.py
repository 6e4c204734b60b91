"""Small builders for test data, with sensible defaults a test overrides only where it matters."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from bot.accounts import catalog
from bot.models import (
    Account,
    ChatIdentity,
    Flag,
    HealthSnapshot,
    Nudge,
    NudgeNotice,
    Person,
    RoutingRule,
    SuccessCriterion,
    Team,
    TeamChannel,
)
from bot.text import fold

_numbers = itertools.count(1)


def make_person(session: Session, email: str | None = None, **over: Any) -> Person:
    n = next(_numbers)
    values: dict[str, Any] = {
        "email": email or f"person{n}@example.com",
        "name": f"Person {n}",
        "role": "csm",
        "timezone": "UTC",
    }
    values.update(over)
    person = Person(**values)
    session.add(person)
    session.flush()
    return person


def make_account(
    session: Session,
    name: str | None = None,
    *,
    criteria: tuple[str, ...] = (),
    history: tuple[tuple[date, int], ...] = (),
    **over: Any,
) -> Account:
    n = next(_numbers)
    name = name or f"Account {n}"
    values: dict[str, Any] = {
        "name": name,
        "name_key": fold(name),
        "tier": "engagement",
        "stage": "adoption",
        "health_score": 70,
        "arr": Decimal("10000"),
    }
    values.update(over)
    account = Account(**values)
    session.add(account)
    session.flush()
    for position, text in enumerate(criteria):
        session.add(SuccessCriterion(account_id=account.id, position=position, text=text))
    for day, score in history:
        session.add(HealthSnapshot(account_id=account.id, taken_on=day, score=score))
    catalog.mark_changed(session)
    session.flush()
    return account


def make_flag(session: Session, account: Account, **over: Any) -> Flag:
    """A flag as it stands in the database (no messages, no routing): for tests about reading flags."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "account_id": account.id,
        "category": "support",
        "category_source": "rules",
        "severity": "normal",
        "description": "Something happened",
        "status": "open",
        "reporter_name": "Sam Rivera",
        "source_platform": "test",
        "source_ref": f"flag-{n}",
    }
    values.update(over)
    flag = Flag(**values)
    session.add(flag)
    session.flush()
    return flag


def make_team(
    session: Session,
    name: str,
    channel: str = "",
    *,
    categories: tuple[str, ...] = (),
    teams_channel: str = "",
    **over: Any,
) -> Team:
    """A team with its Slack channel (and Teams channel) and the categories it owns."""
    team = Team(name=name, **{"sla_hours": 24, **over})
    session.add(team)
    session.flush()
    for platform, where in (("slack", channel), ("teams", teams_channel)):
        if where:
            session.add(TeamChannel(team_id=team.id, platform=platform, channel=where))
    session.add_all(RoutingRule(category=c, team_id=team.id) for c in categories)
    session.flush()
    return team


def make_identity(session: Session, person: Person, platform: str, checked_at: datetime) -> ChatIdentity:
    """The person as Tend last saw them on a chat platform."""
    identity = ChatIdentity(
        platform=platform,
        workspace_id="W",
        external_id=f"{platform}-{person.id}",
        person_id=person.id,
        email=person.email,
        display_name=person.name,
        access="member",
        checked_at=checked_at,
    )
    session.add(identity)
    session.flush()
    return identity


def make_dropping_team(session: Session, count: int, name: str, day: date) -> Person:
    """Lena's team: Maya's `count` accounts (named `name` and a number), each of whose health fell from 80 to
    40 since the day before `day`, for a digest as big as a real team's. Returns Lena."""
    lena = make_person(session, "lena@example.com", name="Lena Lead", role="manager", timezone="UTC")
    maya = make_person(session, "maya@example.com", name="Maya Patel", manager_id=lena.id, timezone="UTC")
    for n in range(count):
        make_account(
            session, f"{name} {n}", owner_id=maya.id, health_score=40, history=((day - timedelta(days=1), 80),)
        )
    return lena


def untold_nudges(session: Session) -> int:
    """How many nudges no message has told yet."""
    told = exists().where(NudgeNotice.nudge_id == Nudge.id)
    return session.scalar(select(func.count()).select_from(Nudge).where(~told)) or 0

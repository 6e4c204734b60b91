"""Lists of flags for people: an account's timeline, mine (raised or owned), my team's. Paged queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from bot.models import Account, Flag, Team
from bot.services.people import Actor

PAGE = 10


@dataclass(frozen=True)
class FlagLine:
    flag_id: int
    account_name: str
    category: str
    severity: str
    status: str
    assignee_name: str | None  # who resolved it, once resolved
    team_name: str | None
    raised_at: datetime
    outcome: str | None
    overdue: bool
    routed_because: str | None = None  # how its team was chosen


@dataclass(frozen=True)
class FlagPage:
    lines: tuple[FlagLine, ...]
    offset: int
    more: bool


def _lines(session: Session, query: Select, now: datetime) -> list[FlagLine]:
    rows = session.execute(query).all()
    return [
        FlagLine(
            flag.id,
            account_name,
            flag.category,
            flag.severity,
            flag.status,
            flag.credited_to,
            team_name,
            flag.created_at,
            flag.outcome,
            flag.status == "open" and flag.sla_due_at is not None and flag.sla_due_at <= now,
            flag.routed_because,
        )
        for flag, account_name, team_name in rows
    ]


def _base() -> Select:
    return (
        select(Flag, Account.name, Team.name)
        .join(Account, Account.id == Flag.account_id)
        .outerjoin(Team, Team.id == Flag.team_id)
    )


def account_timeline(
    session: Session, account_id: int, now: datetime, resolved: int = 3
) -> tuple[list[FlagLine], list[FlagLine]]:
    """An account's open flags (oldest first) and its most recently resolved ones."""
    base = _base().where(Flag.account_id == account_id)
    open_flags = _lines(session, base.where(Flag.status != "resolved").order_by(Flag.id).limit(PAGE), now)
    done = _lines(session, base.where(Flag.status == "resolved").order_by(Flag.resolved_at.desc()).limit(resolved), now)
    return open_flags, done


def recently_routed(session: Session, now: datetime, limit: int = PAGE) -> list[FlagLine]:
    """The newest flags, with how each one's team was chosen (for admins checking the routing)."""
    return _lines(session, _base().order_by(Flag.id.desc()).limit(limit), now)


def page(session: Session, where: ColumnElement[bool], now: datetime, offset: int = 0) -> FlagPage:
    """One page of flags, unresolved first, newest first."""
    query = _base().where(where).order_by((Flag.status == "resolved"), Flag.id.desc()).offset(offset).limit(PAGE + 1)
    lines = _lines(session, query, now)
    return FlagPage(tuple(lines[:PAGE]), offset, len(lines) > PAGE)


def mine(actor: Actor) -> ColumnElement[bool]:
    """Flags the actor raised or owns, recognised by person or by chat identity."""
    clauses = []
    if actor.person_id is not None:
        clauses += [Flag.reporter_person_id == actor.person_id, Flag.assignee_person_id == actor.person_id]
    if actor.external_id:
        clauses += [Flag.reporter_ref == actor.external_id, Flag.assignee_ref == actor.external_id]
    return or_(*clauses) if clauses else false()


def managed_teams(session: Session, actor: Actor) -> list[int]:
    if actor.person_id is None:
        return []
    return list(session.scalars(select(Team.id).where(Team.manager_id == actor.person_id)))


def of_teams(team_ids: list[int]) -> ColumnElement[bool]:
    return Flag.team_id.in_(team_ids)


def of_account(account_id: int) -> ColumnElement[bool]:
    return Flag.account_id == account_id

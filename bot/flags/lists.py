"""Lists of flags for people: an account's timeline, mine (raised or owned), my team's, one flag with its
history. Paged queries; each line carries what its viewer may do to it (their buttons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, or_, select
from sqlalchemy.orm import Session

from bot.db import read
from bot.flags.permissions import STANDING_COLUMNS, FlagAction, Viewer
from bot.models import Account, Flag, FlagEvent, Person, Team
from bot.people.actors import Actor

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
    actions: tuple[FlagAction, ...] = ()  # what the viewer may do to it, in button order


@dataclass(frozen=True)
class FlagPage:
    lines: tuple[FlagLine, ...]
    offset: int
    more: bool


def _lines(
    session: Session, query: Select, now: datetime, viewer: Viewer | None = None, given: dict[str, Any] | None = None
) -> list[FlagLine]:
    return [
        FlagLine(
            row.id,
            row.account_name,
            row.category,
            row.severity,
            row.status,
            row.credited_to,
            row.team_name,
            row.created_at,
            row.outcome,
            row.status == "open" and row.sla_due_at is not None and row.sla_due_at <= now,
            row.routed_because,
            viewer.offered(row) if viewer else (),
        )
        for row in read(session, query, given)
    ]


def _base() -> Select:
    """A flag's line, its account's and team's names, and what `Viewer.offered` judges (plain columns: lists
    are read on every card, and loading Flag objects costs twice the interpreter time)."""
    return (
        select(
            *(Flag.id, Flag.category, Flag.severity, Flag.status, Flag.credited_to.label("credited_to")),
            *(Flag.created_at, Flag.outcome, Flag.sla_due_at, Flag.routed_because),
            *STANDING_COLUMNS,
            Account.name.label("account_name"),
            Team.name.label("team_name"),
        )
        .join(Account, Account.id == Flag.account_id)
        .outerjoin(Team, Team.id == Flag.team_id)
    )


def account_timeline(
    session: Session, account_id: int, now: datetime, resolved: int = 3, viewer: Viewer | None = None
) -> tuple[list[FlagLine], list[FlagLine]]:
    """An account's open flags (oldest first) and its most recently resolved ones."""
    open_of, resolved_of = _timeline_queries(resolved)
    given = {"account_id": account_id}
    return _lines(session, open_of, now, viewer, given), _lines(session, resolved_of, now, None, given)


@cache
def _timeline_queries(resolved: int) -> tuple[Select, Select]:
    """Built once: each account's card runs them (building a statement costs more than running it)."""
    base = _base().where(Flag.account_id == bindparam("account_id"))
    open_flags = base.where(Flag.status != "resolved").order_by(Flag.id).limit(PAGE)
    return open_flags, base.where(Flag.status == "resolved").order_by(Flag.resolved_at.desc()).limit(resolved)


def recently_routed(session: Session, now: datetime, limit: int = PAGE) -> list[FlagLine]:
    """The newest flags, with how each one's team was chosen (for admins checking the routing)."""
    return _lines(session, _base().order_by(Flag.id.desc()).limit(limit), now)


def page(
    session: Session, where: ColumnElement[bool], now: datetime, offset: int = 0, viewer: Viewer | None = None
) -> FlagPage:
    """One page of flags, unresolved first, newest first."""
    query = _base().where(where).order_by((Flag.status == "resolved"), Flag.id.desc()).offset(offset).limit(PAGE + 1)
    lines = _lines(session, query, now, viewer)
    return FlagPage(tuple(lines[:PAGE]), offset, len(lines) > PAGE)


@dataclass(frozen=True)
class Step:
    """One step of a flag's life, as its history shows it."""

    at: datetime
    kind: str  # raised, taken, resolved, rerouted, reassigned, escalated…
    actor_name: str
    detail: str | None


@dataclass(frozen=True)
class FlagDetail:
    line: FlagLine
    flag: Flag
    account: Account
    csm: Person | None
    steps: tuple[Step, ...]  # oldest first


def detail(session: Session, flag_id: int, now: datetime, viewer: Viewer) -> FlagDetail | None:
    """One flag with its account, the account's CSM and its whole history; None when there is no such flag."""
    lines = _lines(session, _base().where(Flag.id == flag_id), now, viewer)
    if not lines:
        return None
    flag = session.get_one(Flag, flag_id)
    account = session.get_one(Account, flag.account_id)
    csm = session.get(Person, account.owner_id) if account.owner_id else None
    events = session.execute(
        select(FlagEvent.at, FlagEvent.kind, FlagEvent.actor_name, FlagEvent.detail)
        .where(FlagEvent.flag_id == flag_id)
        .order_by(FlagEvent.at, FlagEvent.id)
    )
    return FlagDetail(lines[0], flag, account, csm, tuple(Step(*row) for row in events))


def mine(actor: Actor) -> ColumnElement[bool]:
    """Flags the actor raised or owns, recognised by person or by chat identity."""
    clauses = []
    if actor.person_id is not None:
        clauses += [Flag.reporter_person_id == actor.person_id, Flag.assignee_person_id == actor.person_id]
    if actor.external_id:
        reported, owned = Flag.reporter_ref == actor.external_id, Flag.assignee_ref == actor.external_id
        if actor.platform:  # a chat user id is someone only on its own platform
            reported = reported & (Flag.source_platform == actor.platform)
            owned = owned & (func.coalesce(Flag.assignee_platform, Flag.source_platform) == actor.platform)
        clauses += [reported, owned]
    return or_(*clauses) if clauses else false()


def managed_teams(session: Session, actor: Actor) -> list[int]:
    if actor.person_id is None:
        return []
    return list(session.scalars(select(Team.id).where(Team.manager_id == actor.person_id)))


def of_teams(team_ids: list[int]) -> ColumnElement[bool]:
    return Flag.team_id.in_(team_ids)


def of_account(account_id: int) -> ColumnElement[bool]:
    return Flag.account_id == account_id

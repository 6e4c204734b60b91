"""Raising a customer problem: one flag per request whatever the retries, routed to its team, timed against
the team's SLA, and announced through the outbox in the same transaction (nothing lost, nothing twice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from bot.db import insert_ignore_entity, read
from bot.delivery import outbox
from bot.flags import messages as flag_messages
from bot.flags.routing import examples as routing_examples
from bot.flags.routing.classifier import Classification, classify
from bot.flags.routing.teams import customer_success_team, owning_team
from bot.flags.sla import business_deadline, calendar_span
from bot.gateway import Target
from bot.models import Account, Flag, FlagEvent, Person, Team
from bot.people import reach
from bot.people.actors import Actor
from bot.people.working_hours import holidays_near
from bot.vocab import Category, Severity

MAX_DESCRIPTION = 3000
MAX_OUTCOME = 300
MAX_SUMMARY = 300


@dataclass(frozen=True)
class FlagRequest:
    account_id: int
    description: str
    source_platform: str
    source_ref: str  # unique per user request: its retries carry the same one
    category: Category | None = None  # None: the keyword rules choose
    severity: Severity = Severity.NORMAL
    source_link: str | None = None
    category_source: str = "reporter"  # who chose `category`, when given: the reporter, or the model
    summary: str | None = None  # the model's one-line summary
    chosen_because: str | None = None  # how the rules chose `category` ("matched 'invoice'", "like flag #41…")


@dataclass(frozen=True)
class RaisedFlag:
    flag_id: int
    created: bool  # False: this request had already raised it (a retry)
    account_name: str
    category: Category
    category_source: str
    team_name: str | None
    team_channels: tuple[Target, ...]  # where its post went, on each platform
    owner_name: str | None
    sla_due_at: datetime | None
    description: str
    summary: str | None
    by_owner: bool = False  # the account's own CSM raised it (and is not told of it again)


def raise_flag(
    session: Session, request: FlagRequest, reporter: Actor, now: datetime, default_timezone: str
) -> RaisedFlag:
    """Create the flag (or find the one this very request created before) and queue its notifications."""
    existing = _by_source(session, request)
    if existing is not None:
        return _raised(session, existing, created=False)
    return file_new(session, request, reporter, now, default_timezone)


def find_raised(session: Session, request: FlagRequest) -> RaisedFlag | None:
    """The flag this very request raised before (a retry), if any."""
    flag = _by_source(session, request)
    return _raised(session, flag, created=False) if flag else None


def _by_source(session: Session, request: FlagRequest) -> Flag | None:
    return session.scalar(_BY_SOURCE, {"platform": request.source_platform, "ref": request.source_ref[:200]})


# Built once, like the other statements a flag runs: building a statement costs more than running it.
_BY_SOURCE = select(Flag).where(Flag.source_platform == bindparam("platform"), Flag.source_ref == bindparam("ref"))
_MANAGER_TIMEZONE = select(Person.timezone).where(Person.id == bindparam("manager_id"))
_OWNER = aliased(Person)
_ACCOUNT_AND_OWNER = (
    select(Account, _OWNER)
    .outerjoin(_OWNER, _OWNER.id == Account.owner_id)
    .where(Account.id == bindparam("account_id"))
)
_NAMES = (
    select(Account.name, _OWNER.name, _OWNER.id)
    .outerjoin(_OWNER, _OWNER.id == Account.owner_id)
    .where(Account.id == bindparam("account_id"))
)


def file_new(
    session: Session, request: FlagRequest, reporter: Actor, now: datetime, default_timezone: str
) -> RaisedFlag:
    """`raise_flag` for a request its caller has just found unraised (`find_raised`): one read fewer. A
    concurrent retry that raised it meanwhile is found by the insert, and nothing is added twice."""
    if request.category is None:
        request = routed_by_rules(request, classify(request.description, routing_examples.examples(session)))
    category, source = request.category, request.category_source
    assert category is not None
    team = owning_team(session, category)
    deadline = sla_due(session, team, request.severity, now, default_timezone)
    flag = insert_ignore_entity(
        session,
        Flag,
        {
            "account_id": request.account_id,
            "category": category.value,
            "category_source": source,
            "severity": request.severity.value,
            "description": request.description[:MAX_DESCRIPTION],
            "summary": request.summary[:MAX_SUMMARY] if request.summary else None,
            "routed_because": _because(request)[:300],
            "status": "open",
            "team_id": team.id if team else None,
            "reporter_person_id": reporter.person_id,
            "reporter_name": reporter.display_name[:200],
            "reporter_ref": reporter.external_id,
            "source_platform": request.source_platform,
            "source_ref": request.source_ref[:200],
            "source_link": request.source_link,
            "sla_due_at": deadline,
        },
    )
    if flag is None:  # a concurrent retry won the race: it is filed, and nothing more is added
        raced = _by_source(session, request)
        assert raced is not None
        return _raised(session, raced, created=True)
    session.add(
        FlagEvent(
            flag_id=flag.id,
            kind="raised",
            actor_name=reporter.display_name[:200],
            at=now,
            detail=f"category {category.value} ({source}"
            + (f": {request.chosen_because}" if request.chosen_because else "")
            + f"), severity {request.severity.value}",
        )
    )
    account, owner = session.execute(_ACCOUNT_AND_OWNER, {"account_id": flag.account_id}).one()
    channels = tuple(reach.team(session, team.id)) if team else ()
    _announce(session, flag, account, owner, team, channels, now)
    return _raised_from(flag, True, account.name, owner, team, channels)


def routed_by_rules(request: FlagRequest, judged: Classification, severity: Severity | None = None) -> FlagRequest:
    """`request` with the category the rules (or the organisation's examples) chose, and why."""
    return replace(
        request,
        category=judged.category,
        severity=severity or request.severity,
        category_source="learned" if judged.like else "rules",
        chosen_because=judged.explain(),
    )


def _because(request: FlagRequest) -> str:
    if request.chosen_because:
        return request.chosen_because
    return {"model": "suggested by Tend's AI", "rules": "Tend's rules"}.get(
        request.category_source, "the reporter's choice"
    )


def sla_due(session: Session, team: Team | None, severity: Severity, now: datetime, default_tz: str) -> datetime | None:
    """When the team must have taken the flag: its SLA in business hours (half for urgent flags) in the
    team manager's time zone, the organisation's holidays skipped."""
    if team is None:
        return None
    manager_tz = session.scalar(_MANAGER_TIMEZONE, {"manager_id": team.manager_id}) if team.manager_id else None
    hours = team.sla_hours / 2 if severity is Severity.URGENT else team.sla_hours
    return business_deadline(now, hours, manager_tz or default_tz, holidays_near(session, now, calendar_span(hours)))


def post_to_team(
    session: Session,
    flag: Flag,
    account: Account,
    owner: Person | None,
    team: Team,
    key: str,
    now: datetime,
    channels: Sequence[Target] | None = None,
) -> None:
    """Post the flag in its team's channel on each platform (`channels`, when the caller has them already);
    later updates redraw these posts."""
    flag.team_post_key = key
    where = channels if channels is not None else reach.team(session, team.id)
    outbox.post(session, key, where, flag_messages.for_team(flag, account, owner, team), now)


def _announce(
    session: Session,
    flag: Flag,
    account: Account,
    owner: Person | None,
    team: Team | None,
    channels: Sequence[Target],
    now: datetime,
) -> None:
    """Queue the team-channel post and the CSM's DM (the CS channel when the account has no owner)."""
    if team is not None:
        post_to_team(session, flag, account, owner, team, f"flag:{flag.id}:team", now, channels)
    if owner is not None and owner.id == flag.reporter_person_id:
        return  # a CSM who flags her own account knows: her reply says it was filed
    notice = flag_messages.for_csm(flag, account, team)
    if owner is not None:
        outbox.enqueue(session, f"flag:{flag.id}:csm", reach.person(session, owner.id, owner.email), notice, now)
        return
    cs_team = customer_success_team(session)
    if cs_team is not None and (team is None or cs_team.id != team.id):  # else its channel has the post
        outbox.post(session, f"flag:{flag.id}:cs", reach.team(session, cs_team.id), notice, now)


def _raised(session: Session, flag: Flag, created: bool) -> RaisedFlag:
    account_name, owner_name, owner_id = read(session, _NAMES, {"account_id": flag.account_id}).one()
    team = session.get(Team, flag.team_id) if flag.team_id else None
    channels = tuple(reach.team(session, team.id)) if team else ()
    return _raised_from(flag, created, account_name, _Owner(owner_id, owner_name) if owner_id else None, team, channels)


class _Owner(NamedTuple):
    id: int
    name: str


def _raised_from(
    flag: Flag,
    created: bool,
    account_name: str,
    owner: Person | _Owner | None,
    team: Team | None,
    channels: tuple[Target, ...],
) -> RaisedFlag:
    return RaisedFlag(
        flag.id,
        created,
        account_name,
        Category(flag.category),
        flag.category_source,
        team.name if team else None,
        channels,
        owner.name if owner else None,
        flag.sla_due_at,
        flag.description,
        flag.summary,
        by_owner=owner is not None and owner.id == flag.reporter_person_id,
    )

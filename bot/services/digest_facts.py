"""What changed on every account between two days, gathered once per run with one set-based query per kind
of fact, so that 200 managers' digests cost a handful of queries, not a handful per manager."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.models import Account, CheckIn, Flag, HealthSnapshot, Nudge, NudgeEvent, StageChange, Team
from bot.services.nudge_rules import settings
from bot.vocab import Stage


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    owner_id: int | None
    tier: str
    stage: str
    health: int | None
    renewal_date: date | None
    last_touch: date | None


@dataclass(frozen=True)
class FlagRow:
    id: int
    account_id: int
    team: str
    category: str
    status: str
    assignee: str | None
    sla_due_at: datetime | None
    escalated: bool
    outcome: str | None


@dataclass
class Facts:
    """Everything a digest may report, for every account, since `since`."""

    since: datetime
    since_date: date
    today: date
    now: datetime
    rules: dict[str, int]
    accounts: dict[int, AccountRow] = field(default_factory=dict)
    by_owner: dict[int | None, list[AccountRow]] = field(default_factory=dict)  # so each digest reads only its own
    health_then: dict[int, int] = field(default_factory=dict)
    stage_moves: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    snoozed_often: set[int] = field(default_factory=set)
    open_flags: list[FlagRow] = field(default_factory=list)
    resolved_flags: list[FlagRow] = field(default_factory=list)
    flags_30d: dict[int, int] = field(default_factory=dict)
    flags_prior_30d: dict[int, int] = field(default_factory=dict)
    check_ins: dict[int, int] = field(default_factory=dict)  # by person
    open_nudges: dict[int, int] = field(default_factory=dict)  # by account owner


def gather(session: Session, since: datetime, since_date: date, now: datetime, today: date) -> Facts:
    facts = Facts(since, since_date, today, now, settings(session))
    columns = (
        Account.id,
        Account.name,
        Account.owner_id,
        Account.tier,
        Account.stage,
        Account.health_score,
        Account.renewal_date,
        Account.last_touch_date,
    )
    facts.accounts = {row[0]: AccountRow(*row) for row in session.execute(select(*columns))}
    by_owner: dict[int | None, list[AccountRow]] = defaultdict(list)
    for account in facts.accounts.values():
        by_owner[account.owner_id].append(account)
    facts.by_owner = dict(by_owner)
    latest_before = (
        select(HealthSnapshot.account_id, func.max(HealthSnapshot.taken_on).label("day"))
        .where(HealthSnapshot.taken_on <= since_date)
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )
    facts.health_then = dict(
        session.execute(
            select(HealthSnapshot.account_id, HealthSnapshot.score).join(
                latest_before,
                and_(
                    latest_before.c.account_id == HealthSnapshot.account_id,
                    latest_before.c.day == HealthSnapshot.taken_on,
                ),
            )
        ).all()
    )
    moves: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for account_id, old, new in session.execute(
        select(StageChange.account_id, StageChange.from_stage, StageChange.to_stage)
        .where(StageChange.changed_on > since_date)
        .order_by(StageChange.changed_on, StageChange.id)
    ):
        moves[account_id].append((old, new))
    facts.stage_moves = dict(moves)
    facts.snoozed_often = set(
        session.scalars(select(NudgeEvent.account_id).where(NudgeEvent.kind == "escalated", NudgeEvent.at > since))
    )
    flag_columns = (
        Flag.id,
        Flag.account_id,
        func.coalesce(Team.name, "Customer success"),
        Flag.category,
        Flag.status,
        func.coalesce(Flag.resolved_by_name, Flag.assignee_name),  # who resolved it, else who owns it
        Flag.sla_due_at,
        Flag.escalated_at.is_not(None),
        Flag.outcome,
    )
    flags = select(*flag_columns).outerjoin(Team, Team.id == Flag.team_id)
    facts.open_flags = [FlagRow(*row) for row in session.execute(flags.where(Flag.status != "resolved"))]
    facts.resolved_flags = [
        FlagRow(*row) for row in session.execute(flags.where(Flag.status == "resolved", Flag.resolved_at > since))
    ]
    facts.flags_30d = _flag_counts(session, now - timedelta(days=30), now)
    facts.flags_prior_30d = _flag_counts(session, now - timedelta(days=60), now - timedelta(days=30))
    facts.check_ins = dict(
        session.execute(
            select(CheckIn.person_id, func.count()).where(CheckIn.at > since).group_by(CheckIn.person_id)
        ).all()
    )
    facts.open_nudges = dict(
        session.execute(
            select(Account.owner_id, func.count())
            .join(Nudge, Nudge.account_id == Account.id)
            .where(Nudge.status == "open", Account.stage != Stage.CHURNED.value)
            .group_by(Account.owner_id)
        ).all()
    )
    return facts


def _flag_counts(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    return dict(
        session.execute(
            select(Flag.account_id, func.count())
            .where(Flag.created_at > start, Flag.created_at <= end)
            .group_by(Flag.account_id)
        ).all()
    )

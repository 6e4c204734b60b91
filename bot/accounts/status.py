"""An account's status as a CSM needs it at a glance, the list of a person's own accounts, and a manager's
team summed up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import Executable, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from bot.accounts.attention import VITALS, Assessment, Vitals, assess, vitals_query, window_start
from bot.accounts.thresholds import settings
from bot.db import read
from bot.errors import NotFound
from bot.models import Account, Flag, HealthSnapshot, Person, SuccessCriterion
from bot.vocab import Stage, Tier

TREND_DAYS = 30
MY_ACCOUNTS_LIMIT = 20


@dataclass(frozen=True)
class HealthTrend:
    """Health now, how it moved over the trend window, and the dated points it moved through."""

    score: int | None
    change: int | None  # None: not enough history to tell
    points: tuple[int, ...] = ()

    @property
    def direction(self) -> str:
        if self.change is None:
            return "no history"
        return "rising" if self.change > 0 else "falling" if self.change < 0 else "steady"


@dataclass(frozen=True)
class CriterionLine:
    text: str
    status: str  # not_started, on_track, at_risk, met
    updated_on: date | None


@dataclass(frozen=True)
class AccountStatus:
    account_id: int
    name: str
    domain: str | None
    owner_name: str | None
    owner_email: str | None
    tier: Tier
    stage: Stage
    health: HealthTrend
    arr: Decimal | None
    renewal_date: date | None
    days_to_renewal: int | None
    last_touch_date: date | None
    days_since_touch: int | None
    success_criteria: tuple[CriterionLine, ...]
    open_problems: int
    any_resolved: bool  # a flag on it was resolved once: the card lists the latest
    attention: Assessment  # what is wrong with it: the same words Home, nudges and digests use


@dataclass(frozen=True)
class AccountLine:
    """One row of a list of accounts."""

    account_id: int
    name: str
    health_score: int | None
    renewal_date: date | None
    days_to_renewal: int | None


@dataclass(frozen=True)
class AccountList:
    lines: tuple[AccountLine, ...]
    total: int


class _CardQueries(NamedTuple):
    account: Executable
    criteria: Executable
    points: Executable


@cache
def _card_queries() -> _CardQueries:
    """The card's statements, built once (building one costs more than running it): the account with its
    vitals, owner, open-problem count and whether any flag was resolved (a card with no flags then reads no
    flag list); its success criteria; its health points since the trend's start."""
    owner = aliased(Person)
    open_problems = (
        select(func.count())
        .select_from(Flag)
        .where(Flag.account_id == Account.id, Flag.status != "resolved")
        .correlate(Account)
        .scalar_subquery()
    )
    any_resolved = (
        select(Flag.id).where(Flag.account_id == Account.id, Flag.status == "resolved").correlate(Account).exists()
    )
    account = (
        vitals_query(bindparam("peak_since"))
        .add_columns(Account.domain, owner.name, owner.email, open_problems, any_resolved)
        .outerjoin(owner, owner.id == Account.owner_id)
        .where(Account.id == bindparam("account_id"))
    )
    criteria = (
        select(SuccessCriterion.text, SuccessCriterion.status, SuccessCriterion.updated_on)
        .where(SuccessCriterion.account_id == bindparam("account_id"))
        .order_by(SuccessCriterion.position)
    )
    baseline_day = (
        select(func.max(HealthSnapshot.taken_on))
        .where(HealthSnapshot.account_id == bindparam("account_id"), HealthSnapshot.taken_on <= bindparam("start"))
        .scalar_subquery()
    )
    points = (
        select(HealthSnapshot.score)
        .where(
            HealthSnapshot.account_id == bindparam("account_id"),
            HealthSnapshot.taken_on >= func.coalesce(baseline_day, bindparam("start")),
            HealthSnapshot.taken_on <= bindparam("today"),
        )
        .order_by(HealthSnapshot.taken_on)
    )
    return _CardQueries(account, criteria, points)


def account_status(session: Session, account_id: int, today: date) -> AccountStatus:
    """Everything the card shows, in four queries: the rules' numbers; the account with its vitals, owner and
    open-problem count; its success criteria; its health points."""
    rules = settings(session)
    queries = _card_queries()
    row = read(session, queries.account, {"account_id": account_id, "peak_since": window_start(today, rules)}).first()
    if row is None:
        raise NotFound("That account no longer exists; it may have been removed by an import.")
    vitals, (domain, owner_name, owner_email, problems, any_resolved) = Vitals(*row[:VITALS]), row[VITALS:]
    criteria = read(session, queries.criteria, {"account_id": account_id}).all()
    return AccountStatus(
        account_id=vitals.id,
        name=vitals.name,
        domain=domain,
        owner_name=owner_name,
        owner_email=owner_email,
        tier=Tier(vitals.tier),
        stage=Stage(vitals.stage),
        health=health_trend(session, account_id, vitals.health, today),
        arr=vitals.arr,
        renewal_date=vitals.renewal_date,
        days_to_renewal=(vitals.renewal_date - today).days if vitals.renewal_date else None,
        last_touch_date=vitals.last_touch,
        days_since_touch=(today - vitals.last_touch).days if vitals.last_touch else None,
        success_criteria=tuple(CriterionLine(*row) for row in criteria),
        open_problems=int(problems or 0),
        any_resolved=bool(any_resolved),
        attention=assess(vitals, rules, today),
    )


def health_trend(session: Session, account_id: int, score: int | None, today: date) -> HealthTrend:
    """Change against the score as it stood `TREND_DAYS` ago (or the oldest score inside the window): the
    points from that day on, in one query."""
    start = today - timedelta(days=TREND_DAYS)
    given = {"account_id": account_id, "start": start, "today": today}
    points = list(read(session, _card_queries().points, given).scalars())
    if score is None:
        return HealthTrend(None, None, tuple(points))
    if not points or points[-1] != score:
        points = [*points, score]
    change = score - points[0] if len(points) > 1 else None
    return HealthTrend(score, change, tuple(points))


def accounts_owned_by(session: Session, person_id: int, today: date, limit: int = MY_ACCOUNTS_LIMIT) -> AccountList:
    """A person's accounts, the next renewal first (accounts with no renewal date last)."""
    owned = Account.owner_id == person_id
    total = session.scalar(select(func.count()).select_from(Account).where(owned)) or 0
    rows = session.execute(
        select(Account.id, Account.name, Account.health_score, Account.renewal_date)
        .where(owned)
        .order_by(Account.renewal_date.is_(None), Account.renewal_date, Account.name)
        .limit(limit)
    ).all()
    lines = tuple(
        AccountLine(account_id, name, health, renewal, (renewal - today).days if renewal else None)
        for account_id, name, health, renewal in rows
    )
    return AccountList(lines, total)


def account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def account_name(session: Session, account_id: int) -> str | None:
    return session.scalar(select(Account.name).where(Account.id == account_id))


@dataclass(frozen=True)
class MemberLoad:
    """One person of a manager's team, as the Home tab sums them up."""

    name: str
    accounts: int
    unhealthy: int  # accounts under the health floor
    next_renewal: date | None


def team_load(session: Session, member_ids: Iterable[int], health_floor: int) -> list[MemberLoad]:
    """Each team member's live accounts, how many are under the health floor, and the next renewal."""
    rows = session.execute(
        select(
            Person.name,
            func.count(Account.id),
            func.sum(case((Account.health_score < health_floor, 1), else_=0)),
            func.min(Account.renewal_date),
        )
        .outerjoin(Account, (Account.owner_id == Person.id) & (Account.stage != Stage.CHURNED.value))
        .where(Person.id.in_(list(member_ids)))
        .group_by(Person.id, Person.name)
        .order_by(Person.name)
    ).all()
    return [MemberLoad(name, owned, int(low or 0), soonest) for name, owned, low, soonest in rows]

"""Why an account needs a touch: the nudge rules (their numbers in `bot.accounts.thresholds`), and the planner
that turns them into Nudge rows with one set-based statement per rule.

Every rule names a *cycle* for what it found ("touch:2026-08-01", "renewal:2027-03-01:60"): the unique
(account, reason, cycle) makes each reason nudge once per cycle, however often and wherever planning runs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from bot.accounts.thresholds import settings
from bot.db import MANY_ROWS, SessionFactory, engine_of, fresh_statistics, insert_select_ignore, session_scope
from bot.models import Account, HealthSnapshot, Nudge, SuccessCriterion, UTCDateTime
from bot.vocab import Stage, Tier


class Reason(StrEnum):
    """In the order a CSM should care: a renewal at stake first, a stale criterion last."""

    RENEWAL = "renewal"
    HEALTH = "health"
    NO_TOUCH = "no_touch"
    CRITERION = "criterion"
    UNOWNED = "unowned"


COLUMNS = ("account_id", "reason", "cycle", "criterion_id", "status", "planned_at")


@dataclass(frozen=True)
class Run:
    """One planning run: the rules' numbers, its instant and day, and optionally one CSM's accounts only."""

    rules: dict[str, int]
    now: datetime
    today: date
    owner_id: int | None = None


def plan(
    session: Session,
    now: datetime,
    today: date,
    reasons: tuple[Reason, ...] = tuple(Reason),
    close: bool = True,
    owner_id: int | None = None,
) -> dict[Reason, int]:
    """Close nudges whose reason went away (unless `close` is False), then add what is newly due for
    `reasons` (for one CSM's accounts when `owner_id` is given); returns how many were added per reason.
    Caller commits."""
    if close:
        close_superseded(session, now, owner_id)
    run = Run(settings(session), now, today, owner_id)
    return {reason: sum(rule(session, run) for rule in RULES[reason]) for reason in reasons}


def plan_due(factory: SessionFactory, now: datetime, today: date) -> dict[Reason, int]:
    """The planning run. On PostgreSQL the criteria rule (the most rows) runs in a second transaction beside
    the others, one core each; SQLite has one writer, so there it is one transaction."""
    if engine_of(factory).dialect.name != "postgresql":
        with session_scope(factory) as session:
            return plan(session, now, today)
    with session_scope(factory) as session:
        close_superseded(session, now)
    others = tuple(r for r in Reason if r is not Reason.CRITERION)

    def part(reasons: tuple[Reason, ...]) -> dict[Reason, int]:
        with session_scope(factory) as session:
            return plan(session, now, today, reasons, close=False)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="tend-plan") as pool:
        parts = [pool.submit(part, (Reason.CRITERION,)), pool.submit(part, others)]
        added = {reason: count for future in parts for reason, count in future.result().items()}
    if sum(added.values()) >= MANY_ROWS:  # the first run after an import: queueing and sending read them next
        with session_scope(factory) as session:
            fresh_statistics(session, Nudge.__table__)
    return {reason: added[reason] for reason in Reason}


def _rows(reason: Reason, now: datetime, cycle: Any, criterion_id: Any = None) -> list[Any]:
    """The columns every rule selects, in COLUMNS order."""
    return [
        Account.id,
        literal(reason.value),
        cycle,
        criterion_id if criterion_id is not None else cast(null(), Integer),
        literal("open"),
        literal(now, type_=UTCDateTime()),
    ]


def _add(session: Session, query: Select[Any]) -> int:
    return insert_select_ignore(session, Nudge.__table__, COLUMNS, query)


def _owned_and_active(run: Run) -> ColumnElement[bool]:
    owner = Account.owner_id.is_not(None) if run.owner_id is None else Account.owner_id == run.owner_id
    return and_(owner, Account.stage != Stage.CHURNED.value)


def _touch_cycle() -> ColumnElement[str]:
    return literal("touch:") + func.coalesce(cast(Account.last_touch_date, String), "never")


def _no_touch(session: Session, run: Run) -> int:
    rules, now, today = run.rules, run.now, run.today
    overdue = or_(
        Account.last_touch_date.is_(None),
        *(
            and_(
                Account.tier == tier.value,
                Account.last_touch_date <= today - timedelta(days=rules[f"no_touch_days_{tier}"]),
            )
            for tier in Tier
        ),
    )
    query = select(*_rows(Reason.NO_TOUCH, now, _touch_cycle())).where(_owned_and_active(run), overdue)
    return _add(session, query)


def _renewal(session: Session, run: Run) -> int:
    """One nudge per threshold (90, 60, 30 days): the nearest threshold the renewal is inside of."""
    rules, now, today = run.rules, run.now, run.today
    first, second, last = (rules[f"renewal_days_{n}"] for n in ("first", "second", "last"))
    threshold = case(
        (Account.renewal_date <= today + timedelta(days=last), last),
        (Account.renewal_date <= today + timedelta(days=second), second),
        else_=first,
    )
    cycle = literal("renewal:") + cast(Account.renewal_date, String) + literal(":") + cast(threshold, String)
    query = select(*_rows(Reason.RENEWAL, now, cycle)).where(
        _owned_and_active(run), Account.renewal_date.between(today, today + timedelta(days=first))
    )
    return _add(session, query)


def _renewal_weekly(session: Session, run: Run) -> int:
    """Inside the last threshold, weekly while no touch was logged since the previous renewal nudge (a touch
    holds the next one off for a week). Each weekly nudge's cycle names the one before it: one per week."""
    rules, now, today = run.rules, run.now, run.today
    last = rules["renewal_days_last"]
    previous = (
        select(Nudge.account_id, func.max(Nudge.id).label("last_id"), func.max(Nudge.planned_at).label("last_at"))
        .where(
            Nudge.reason == Reason.RENEWAL.value,
            Nudge.planned_at >= now - timedelta(days=last + 7),
            or_(Nudge.cycle.like(f"%:{last}"), Nudge.cycle.like("%:after:%")),  # the last threshold's, or weekly
        )
        .group_by(Nudge.account_id)
        .subquery()
    )
    cycle = (
        literal("renewal:") + cast(Account.renewal_date, String) + literal(":after:") + cast(previous.c.last_id, String)
    )
    query = (
        select(*_rows(Reason.RENEWAL, now, cycle))
        .join(previous, previous.c.account_id == Account.id)
        .where(
            _owned_and_active(run),
            Account.renewal_date.between(today, today + timedelta(days=last)),
            previous.c.last_at <= now - timedelta(days=7),
            or_(
                Account.last_touch_date.is_(None),
                Account.last_touch_date < func.date(previous.c.last_at),
                Account.last_touch_date <= today - timedelta(days=7),
            ),
        )
    )
    return _add(session, query)


def _health(session: Session, run: Run) -> int:
    """Fell by `health_drop_points` within `health_drop_days`, or crossed below `health_floor`; at most one
    nudge per such window."""
    rules, now, today = run.rules, run.now, run.today
    window, drop, floor = rules["health_drop_days"], rules["health_drop_points"], rules["health_floor"]
    peak = (
        select(HealthSnapshot.account_id, func.max(HealthSnapshot.score).label("peak"))
        .where(HealthSnapshot.taken_on >= today - timedelta(days=window))
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )
    recently = exists().where(
        Nudge.account_id == Account.id,
        Nudge.reason == Reason.HEALTH.value,
        Nudge.planned_at > now - timedelta(days=window),
    )
    query = (
        select(*_rows(Reason.HEALTH, now, literal(f"health:{today.isoformat()}")))
        .join(peak, peak.c.account_id == Account.id)
        .where(
            _owned_and_active(run),
            Account.health_score.is_not(None),
            or_(
                peak.c.peak - Account.health_score >= drop,
                and_(Account.health_score < floor, peak.c.peak >= floor),
            ),
            ~recently,
        )
    )
    return _add(session, query)


def _criterion_cycle() -> ColumnElement[str]:
    return (
        literal("criterion:")
        + cast(SuccessCriterion.id, String)
        + literal(":")
        + cast(SuccessCriterion.updated_on, String)
    )


def _criterion(session: Session, run: Run) -> int:
    rules, now, today = run.rules, run.now, run.today
    query = (
        select(*_rows(Reason.CRITERION, now, _criterion_cycle(), SuccessCriterion.id))
        .join(SuccessCriterion, SuccessCriterion.account_id == Account.id)
        .where(
            _owned_and_active(run),
            SuccessCriterion.status != "met",
            SuccessCriterion.updated_on <= today - timedelta(days=rules["criterion_stale_days"]),
        )
    )
    return _add(session, query)


def _unowned(session: Session, run: Run) -> int:
    """Accounts nobody owns go to the customer-success team once per period (a week by default)."""
    if run.owner_id is not None:
        return 0  # planning for one CSM: unowned accounts are not theirs
    rules, now, today = run.rules, run.now, run.today
    every = max(1, rules["unowned_every_days"])
    period_start = date.fromordinal(today.toordinal() - today.toordinal() % every)
    query = select(*_rows(Reason.UNOWNED, now, literal(f"unowned:{period_start.isoformat()}"))).where(
        Account.owner_id.is_(None), Account.stage != Stage.CHURNED.value
    )
    return _add(session, query)


Rule = Callable[[Session, Run], int]
RULES: dict[Reason, tuple[Rule, ...]] = {
    Reason.RENEWAL: (_renewal, _renewal_weekly),
    Reason.HEALTH: (_health,),
    Reason.NO_TOUCH: (_no_touch,),
    Reason.CRITERION: (_criterion,),
    Reason.UNOWNED: (_unowned,),
}


def close_superseded(session: Session, now: datetime, owner_id: int | None = None) -> int:
    """Close open nudges whose reason went away before anyone acted: the account churned, was touched (an
    import moved its last touch), got a new renewal date, an owner, or its criterion changed."""
    account = select(Account).where(Account.id == Nudge.account_id).correlate(Nudge)
    criterion = select(SuccessCriterion).where(SuccessCriterion.id == Nudge.criterion_id).correlate(Nudge)
    gone = or_(
        exists(account.where(Account.stage == Stage.CHURNED.value)),
        and_(Nudge.reason == Reason.NO_TOUCH.value, ~exists(account.where(_touch_cycle() == Nudge.cycle))),
        and_(
            Nudge.reason == Reason.RENEWAL.value,
            ~exists(account.where(Nudge.cycle.like(literal("renewal:") + cast(Account.renewal_date, String) + ":%"))),
        ),
        and_(Nudge.reason == Reason.UNOWNED.value, exists(account.where(Account.owner_id.is_not(None)))),
        and_(
            Nudge.reason == Reason.CRITERION.value,
            ~exists(criterion.where(SuccessCriterion.status != "met", _criterion_cycle() == Nudge.cycle)),
        ),
    )
    mine = Nudge.account_id.in_(select(Account.id).where(Account.owner_id == owner_id)) if owner_id else true()
    result = session.execute(
        update(Nudge)
        .where(Nudge.status == "open", mine, gone)
        .values(status="done", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]

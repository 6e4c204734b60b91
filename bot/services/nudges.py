"""From planned nudges to what a CSM reads: due nudges grouped by account, most urgent first, described in
plain words, and sent as one DM per CSM per run inside their working hours (unowned accounts: one message
to the customer-success team's channel)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.gateway import Target
from bot.models import Account, HealthSnapshot, Nudge, Person, SuccessCriterion
from bot.services import nudge_messages, outbox
from bot.services.imports.common import chunks
from bot.services.nudge_rules import Reason, settings
from bot.services.routing import customer_success_team
from bot.services.working_hours import Schedule, holidays_near
from bot.text import plural
from bot.vocab import Stage, Tier

URGENCY = list(Reason)


@dataclass(frozen=True)
class DueReason:
    nudge_id: int
    reason: Reason
    words: str


@dataclass
class DueAccount:
    """One account in a nudge: every reason it is due, and how long since anyone touched it."""

    account_id: int
    name: str
    last_touch: date | None
    renewal_in: int | None
    today: date
    reasons: list[DueReason] = field(default_factory=list)

    @property
    def nudge_ids(self) -> list[int]:
        return [r.nudge_id for r in self.reasons]

    @property
    def summary(self) -> str:
        """ "renews in 30 days — last touch 95 days ago"."""
        words = " · ".join(r.words for r in self.reasons)
        if any(r.reason in (Reason.NO_TOUCH, Reason.UNOWNED) for r in self.reasons):
            return words
        return f"{words} — {touch_words(self.last_touch, self.today)}"

    def urgency(self) -> tuple[int, int, int]:
        first = min(URGENCY.index(r.reason) for r in self.reasons)
        touch_age = (self.today - self.last_touch).days if self.last_touch else 10**6
        return (first, self.renewal_in if self.renewal_in is not None else 10**6, -touch_age)


def touch_words(last_touch: date | None, today: date) -> str:
    if last_touch is None:
        return "no touch logged yet"
    days = (today - last_touch).days
    return "last touch today" if days <= 0 else f"last touch {plural(days, 'day')} ago"


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Open, not in a DM yet (or snoozed until before `now`), on an account that is not churned."""
    return and_(
        Nudge.status == "open",
        Nudge.notified_at.is_(None),
        or_(Nudge.notify_after.is_(None), Nudge.notify_after <= now),
        Account.stage != Stage.CHURNED.value,
    )


def describe(session: Session, nudge_ids: Iterable[int], today: date) -> list[DueAccount]:
    """The accounts behind `nudge_ids`, each with its reasons in plain words, most urgent first."""
    rows = _load(session, list(nudge_ids))
    rules = settings(session)
    return _group(rows, _health_peaks(session, rows, today, rules), rules, today)


def _load(session: Session, ids: list[int]) -> list[Row[Any]]:
    rows: list[Row[Any]] = []
    for chunk in chunks(ids):
        rows += session.execute(
            select(
                Nudge.id,
                Nudge.reason,
                Account.id,
                Account.name,
                Account.tier,
                Account.renewal_date,
                Account.last_touch_date,
                Account.health_score,
                SuccessCriterion.text,
            )
            .join(Account, Account.id == Nudge.account_id)
            .outerjoin(SuccessCriterion, SuccessCriterion.id == Nudge.criterion_id)
            .where(Nudge.id.in_(chunk))
        ).all()
    return rows


def _group(rows: Iterable[Row[Any]], peaks: dict[int, int], rules: dict[str, int], today: date) -> list[DueAccount]:
    accounts: dict[int, DueAccount] = {}
    for nudge_id, reason, account_id, name, tier, renewal, touched, health, criterion in rows:
        renewal_in = (renewal - today).days if renewal else None
        entry = accounts.setdefault(account_id, DueAccount(account_id, name, touched, renewal_in, today))
        facts = _Facts(Reason(reason), tier, renewal_in, touched, health, peaks.get(account_id), criterion, today)
        entry.reasons.append(DueReason(nudge_id, Reason(reason), facts.words(rules)))
    for entry in accounts.values():
        entry.reasons.sort(key=lambda r: URGENCY.index(r.reason))
    return sorted(accounts.values(), key=DueAccount.urgency)


@dataclass(frozen=True)
class _Facts:
    reason: Reason
    tier: str
    renewal_in: int | None
    last_touch: date | None
    health: int | None
    peak: int | None
    criterion: str | None
    today: date

    def words(self, rules: dict[str, int]) -> str:
        if self.reason is Reason.RENEWAL:
            days = self.renewal_in or 0
            return "renews today" if days <= 0 else "renews tomorrow" if days == 1 else f"renews in {days} days"
        if self.reason is Reason.HEALTH:
            if (
                self.peak is not None
                and self.health is not None
                and self.peak - self.health >= rules["health_drop_points"]
            ):
                return f"health fell from {self.peak} to {self.health} in {rules['health_drop_days']} days"
            return f"health fell below {rules['health_floor']} (now {self.health})"
        if self.reason is Reason.NO_TOUCH:
            if self.last_touch is None:
                return "no touch logged yet"
            cadence = rules.get(f"no_touch_days_{self.tier}", rules["no_touch_days_engagement"])
            label = Tier(self.tier).value if self.tier in Tier._value2member_map_ else self.tier
            return f"no touch for {plural((self.today - self.last_touch).days, 'day')} ({label}: every {cadence})"
        if self.reason is Reason.CRITERION:
            return f"success criterion “{self.criterion}” has had no update for {rules['criterion_stale_days']}+ days"
        return "has no CSM: who will take it?"


def _health_peaks(session: Session, rows: list[Row[Any]], today: date, rules: dict[str, int]) -> dict[int, int]:
    account_ids = [row[2] for row in rows if row[1] == Reason.HEALTH.value]
    since = today - timedelta(days=rules["health_drop_days"])
    peaks: dict[int, int] = {}
    for chunk in chunks(account_ids):
        peaks.update(
            session.execute(
                select(HealthSnapshot.account_id, func.max(HealthSnapshot.score))
                .where(HealthSnapshot.account_id.in_(chunk), HealthSnapshot.taken_on >= since)
                .group_by(HealthSnapshot.account_id)
            ).all()
        )
    return peaks


@dataclass(frozen=True)
class Recipient:
    key: str  # "person:<id>" or "team"
    target: Target
    schedule: Schedule


@dataclass
class SendReport:
    messages: int = 0
    accounts: int = 0
    waiting: int = 0  # due, but their recipient is outside working hours (or nobody can receive them)

    def __str__(self) -> str:
        return (
            f"{plural(self.messages, 'nudge message')} queued about {plural(self.accounts, 'account')}; "
            f"{self.waiting} due nudge(s) wait for working hours"
        )


def send_due(session: Session, now: datetime, default_timezone: str) -> SendReport:
    """Queue one message per recipient now inside working hours, about all their due nudges. Each nudge is
    claimed with a conditional UPDATE first, so two runs at once never put it in two messages. Caller commits."""
    rows = session.execute(
        select(
            Nudge.id,
            Account.owner_id,
            Person.email,
            Person.timezone,
            Person.work_start,
            Person.work_end,
            Person.work_days,
        )
        .join(Account, Account.id == Nudge.account_id)
        .outerjoin(Person, Person.id == Account.owner_id)
        .where(due_condition(now))
    ).all()
    report = SendReport()
    if not rows:
        return report
    holidays = holidays_near(session, now)
    team = customer_success_team(session)
    recipients: dict[str, Recipient] = {}
    waiting: dict[str, list[int]] = {}
    for nudge_id, owner_id, email, timezone, start, end, days in rows:
        if owner_id is None:
            if team is None:
                continue
            recipient = Recipient("team", Target("channel", team.channel), Schedule(default_timezone))
        else:
            schedule = Schedule(timezone or default_timezone, start, end, days)
            recipient = Recipient(f"person:{owner_id}", Target("person", email), schedule)
        recipients[recipient.key] = recipient
        waiting.setdefault(recipient.key, []).append(nudge_id)
    ready = [i for key, ids in waiting.items() if recipients[key].schedule.is_working(now, holidays) for i in ids]
    report.waiting = len(rows) - len(ready)  # outside working hours, or nobody to tell
    claimed = set(_claim(session, ready, now))
    loaded = _load(session, sorted(claimed))
    rules = settings(session)
    peaks = _health_peaks(session, loaded, now.date(), rules)
    by_id = {row[0]: row for row in loaded}
    for key, ids in waiting.items():
        recipient = recipients[key]
        mine = [by_id[i] for i in ids if i in claimed]
        if not mine:
            continue
        due = _group(mine, peaks, rules, recipient.schedule.local_date(now))
        reply = nudge_messages.for_team(due) if key == "team" else nudge_messages.for_csm(due)
        outbox.enqueue(
            session, f"nudges:{key}:{min(r[0] for r in mine)}:{now.isoformat()}", recipient.target, reply, now
        )
        report.messages += 1
        report.accounts += len(due)
    return report


def _claim(session: Session, ids: list[int], now: datetime) -> list[int]:
    claimed: list[int] = []
    for chunk in chunks(ids):
        claimed += session.scalars(
            update(Nudge)
            .where(Nudge.id.in_(chunk), Nudge.status == "open", Nudge.notified_at.is_(None))
            .values(notified_at=now)
            .returning(Nudge.id)
            .execution_options(synchronize_session=False)
        )
    return claimed

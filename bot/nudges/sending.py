"""From planned nudges to what a CSM reads: due nudges grouped by account, most urgent first, described in
plain words, and sent as one DM per CSM per run inside their working hours (unowned accounts: one message
to the customer-success team's channel)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from bot.accounts import attention
from bot.accounts.thresholds import settings
from bot.batch import chunks
from bot.delivery import outbox
from bot.flags.routing.teams import customer_success_team
from bot.gateway import Target
from bot.models import Account, Nudge, Person, SuccessCriterion
from bot.nudges import messages as nudge_messages
from bot.nudges.due import URGENCY, DueAccount, DueReason
from bot.nudges.rules import Reason
from bot.people import reach
from bot.people.working_hours import Schedule, holidays_near
from bot.text import plural
from bot.vocab import Stage


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
    return _group(rows, attention.read_ids(session, {r[2] for r in rows}, today, rules), rules, today)


def _load(session: Session, ids: list[int]) -> list[Any]:
    rows: list[Any] = []
    for chunk in chunks(ids):
        rows += session.execute(
            select(Nudge.id, Nudge.reason, Account.id, Account.name, SuccessCriterion.text)
            .join(Account, Account.id == Nudge.account_id)
            .outerjoin(SuccessCriterion, SuccessCriterion.id == Nudge.criterion_id)
            .where(Nudge.id.in_(chunk))
        ).all()
    return rows


def _group(
    rows: Iterable[Any], vitals: dict[int, attention.Vitals], rules: dict[str, int], today: date
) -> list[DueAccount]:
    accounts: dict[int, DueAccount] = {}
    for nudge_id, reason, account_id, name, criterion in rows:
        entry = accounts.get(account_id)
        if entry is None:
            found = vitals.get(account_id)
            entry = DueAccount(account_id, name, today, assessment=found and attention.assess(found, rules, today))
            accounts[account_id] = entry
        entry.reasons.append(DueReason(nudge_id, Reason(reason), _words(Reason(reason), criterion, rules)))
    for entry in accounts.values():
        entry.reasons.sort(key=lambda r: URGENCY.index(r.reason))
    return sorted(accounts.values(), key=DueAccount.urgency)


def _words(reason: Reason, criterion: str | None, rules: dict[str, int]) -> str:
    """Why one nudge was planned, for what the account's concerns do not say (criteria, unowned accounts)."""
    if reason is Reason.CRITERION:
        return f"success criterion “{criterion}” has had no update for {rules['criterion_stale_days']}+ days"
    if reason is Reason.UNOWNED:
        return "has no CSM: who will take it?"
    return {
        Reason.RENEWAL: "renewal coming up",
        Reason.HEALTH: "health fell",
        Reason.NO_TOUCH: "no touch for a while",
    }[reason]


@dataclass(frozen=True)
class Recipient:
    key: str  # "person:<id>" or "team"
    targets: list[Target]  # a person's one DM; the customer-success team's channel on each platform
    schedule: Schedule


@dataclass
class SendReport:
    messages: int = 0
    accounts: int = 0
    waiting: int = 0  # due, but their recipient is outside working hours (or nobody can receive them)

    def __str__(self) -> str:
        return (
            f"{plural(self.messages, 'nudge message')} queued about {plural(self.accounts, 'account')}; "
            f"{plural(self.waiting, 'due nudge')} waiting for working hours"
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
    team_channels = reach.team(session, team.id) if team else []
    dms = reach.people(session, {row.owner_id: row.email for row in rows if row.owner_id is not None})
    recipients: dict[str, Recipient] = {}
    waiting: dict[str, list[int]] = {}
    for nudge_id, owner_id, _email, timezone, start, end, days in rows:
        if owner_id is None:
            if not team_channels:
                continue
            recipient = Recipient("team", team_channels, Schedule(default_timezone))
        else:
            schedule = Schedule(timezone or default_timezone, start, end, days)
            recipient = Recipient(f"person:{owner_id}", [dms[owner_id]], schedule)
        recipients[recipient.key] = recipient
        waiting.setdefault(recipient.key, []).append(nudge_id)
    ready = [i for key, ids in waiting.items() if recipients[key].schedule.is_working(now, holidays) for i in ids]
    report.waiting = len(rows) - len(ready)  # outside working hours, or nobody to tell
    claimed = set(_claim(session, ready, now))
    loaded = _load(session, sorted(claimed))
    rules = settings(session)
    vitals = attention.read_ids(session, {row[2] for row in loaded}, now.date(), rules)
    by_id = {row[0]: row for row in loaded}
    for key, ids in waiting.items():
        recipient = recipients[key]
        mine = [by_id[i] for i in ids if i in claimed]
        if not mine:
            continue
        due = _group(mine, vitals, rules, recipient.schedule.local_date(now))
        dedupe_key = f"nudges:{key}:{min(r[0] for r in mine)}:{now.isoformat()}"
        if key == "team":
            outbox.post(session, dedupe_key, recipient.targets, nudge_messages.for_team(due), now)
        else:
            outbox.enqueue(session, dedupe_key, recipient.targets[0], nudge_messages.for_csm(due), now)
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

"""From planned nudges to what a CSM reads: due nudges grouped by account, most urgent first, described in
plain words, and sent as one DM per CSM per run inside their working hours (unowned accounts: one message
to the customer-success team's channel)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.accounts import attention
from bot.accounts.thresholds import settings
from bot.batch import chunks, fewer_collections
from bot.delivery import outbox
from bot.flags.routing.teams import customer_success_team
from bot.gateway import Target
from bot.messages import Reply
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
        # named only where a message shows it in full (`_name_criteria`)
        which = f"success criterion “{criterion}”" if criterion is not None else "a success criterion"
        return f"{which} has had no update for {rules['criterion_stale_days']}+ days"
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
    """Queue one message per recipient now inside working hours, about all their due nudges. Set-based
    throughout (a first run after planning turns 165k nudges into 1,334 messages): who has something due is
    one grouped query; their nudges are claimed by a conditional UPDATE … RETURNING per few hundred
    recipients, so two runs at once never put a nudge in two messages; the messages go to the outbox in one
    INSERT. Caller commits."""
    with fewer_collections():  # tens of thousands of small objects at once (see bot.batch)
        return _send_due(session, now, default_timezone)


def _send_due(session: Session, now: datetime, default_timezone: str) -> SendReport:
    report = SendReport()
    recipients, counts = _recipients(session, now, default_timezone)
    holidays = holidays_near(session, now) if recipients else set()
    ready = {key for key, recipient in recipients.items() if recipient.schedule.is_working(now, holidays)}
    report.waiting = sum(count for key, count in counts.items() if key not in ready)
    if not ready:
        return report
    rows = _claim(session, ready, now)
    rules = settings(session)
    vitals = attention.read_ids(session, {row.account_id for row in rows}, now.date(), rules)
    claimed: dict[str, list[_Claimed]] = {}
    strays: list[int] = []  # the account changed hands since the claim's read: next run, to its new owner
    for row in rows:
        owner = vitals[row.account_id].owner_id if row.account_id in vitals else None
        key = f"person:{owner}" if owner is not None else TEAM
        if key in ready:
            claimed.setdefault(key, []).append(row)
        else:
            strays.append(row.nudge_id)
    _release(session, strays)
    dues = {key: _due(mine, vitals, rules, recipients[key].schedule.local_date(now)) for key, mine in claimed.items()}
    _name_criteria(session, dues, rules)
    messages: list[tuple[str, Target, Reply]] = []
    for key, due in dues.items():
        if not due:  # its accounts were deleted since the claim
            continue
        recipient = recipients[key]
        dedupe_key = f"nudges:{key}:{min(row.nudge_id for row in claimed[key])}:{now.isoformat()}"
        if key == TEAM:
            reply = nudge_messages.for_team(due)
            messages += [(f"{dedupe_key}@{target.platform}", target, reply) for target in recipient.targets]
        else:
            messages.append((dedupe_key, recipient.targets[0], nudge_messages.for_csm(due)))
        report.messages += 1
        report.accounts += len(due)
    outbox.enqueue_many(session, messages, now)
    return report


TEAM = "team"  # the recipient of unowned accounts' nudges: the customer-success team's channel(s)


def _recipients(session: Session, now: datetime, default_timezone: str) -> tuple[dict[str, Recipient], dict[str, int]]:
    """Everyone with due nudges (the customer-success team for unowned accounts, when it has a channel), and
    how many each has: one grouped query, however many nudges."""
    owners = session.execute(
        select(
            Account.owner_id,
            Person.email,
            Person.timezone,
            Person.work_start,
            Person.work_end,
            Person.work_days,
            func.count(Nudge.id),
        )
        .join(Account, Account.id == Nudge.account_id)
        .outerjoin(Person, Person.id == Account.owner_id)
        .where(due_condition(now))
        .group_by(Account.owner_id, Person.email, Person.timezone, Person.work_start, Person.work_end, Person.work_days)
    ).all()
    recipients: dict[str, Recipient] = {}
    counts: dict[str, int] = {}
    dms = reach.people(session, {row.owner_id: row.email for row in owners if row.owner_id is not None})
    for owner_id, _email, timezone, start, end, days, count in owners:
        if owner_id is None:
            team = customer_success_team(session)
            channels = reach.team(session, team.id) if team else []
            counts[TEAM] = count
            if channels:  # else nobody can be told: the nudges wait, counted as waiting
                recipients[TEAM] = Recipient(TEAM, channels, Schedule(default_timezone))
            continue
        key = f"person:{owner_id}"
        counts[key] = count
        recipients[key] = Recipient(key, [dms[owner_id]], Schedule(timezone or default_timezone, start, end, days))
    return recipients, counts


class _Claimed(NamedTuple):
    nudge_id: int
    reason: str
    account_id: int
    criterion_id: int | None


def _claim(session: Session, ready: set[str], now: datetime) -> list[_Claimed]:
    """Mark the due nudges of the `ready` recipients as notified now and return them: one UPDATE … RETURNING
    per CHUNK of owners (and one for the unowned), taking only rows nobody has claimed."""
    owner_ids = sorted(int(key.split(":")[1]) for key in ready if key != TEAM)
    groups: list[ColumnElement[bool]] = [Account.owner_id.in_(chunk) for chunk in chunks(owner_ids)]
    if TEAM in ready:
        groups.append(Account.owner_id.is_(None))
    claimed: list[_Claimed] = []
    for accounts_of in groups:
        accounts = select(Account.id).where(accounts_of, Account.stage != Stage.CHURNED.value)
        claimed += (
            _Claimed(*row)
            for row in session.execute(
                update(Nudge)
                .where(
                    Nudge.account_id.in_(accounts),
                    Nudge.status == "open",
                    Nudge.notified_at.is_(None),
                    or_(Nudge.notify_after.is_(None), Nudge.notify_after <= now),
                )
                .values(notified_at=now)
                .returning(Nudge.id, Nudge.reason, Nudge.account_id, Nudge.criterion_id)
                .execution_options(synchronize_session=False)
            )
        )
    return claimed


def _release(session: Session, nudge_ids: list[int]) -> None:
    for chunk in chunks(nudge_ids):
        session.execute(
            update(Nudge)
            .where(Nudge.id.in_(chunk))
            .values(notified_at=None)
            .execution_options(synchronize_session=False)
        )


def _due(
    rows: list[_Claimed], vitals: dict[int, attention.Vitals], rules: dict[str, int], today: date
) -> list[DueAccount]:
    """One recipient's accounts, most urgent first; a criterion's words name it later (`_name_criteria`),
    for the accounts the message shows only."""
    named = [
        (r.nudge_id, r.reason, r.account_id, vitals[r.account_id].name, None) for r in rows if r.account_id in vitals
    ]
    return _group(named, vitals, rules, today)


def _name_criteria(session: Session, dues: dict[str, list[DueAccount]], rules: dict[str, int]) -> None:
    """Put each stale criterion's own text into the words of the accounts a message shows in full."""
    shown = [
        reason
        for key, due in dues.items()
        if key != TEAM
        for entry in due[: nudge_messages.IN_FULL]
        for reason in entry.reasons
        if reason.reason is Reason.CRITERION
    ]
    texts: dict[int, str] = {}
    for chunk in chunks([r.nudge_id for r in shown]):
        texts.update(
            (nudge_id, text)
            for nudge_id, text in session.execute(
                select(Nudge.id, SuccessCriterion.text)
                .join(SuccessCriterion, SuccessCriterion.id == Nudge.criterion_id)
                .where(Nudge.id.in_(chunk))
            )
        )
    for key, due in dues.items():
        if key == TEAM:
            continue
        for entry in due[: nudge_messages.IN_FULL]:
            entry.reasons = [
                DueReason(r.nudge_id, r.reason, _words(r.reason, texts.get(r.nudge_id), rules))
                if r.reason is Reason.CRITERION
                else r
                for r in entry.reasons
            ]

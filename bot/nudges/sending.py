"""Who is told which nudges, and when: each recipient's due nudges in one message per run, only inside
their working hours (unowned accounts: one message to the customer-success team's channel). What the
message says, and which nudges it tells, is settled when it is sent (`bot.nudges.composing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from secrets import randbits
from typing import NamedTuple

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bot.db import upsert
from bot.delivery import outbox
from bot.delivery.composed import COMPOSE, Recipe
from bot.flags.routing.teams import customer_success_team
from bot.gateway import Target
from bot.models import Account, AppState, Notification, Nudge, Person
from bot.nudges import composing
from bot.nudges.composing import TEAM, person_key
from bot.nudges.notices import due_condition
from bot.people import reach
from bot.people.working_hours import Schedule, holidays_near
from bot.text import plural


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
    unsent: int = 0  # due, and their recipient's message from an earlier run is still to be sent

    def __str__(self) -> str:
        unsent = f"; {plural(self.unsent, 'due nudge')} in messages not sent yet" if self.unsent else ""
        return (
            f"{plural(self.messages, 'nudge message')} queued about {plural(self.accounts, 'account')}; "
            f"{plural(self.waiting, 'due nudge')} waiting for working hours{unsent}"
        )


def send_due(session: Session, now: datetime, default_timezone: str) -> SendReport:
    """Queue one message per recipient now inside working hours who has due nudges and no message still to
    be sent (that one tells them everything due when it is: `bot.nudges.composing`). Set-based and light
    (a first run after planning has 110k nudges due, for 1,334 messages): who has something due is one
    grouped query, and the messages go to the outbox in one INSERT, as recipes; the nudges are told, one
    batch of messages at a time, when the deliverers write them. Two runs at once take turns
    (`_one_at_a_time`). Caller commits."""
    report = SendReport()
    _one_at_a_time(session, now)
    recipients, counts = _recipients(session, now, default_timezone)
    holidays = holidays_near(session, now) if recipients else set()
    ready = {key for key, recipient in recipients.items() if recipient.schedule.is_working(now, holidays)}
    unsent = _unsent(session) & ready if ready else set()
    ready -= unsent
    reached = ready | unsent
    report.waiting = sum(count.nudges for key, count in counts.items() if key not in reached)
    report.unsent = sum(counts[key].nudges for key in unsent)
    messages: list[tuple[str, Target, Recipe]] = []
    for key in sorted(ready):
        recipient, run = recipients[key], randbits(62)  # the message's own key, for the notices it writes
        message = composing.recipe(run, key, now, recipient.schedule.local_date(now), counts[key].nudges)
        dedupe_key = f"nudges:{key}:{run:x}"
        if key == TEAM:
            messages += [(f"{dedupe_key}@{target.platform}", target, message) for target in recipient.targets]
        else:
            messages.append((dedupe_key, recipient.targets[0], message))
        report.messages += 1
        report.accounts += counts[key].accounts
    outbox.enqueue_many(session, messages, now)
    return report


class _Due(NamedTuple):
    nudges: int
    accounts: int


def _recipients(session: Session, now: datetime, default_timezone: str) -> tuple[dict[str, Recipient], dict[str, _Due]]:
    """Everyone with due nudges (the customer-success team for unowned accounts, when it has a channel), and
    how many each has: one query, grouped by owner before the owners are joined (grouping 165k rows by six
    of the owner's columns cost SQLite a third more), however many nudges."""
    due = (
        select(
            Account.owner_id,
            func.count(Nudge.id).label("nudges"),
            func.count(distinct(Nudge.account_id)).label("accounts"),
        )
        .join(Account, Account.id == Nudge.account_id)
        .where(due_condition(now))
        .group_by(Account.owner_id)
        .subquery()
    )
    rows = session.execute(
        select(
            due.c.owner_id,
            due.c.nudges,
            due.c.accounts,
            Person.email,
            Person.timezone,
            Person.work_start,
            Person.work_end,
            Person.work_days,
        ).outerjoin(Person, Person.id == due.c.owner_id)
    ).all()
    dms = reach.people(session, {row.owner_id: row.email for row in rows if row.owner_id is not None})
    recipients: dict[str, Recipient] = {}
    counts: dict[str, _Due] = {}
    for owner_id, nudges, accounts, _email, timezone, start, end, days in rows:
        if owner_id is None:
            team = customer_success_team(session)
            channels = reach.team(session, team.id) if team else []
            counts[TEAM] = _Due(nudges, accounts)
            if channels:  # else nobody can be told: the nudges wait, counted as waiting
                recipients[TEAM] = Recipient(TEAM, channels, Schedule(default_timezone))
            continue
        key = person_key(owner_id)
        counts[key] = _Due(nudges, accounts)
        recipients[key] = Recipient(key, [dms[owner_id]], Schedule(timezone or default_timezone, start, end, days))
    return recipients, counts


RUN_KEY = "nudges_queued_at_ms"  # app_state: when nudges were last queued, and the row runs take turns on


def _one_at_a_time(session: Session, now: datetime) -> None:
    """Take the queueing's turn before reading anything: the row written here stays locked until this run
    commits, so a second run at once (two clocks, a manual `jobs run nudges`) waits, then reads the
    messages this one queued and queues nothing twice. On SQLite the write takes the database's one write lock."""
    upsert(session, AppState.__table__, {"key": RUN_KEY, "value": int(now.timestamp() * 1000)}, ["key"])


def _unsent(session: Session) -> set[str]:
    """The recipients of nudge messages queued and not sent yet (pending, or being sent), read from the
    outbox's status index: few rows, except right after a first run."""
    payloads = session.scalars(
        select(Notification.payload).where(
            Notification.status.in_(("pending", "sending")), Notification.dedupe_key.startswith("nudges:")
        )
    )
    return {p["params"]["recipient"] for p in payloads if p.get(COMPOSE) == composing.KIND}

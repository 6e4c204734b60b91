"""Who is told which nudges, and when: each recipient's due nudges in one message per run, only inside
their working hours (unowned accounts: one message to the customer-success team's channel). What the
message says is written when it is sent (`bot.nudges.composing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from secrets import randbits
from typing import NamedTuple

from sqlalchemy import BigInteger, ColumnElement, and_, distinct, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.batch import WIDE
from bot.db import MANY_ROWS, fresh_statistics, insert_select_ignore, upsert
from bot.delivery import outbox
from bot.delivery.composed import Recipe
from bot.flags.routing.teams import customer_success_team
from bot.gateway import Target
from bot.models import Account, AppState, Nudge, NudgeNotice, Person
from bot.nudges import composing
from bot.nudges.composing import TEAM, owned_by, owner_in, person_key
from bot.people import reach
from bot.people.working_hours import Schedule, holidays_near
from bot.text import plural
from bot.vocab import Stage


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Open, not told yet (a snooze untells), no longer snoozed at `now`, on an account that is not churned."""
    return and_(_open_at(now), ~exists().where(NudgeNotice.nudge_id == Nudge.id))


def _open_at(now: datetime) -> ColumnElement[bool]:
    return and_(
        Nudge.status == "open",
        or_(Nudge.notify_after.is_(None), Nudge.notify_after <= now),
        Account.stage != Stage.CHURNED.value,
    )


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
    throughout (a first run after planning tells 110k nudges in 1,334 messages): who has something due is
    one grouped query; their nudges are told by one INSERT … SELECT into the narrow notice table (a nudge's
    notice is its primary key, and two runs at once take turns: `_one_at_a_time`); the messages go to the
    outbox in one INSERT, as recipes that `bot.nudges.composing` writes out when each is sent. Caller
    commits."""
    report = SendReport()
    _one_at_a_time(session, now)
    recipients, counts = _recipients(session, now, default_timezone)
    holidays = holidays_near(session, now) if recipients else set()
    ready = {key for key, recipient in recipients.items() if recipient.schedule.is_working(now, holidays)}
    report.waiting = sum(count.nudges for key, count in counts.items() if key not in ready)
    if not ready:
        return report
    run = randbits(62)
    _tell(session, ready, now, run)
    if sum(counts[key].nudges for key in ready) >= MANY_ROWS:  # the deliverers read them next
        fresh_statistics(session, NudgeNotice.__table__)
    messages: list[tuple[str, Target, Recipe]] = []
    for key in sorted(ready):
        recipient = recipients[key]
        message = composing.recipe(run, key, recipient.schedule.local_date(now), now.date(), counts[key].nudges)
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
    commits, so a second run at once (two clocks, a manual `jobs run nudges`) waits, then reads what this
    one told and queues nothing twice. On SQLite the write takes the database's one write lock."""
    upsert(session, AppState.__table__, {"key": RUN_KEY, "value": int(now.timestamp() * 1000)}, ["key"])


def _tell(session: Session, ready: set[str], now: datetime, run: int) -> None:
    """Record that `run` tells the `ready` recipients their due nudges: one INSERT … SELECT for all the
    owners (per 30,000 of them) and one for the unowned. A nudge told already is skipped by its notice's
    primary key, not by a NOT EXISTS on the table being filled: PostgreSQL plans that anti-join from the
    table's statistics, and on a notice table it believes empty it rescans the pages this very statement
    fills, once per row (66 s instead of 1 s for 74k notices, measured)."""
    columns = ("nudge_id", "run")
    owner_ids = [owner for key in ready if (owner := owner_in(key)) is not None]
    # `owner_id + 0`, not the column: SQLite then walks the nudges once (0.37 s for 110k) instead of each
    # owner's accounts through their index and each account's nudges through theirs (0.64 s).
    for accounts_of in owned_by(owner_ids, TEAM in ready, Account.owner_id + 0, WIDE):
        query = (
            select(Nudge.id, literal(run, BigInteger))
            .join(Account, Account.id == Nudge.account_id)
            .where(_open_at(now), accounts_of)
        )
        insert_select_ignore(session, NudgeNotice.__table__, columns, query, count=False)

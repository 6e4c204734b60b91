"""A CSM's own nudges as `/tend nudges` and the Home tab show them: what is due now (planned first, so what
is shown is current even before the hourly run, and nothing shown is nudged again), what is snoozed, and
when Tend may next message them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from bot.models import Account, Nudge, Person
from bot.nudges.composing import describe
from bot.nudges.due import DueAccount
from bot.nudges.rules import plan
from bot.people.working_hours import Schedule, holidays_near
from bot.vocab import Stage


@dataclass(frozen=True)
class MyNudges:
    owns_accounts: bool
    due: list[DueAccount]  # most urgent first
    snoozed: int
    schedule: Schedule  # when nudges may reach them
    holidays: set[date]  # the organisation's, around now


def my_nudges(session: Session, person_id: int, now: datetime, today: date, default_timezone: str) -> MyNudges:
    plan(session, now, today, owner_id=person_id)
    rows = session.execute(
        select(Nudge.id, Nudge.notify_after)
        .join(Account, Account.id == Nudge.account_id)
        .where(Account.owner_id == person_id, Nudge.status == "open", Account.stage != Stage.CHURNED.value)
    ).all()
    owns = bool(rows) or bool(session.scalar(select(exists().where(Account.owner_id == person_id))))
    due_ids = [i for i, after in rows if after is None or after <= now]
    person = session.get_one(Person, person_id)
    schedule = Schedule(person.timezone or default_timezone, person.work_start, person.work_end, person.work_days)
    return MyNudges(
        owns_accounts=owns,
        due=describe(session, due_ids, today) if due_ids else [],
        snoozed=len(rows) - len(due_ids),
        schedule=schedule,
        holidays=holidays_near(session, now),
    )


def open_count(session: Session, owner_id: int) -> int:
    """How many of the person's nudges are open (their live accounts only)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Nudge)
            .join(Account, Account.id == Nudge.account_id)
            .where(Account.owner_id == owner_id, Nudge.status == "open", Account.stage != Stage.CHURNED.value)
        )
        or 0
    )

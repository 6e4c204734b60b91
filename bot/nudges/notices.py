"""Which nudges have been told, and forgetting that they were: a nudge is told by the message that shows it,
when that message is written (`bot.nudges.composing`), and told again after a snooze ends or when its
account changes hands (its open nudges are news to the new owner, whatever the old one was told)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, and_, case, delete, exists, literal, or_, select
from sqlalchemy.orm import Session

from bot.batch import CHUNK, chunks
from bot.db import insert_select_ignore
from bot.models import Account, Nudge, NudgeNotice
from bot.vocab import Stage


def open_at(now: datetime) -> ColumnElement[bool]:
    """Open, no longer snoozed at `now`, on an account that is not churned (a condition on nudge ⨝ account)."""
    return and_(
        Nudge.status == "open",
        or_(Nudge.notify_after.is_(None), Nudge.notify_after <= now),
        Account.stage != Stage.CHURNED.value,
    )


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Open at `now` and not told yet (a snooze untells)."""
    return and_(open_at(now), ~exists().where(NudgeNotice.nudge_id == Nudge.id))


def tell(session: Session, runs: Mapping[int | None, int], now: datetime) -> None:
    """Record that each owner's message (`runs`: owner → the message's run; None: the unowned accounts')
    tells the open nudges of their accounts not told yet: one INSERT … SELECT per chunk of owners. A nudge
    told already is skipped by its notice's primary key, not by a NOT EXISTS on the table being filled:
    PostgreSQL plans that anti-join from the table's statistics, and on a notice table it believes empty it
    rescans the pages this very statement fills, once per row (66 s instead of 1 s for 74k notices,
    measured). Two writers at once (a team's post on two platforms, written by two deliverers) tell each
    nudge once: the second waits for the first's key, then skips it."""
    people = sorted(owner for owner in runs if owner is not None)
    for chunk in chunks(people, CHUNK // 2):  # an owner's run is a second parameter
        run = case({owner: literal(runs[owner], BigInteger) for owner in chunk}, value=Account.owner_id)
        _tell(session, run, Account.owner_id.in_(chunk), now)
    if None in runs:
        _tell(session, literal(runs[None], BigInteger), Account.owner_id.is_(None), now)


def _tell(session: Session, run: ColumnElement[int], accounts: ColumnElement[bool], now: datetime) -> None:
    query = select(Nudge.id, run).join(Account, Account.id == Nudge.account_id).where(open_at(now), accounts)
    insert_select_ignore(session, NudgeNotice.__table__, ("nudge_id", "run"), query, count=False)


def owned_by(owners: set[int | None]) -> list[ColumnElement[bool]]:
    """Conditions on accounts, one per chunk of these owners, and one for the accounts nobody owns when
    None is among them: each a statement's worth."""
    people = sorted(owner for owner in owners if owner is not None)
    groups: list[ColumnElement[bool]] = [Account.owner_id.in_(chunk) for chunk in chunks(people)]
    return [*groups, Account.owner_id.is_(None)] if None in owners else groups


def untell(session: Session, nudge_ids: list[int]) -> None:
    for chunk in chunks(nudge_ids):
        session.execute(delete(NudgeNotice).where(NudgeNotice.nudge_id.in_(chunk)))


def retell(session: Session, account_ids: list[int]) -> None:
    """Accounts that changed hands: the next run tells their open nudges to their new owners."""
    for chunk in chunks(account_ids):
        told = select(Nudge.id).where(Nudge.account_id.in_(chunk))
        session.execute(delete(NudgeNotice).where(NudgeNotice.nudge_id.in_(told)))

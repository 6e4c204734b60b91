"""Forgetting that nudges were told, so that the next run tells them again: after a snooze ends, and when
an account changes hands (its open nudges are news to its new owner, whatever the old one was told)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.batch import chunks
from bot.models import Nudge, NudgeNotice


def untell(session: Session, nudge_ids: list[int]) -> None:
    for chunk in chunks(nudge_ids):
        session.execute(delete(NudgeNotice).where(NudgeNotice.nudge_id.in_(chunk)))


def retell(session: Session, account_ids: list[int]) -> None:
    """Accounts that changed hands: the next run tells their open nudges to their new owners."""
    for chunk in chunks(account_ids):
        told = select(Nudge.id).where(Nudge.account_id.in_(chunk))
        session.execute(delete(NudgeNotice).where(NudgeNotice.nudge_id.in_(told)))

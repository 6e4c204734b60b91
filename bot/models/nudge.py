"""Proactive nudges: why an account needs its CSM's attention, what the CSM did about it, and the calendar
(holidays, per-person working hours live on Person) that decides when they hear of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class Nudge(Base):
    """One reason an account is due a touch, in one cycle. The unique (account, reason, cycle) is what makes a
    reason nudge at most once per cycle, whatever the runs, retries and clock processes."""

    __tablename__ = "nudge"
    __table_args__ = (
        # No index on status: nearly every nudge is open, and SQLite (which keeps no statistics) would
        # walk such an index for every read of a few accounts' nudges instead of their account's key.
        UniqueConstraint("account_id", "reason", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys on purpose: nudges are derived rows, written by the hundred thousand in a first planning
    # run, where PostgreSQL's per-row key checks cost as much as the inserts. Every read joins the account
    # (a nudge without one is never shown), accounts are never deleted by Tend, and the planner closes nudges
    # whose criterion is gone (an import that rewrites an account's criteria gives them new ids).
    account_id: Mapped[int] = mapped_column(Integer)  # indexed as the first column of the unique key below
    reason: Mapped[str] = mapped_column(String(20))  # a bot.nudges.rules.Reason
    cycle: Mapped[str] = mapped_column(String(100))  # e.g. "touch:2026-08-01", "renewal:2027-03-01:60"
    criterion_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, done, dismissed
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notify_after: Mapped[datetime | None] = mapped_column(UTCDateTime())  # set by a snooze
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NudgeNotice(Base):
    """A nudge put in a message, and by which one (its run: each message's own random key). Its own narrow
    table of two integers, so that telling 100k nudges is 100k small inserts, not 100k new versions of the
    wide nudge row and its indexes. A message tells its nudges when it is written, as it is sent
    (`bot.nudges.composing`), and reads them back by its run's index: a batch's few thousand rows among
    millions, found directly however stale the table's statistics (with one key for a whole run's
    messages, PostgreSQL took it for a few hundred rows and read 40k a batch: 0.43 s instead of 30 ms).
    A snooze deletes a nudge's notice (told again once the snooze ends), and so does an account changing
    hands (its new owner is told)."""

    __tablename__ = "nudge_notice"

    nudge_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # no key: see Nudge
    run: Mapped[int] = mapped_column(BigInteger, index=True)  # the message's random key


class NudgeEvent(Base):
    """What people did with nudges (snoozed, dismissed, logged a check-in, escalated): the streak of snoozes
    and the managers' digest are read from here."""

    __tablename__ = "nudge_event"
    __table_args__ = (Index("ix_nudge_event_account_id_reason_at", "account_id", "reason", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(String(20))  # None: about the account (a check-in)
    kind: Mapped[str] = mapped_column(String(20))  # snoozed, dismissed, checked_in, escalated
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(Text)


class CheckIn(Base):
    """A touch a CSM logged: it moves the account's last touch, so the account stops being due."""

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_person_id_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(10))  # call, email, meeting, chat
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    request_ref: Mapped[str | None] = mapped_column(String(200), unique=True)  # a retried request logs once


class Holiday(Base):
    """A day the organisation does not work: nobody is nudged on it."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class NudgeSetting(Base):
    """An admin's change to a nudge rule's default (bot.accounts.thresholds.DEFAULTS)."""

    __tablename__ = "nudge_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

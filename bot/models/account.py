"""Accounts (customers), their success criteria and their dated health history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, Timestamps

if TYPE_CHECKING:
    from bot.models.person import Person


class Account(Timestamps, Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Accent- and case-folded name: the import key for domain-less rows and the exact-match lookup.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    tier: Mapped[str] = mapped_column(String(20))
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    health_score: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    last_touch_date: Mapped[date | None] = mapped_column(Date)

    owner: Mapped[Person | None] = relationship(lazy="raise")
    criteria: Mapped[list[SuccessCriterion]] = relationship(
        order_by="SuccessCriterion.position", cascade="all, delete-orphan", lazy="raise"
    )


class SuccessCriterion(Base):
    """One agreed outcome the customer bought for, in the order the CSV listed them."""

    __tablename__ = "success_criterion"
    __table_args__ = (UniqueConstraint("account_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="not_started", server_default="not_started")
    updated_on: Mapped[date | None] = mapped_column(Date)  # the last time its status was set (or it was added)


class HealthSnapshot(Base):
    """The health score an account had on a day; the trend on the status card is read from these."""

    __tablename__ = "health_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    taken_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)

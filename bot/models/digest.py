"""Managers' daily digests: which local day each was sent for (at most one), and the account changes a
digest reports that the accounts table itself forgets (stage moves; health has its snapshots)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class DigestSent(Base):
    """One row per manager and local day: inserted with the digest's message in one transaction, so a
    second clock, a retry or a restart finds it and sends nothing."""

    __tablename__ = "digest_sent"
    __table_args__ = (UniqueConstraint("person_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The digest's "what needs you now" list: item key → the first day of its unbroken run on the list, so
    # the next digest can say "3rd day". One row per digest, not one per item (200 managers × 300 items).
    worklist: Mapped[dict[str, str] | None] = mapped_column(JSON)


class StageChange(Base):
    """An account moved from one lifecycle stage to another (recorded by imports)."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_changed_on", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)

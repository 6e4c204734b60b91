"""Customer problems flagged by anyone, and the timeline of what happened to each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from bot.models import Base, Timestamps, UTCDateTime


class Flag(Timestamps, Base):
    """A tracked problem. Its id is the number people see ("flag #42")."""

    __tablename__ = "flag"
    # A retried or double-submitted request carries the same source reference: it can never make a second flag.
    __table_args__ = (
        UniqueConstraint("source_platform", "source_ref"),
        Index("ix_flag_account_id_status", "account_id", "status"),
        Index("ix_flag_status_sla_due_at", "status", "sla_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    category_source: Mapped[str] = mapped_column(String(20))  # "reporter" or "rules"
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, taken, resolved
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_ref: Mapped[str | None] = mapped_column(String(64))  # the reporter's chat user id, to tell them later
    source_platform: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str] = mapped_column(String(200))
    source_link: Mapped[str | None] = mapped_column(String(1000))
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assignee_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    assignee_ref: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The outbox key of the flag's current team post: updates redraw it; a re-route starts a new one.
    team_post_key: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)


class FlagEvent(Base):
    """One step in a flag's life (raised, taken, re-routed, escalated, resolved): the account's timeline."""

    __tablename__ = "flag_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

"""The outbox: every message Tend sends after a request is a row here first, written in the same
transaction as the change that causes it, then delivered exactly once by the deliver job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, Timestamps, UTCDateTime


class Notification(Timestamps, Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: enqueueing the same message twice (a retried request, a second clock) is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # The platform it goes out on ("slack"); "" for a person Tend has never seen on any: the default platform.
    platform: Mapped[str] = mapped_column(String(20))
    target_kind: Mapped[str] = mapped_column(String(20))  # channel, person, chat_user, message
    target_ref: Mapped[str] = mapped_column(String(320))
    # A neutral Reply (bot.messages.to_dict), or a recipe written out when it is sent (bot.delivery.composed).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending, sending, sent, failed; dropped: a recipe written out to nothing left to say
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_ref: Mapped[str | None] = mapped_column(String(400))  # e.g. the Slack channel and ts of the post
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

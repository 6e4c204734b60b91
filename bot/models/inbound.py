"""Requests from a chat platform, recorded right after their ack: the work each asks for survives a crash of
the process that acknowledged it, and a platform's retry of one is recognised and dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class InboundRequest(Base):
    __tablename__ = "inbound_request"
    __table_args__ = (
        # A retry (Slack's event redelivery, a double-submitted modal) carries the same key: recorded once.
        UniqueConstraint("platform", "request_key"),
        Index("ix_inbound_request_status_claimed_until", "status", "claimed_until"),
        Index("ix_inbound_request_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    request_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # command, action, shortcut, view, event
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the platform sent, and where it came from
    status: Mapped[str] = mapped_column(String(10))  # working, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While a process works on it; past this instant that process is presumed dead and another takes over.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

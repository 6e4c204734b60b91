"""People of the company (from the people CSV) and the chat identities that map to them."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, Timestamps, UTCDateTime


class Person(Timestamps, Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Working hours in the person's own time zone: nudges reach them only then (changed with /tend settings).
    work_start: Mapped[time] = mapped_column(Time(), default=time(9), server_default="09:00:00")
    work_end: Mapped[time] = mapped_column(Time(), default=time(17), server_default="17:00:00")
    work_days: Mapped[str] = mapped_column(String(7), default="12345", server_default="12345")  # ISO weekdays
    # When a manager's daily digest arrives, in their time zone (changed with /tend settings).
    digest_time: Mapped[time] = mapped_column(Time(), default=time(8, 30), server_default="08:30:00")
    digest_days: Mapped[str] = mapped_column(String(7), default="12345", server_default="12345")
    # Where nudges and digests reach them when they use several chat platforms (/tend settings chat); empty:
    # the platform they used last.
    chat_platform: Mapped[str | None] = mapped_column(String(20))


class ChatIdentity(Base):
    """A chat user as last seen on a platform: cached so each request need not ask the platform who they are.

    `person_id` is empty for full members who are not in the people list: they may still look accounts up.
    """

    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))  # Teams user ids run to ~100 characters
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    access: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the platform needs to reach them later, when their id is not enough (Teams: the personal chat's
    # conversation id and service URL); empty on Slack, which DMs a user id.
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)

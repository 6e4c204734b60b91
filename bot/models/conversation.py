"""Where a chat platform reaches a conversation Tend has heard from: on Teams, a channel's or group chat's own
Bot Connector (its `serviceUrl`, which differs by region), learnt from the activities that come from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class ChatConversation(Base):
    __tablename__ = "chat_conversation"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. 19:…@thread.tacv2
    address: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"serviceUrl": …}
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the last activity that changed it

"""Where each Teams channel and group chat is reached: its own Bot Connector `serviceUrl` (it differs by
region and cloud), learnt from the verified activities that come from it. A team's channel that no activity
came from yet is reached through TEAMS_SERVICE_URL. Each process writes a conversation's address only when
it differs from what that process last wrote, so a busy channel costs no write per message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import upsert
from bot.models import ChatConversation
from bot.teams.identity import PLATFORM


def conversation_of(body: dict[str, Any]) -> str | None:
    """The channel or group chat an activity came from (None for a personal chat). A message in a channel
    thread carries `;messageid=…` after the channel's id: the channel is the part before it."""
    conversation = body.get("conversation") or {}
    if conversation.get("conversationType") == "personal":
        return None
    channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
    found = str(channel or conversation.get("id") or "").split(";", 1)[0]
    return found or None


def changed(body: dict[str, Any], written: dict[str, str]) -> bool:
    """Whether the activity comes from a channel or group chat whose address this process has not written
    as it is (`written`: conversation → serviceUrl, what this process wrote last)."""
    conversation, service_url = conversation_of(body), body.get("serviceUrl")
    return bool(conversation) and isinstance(service_url, str) and written.get(conversation or "") != service_url


def remember(session: Session, body: dict[str, Any], now: datetime, written: dict[str, str]) -> None:
    """Keep where the activity's channel or group chat is reached, when `changed` says so."""
    if not changed(body, written):
        return
    conversation, service_url = str(conversation_of(body)), str(body["serviceUrl"])
    values = {
        "platform": PLATFORM,
        "external_id": conversation[:200],
        "address": {"serviceUrl": service_url},
        "seen_at": now,
    }
    upsert(session, ChatConversation.__table__, values, ("platform", "external_id"))
    written[conversation] = service_url


def service_url_of(session: Session, conversation: str) -> str | None:
    """The connector a channel was last heard from, if it was."""
    address = session.scalar(
        select(ChatConversation.address).where(
            ChatConversation.platform == PLATFORM, ChatConversation.external_id == conversation
        )
    )
    found = (address or {}).get("serviceUrl")
    return str(found) if found else None

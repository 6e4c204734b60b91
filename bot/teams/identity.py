"""Who a Teams user is to Tend: the email (or user principal name) the Bot Connector returns for them, and
whether they are of Tend's own organisation, cached like Slack identities.

Outsiders, whatever email they carry, even one in the people list: a member whose own `tenantId` is not
TEAMS_TENANT_ID, a `userRole` of guest or anonymous (Teams sometimes says "user" for guests, hence the
others), or `#EXT#` in the user principal name. In doubt (the connector said nothing), an outsider."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from microsoft_teams.api import TeamsChannelAccount
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.gateway import DeliveryError
from bot.models import ChatIdentity
from bot.people.actors import Access, Actor, cached_actor, remember_actor
from bot.teams.connector import Connector

PLATFORM = "teams"
log = logging.getLogger(__name__)


def classify(member: TeamsChannelAccount, tenant: str) -> Access:
    upn = (member.user_principal_name or "").upper()
    role = (member.user_role or "").lower()
    if member.tenant_id != tenant or "#EXT#" in upn:
        return Access.EXTERNAL
    if role in ("guest", "anonymous"):
        return Access.GUEST
    return Access.MEMBER


def address(activity: dict[str, Any]) -> dict[str, Any] | None:
    """How to reach this user later, from an activity in their personal chat with Tend (None elsewhere)."""
    conversation = activity.get("conversation") or {}
    if conversation.get("conversationType") != "personal":
        return None
    return {"conversation": conversation.get("id"), "serviceUrl": activity.get("serviceUrl")}


def resolve_actor(
    connector: Connector, session: Session, activity: dict[str, Any], tenant: str, now: datetime
) -> Actor:
    """The Tend actor behind an activity: from the cache, else from the connector's member lookup."""
    sender = activity.get("from") or {}
    user_id = str(sender.get("id") or "")
    reach = address(activity)
    cached = cached_actor(session, PLATFORM, tenant, user_id, now) if user_id else None
    if cached is not None:
        if reach is not None:  # the personal chat may be new (reinstalled): keep where it is, written only then
            key = {"platform": PLATFORM, "workspace_id": tenant, "external_id": user_id}
            if session.scalar(select(ChatIdentity.address).filter_by(**key)) != reach:
                session.execute(update(ChatIdentity).filter_by(**key).values(address=reach))
        return cached
    access, email, name = Access.UNKNOWN, None, str(sender.get("name") or "someone")
    conversation = (activity.get("conversation") or {}).get("id")
    if user_id and conversation:
        try:
            member = connector.member(activity["serviceUrl"], conversation, user_id)
            access, email = classify(member, tenant), member.email or member.user_principal_name
            name = member.name or name
        except DeliveryError as error:
            log.warning("the Bot Connector could not say who a Teams user is: %s", error.reason)
    return remember_actor(
        session,
        platform=PLATFORM,
        workspace_id=tenant,
        external_id=user_id,
        access=access,
        display_name=name,
        email=email,
        now=now,
        address=reach,
    )

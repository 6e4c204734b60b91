"""Who a Slack user is to Tend: their profile email (users.info), whether they are a guest or from another
organisation, cached in the database so most requests make no Web API call."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services.people import Access, Actor, cached_actor, remember_actor

PLATFORM = "slack"
log = logging.getLogger(__name__)


def classify(user: dict[str, Any], home_team_id: str | None, home_enterprise_id: str | None) -> Access:
    """Full member, guest or external, from a users.info `user` object and the app's own workspace."""
    if user.get("deleted") or user.get("is_bot"):
        return Access.UNKNOWN
    if user.get("is_stranger"):
        return Access.EXTERNAL
    if home_enterprise_id:  # Enterprise Grid: anyone in the same org is one of us, whichever workspace
        enterprise = (user.get("enterprise_user") or {}).get("enterprise_id") or user.get("enterprise_id")
        if enterprise and enterprise != home_enterprise_id:
            return Access.EXTERNAL
    elif home_team_id and user.get("team_id") and user["team_id"] != home_team_id:
        return Access.EXTERNAL
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return Access.GUEST
    return Access.MEMBER


def resolve_actor(
    client: WebClient,
    session: Session,
    *,
    user_id: str,
    home_team_id: str | None,
    home_enterprise_id: str | None,
    now: datetime,
) -> Actor:
    workspace = home_enterprise_id or home_team_id or ""
    actor = cached_actor(session, PLATFORM, workspace, user_id, now)
    if actor is not None:
        return actor
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        log.warning("users.info failed for a user: %s", error.response.get("error"))
        return Actor(Access.UNKNOWN, "someone")
    profile = user.get("profile") or {}
    return remember_actor(
        session,
        platform=PLATFORM,
        workspace_id=workspace,
        external_id=user_id,
        access=classify(user, home_team_id, home_enterprise_id),
        display_name=profile.get("real_name") or user.get("real_name") or user.get("name") or user_id,
        email=profile.get("email"),
        now=now,
    )

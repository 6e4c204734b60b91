"""Who a Slack user is to Tend: their profile email (users.info), whether they are a guest or from another
organisation, cached in the database so most requests make no Web API call.

The app's own workspace (and Enterprise Grid organisation) is what Slack told Tend about its own token at
start-up (auth.test), never what a request says: a request's `team_id` or `enterprise_id` is the sender's
side of a shared channel, and anyone can come from there."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.orm import Session

from bot.people.actors import Access, Actor, cached_actor, remember_actor

PLATFORM = "slack"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workspace:
    """The app's own Slack workspace and, on Enterprise Grid, its organisation."""

    team_id: str | None
    enterprise_id: str | None = None

    @property
    def key(self) -> str:
        """How identities are cached: one key per installation, so one person is one row."""
        return self.enterprise_id or self.team_id or ""


def home_of(introduction: Mapping[str, Any] | SlackResponse) -> Workspace:
    """The app's own workspace, from Slack's answer to auth.test on Tend's own token."""
    home = Workspace(introduction.get("team_id") or None, introduction.get("enterprise_id") or None)
    if not home.key:
        log.error("auth.test named no workspace for Tend's token: every Slack user will be refused")
    return home


def learn_home(client: WebClient) -> Workspace:
    return home_of(client.auth_test())


def classify(user: dict[str, Any], home: Workspace) -> Access:
    """Full member, guest or external, from a users.info `user` object and the app's own workspace.

    A member belongs to the app's organisation on Enterprise Grid (any of its workspaces), or else to the
    app's workspace. A user Slack gives no team or organisation for is refused: in doubt, an outsider."""
    if user.get("deleted") or user.get("is_bot"):
        return Access.UNKNOWN
    if user.get("is_stranger"):
        return Access.EXTERNAL
    team = user.get("team_id") or None
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id") or user.get("enterprise_id") or None
    if enterprise and home.enterprise_id:
        ours = enterprise == home.enterprise_id
    else:  # no organisation to compare (a single workspace, or Slack said none): the user's own team decides
        ours = team is not None and team == home.team_id
    if not ours:
        return Access.EXTERNAL
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return Access.GUEST
    return Access.MEMBER


def resolve_actor(client: WebClient, session: Session, *, user_id: str, home: Workspace, now: datetime) -> Actor:
    actor = cached_actor(session, PLATFORM, home.key, user_id, now)
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
        workspace_id=home.key,
        external_id=user_id,
        access=classify(user, home),
        display_name=profile.get("real_name") or user.get("real_name") or user.get("name") or user_id,
        email=profile.get("email"),
        now=now,
    )

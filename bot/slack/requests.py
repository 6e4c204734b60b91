"""Slack's requests as the runtime handles them: what a Slack listener has at hand (`Deps`: the neutral
`Runtime` plus Slack's web client and workspace), a request as the inbox keeps it (`Inbound`), and the ways
to answer one person on Slack (response_url, a DM, a modal)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.gateway import Target
from bot.messages import Option, Reply
from bot.people.actors import Access, Actor, cached_actor
from bot.runtime import requests
from bot.runtime.requests import Answer, Call, Runtime
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM, Workspace, resolve_actor

log = logging.getLogger(__name__)

FORM_TOO_LATE = (
    "Sorry, Tend was too slow to open that window and Slack closed the chance (it must open within 3 seconds). "
    "Please try again."
)

Handler = Callable[["Deps", "Inbound"], Answer | None]


@dataclass(frozen=True, kw_only=True)
class Deps(Runtime):
    """The runtime of the Slack adapter."""

    platform: str = PLATFORM
    client: WebClient
    home: Workspace  # the app's own workspace, from auth.test at start-up (never from a request)
    handlers: Mapping[str, Handler] = field(default_factory=dict)  # by kind of request (bot.slack.listeners)

    def request_of(self, kind: str, payload: dict[str, Any]) -> Inbound:
        return Inbound.from_payload(kind, payload)

    def handle(self, request: requests.Request) -> Answer | None:
        assert isinstance(request, Inbound)
        return self.handlers[request.kind](self, request)

    def known(self, user_id: str) -> Callable[[Session], Actor | None]:
        """The way to the Slack user as Tend already knows them, inside a unit of work (no Web API call:
        safe inside the 3-second ack)."""
        return lambda session: cached_actor(session, PLATFORM, self.home.key, user_id, self.clock.now())

    def cached(self, user_id: str) -> Actor | None:
        """The Slack user as Tend already knows them (no Web API call: safe inside the 3-second ack)."""
        return requests.known_actor(self, self.known(user_id))


@dataclass(frozen=True)
class Inbound:
    """A Slack request as the inbox keeps it: what Slack sent."""

    kind: str  # command, action, shortcut, view, event
    body: dict[str, Any]

    @classmethod
    def from_payload(cls, kind: str, payload: dict[str, Any]) -> Inbound:
        return cls(kind, payload["body"])

    def to_payload(self) -> dict[str, Any]:
        return {"body": self.body}

    @property
    def team(self) -> str | None:
        """The workspace the request came from (for the logs: in a shared channel, not necessarily ours)."""
        body = self.body
        return body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")

    @property
    def key(self) -> str:
        """Unique per request a person made; Slack's retries of it (and a double-submitted modal) share it."""
        body = self.body
        if self.kind == "event":
            return f"event:{body.get('event_id')}"
        if self.kind == "view":
            return f"view:{body['view'].get('id')}"
        if self.kind == "action":
            stamp = next((a.get("action_ts") for a in body.get("actions") or ()), "")
            return f"action:{body.get('trigger_id')}:{stamp}"
        return f"{self.kind}:{body.get('trigger_id') or body.get('response_url')}"

    @property
    def name(self) -> str:
        """What was asked, for the logs: the command, button, form, shortcut or event (never its text)."""
        body = self.body
        if self.kind == "command":
            return str(body.get("command", ""))
        if self.kind == "action":
            return str(next((a.get("action_id") for a in body.get("actions") or ()), ""))
        if self.kind == "view":
            return str(body["view"].get("callback_id", ""))
        if self.kind == "event":
            return str((body.get("event") or {}).get("type", ""))
        return str(body.get("callback_id", ""))

    @property
    def user_id(self) -> str:
        body = self.body
        return body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user", "")

    @property
    def respond(self) -> Respond:
        return Respond(response_url=self.body.get("response_url"))


def run_for_user(
    deps: Deps,
    request: Inbound,
    call: Call,
    request_id: str | None = None,
    reply_to: Target | None = None,
) -> Answer:
    """Run `call` for the Slack user who asked (resolved by users.info when Tend does not know them yet)."""

    def who(session: Session) -> Actor:
        return resolve_actor(deps.client, session, user_id=request.user_id, home=deps.home, now=deps.clock.now())

    return requests.run_for(deps, who, call, request.key, request_id, reply_to)


def known_member_search(deps: Deps, user_id: str, name: str, query: str) -> list[Option]:
    """Search options for a form, for a user already known as a full member (no Web API call: this runs
    inside Slack's 3-second ack). Anyone else gets no options."""

    def who(session: Session) -> Actor:
        return deps.known(user_id)(session) or Actor(Access.UNKNOWN, "someone")

    return requests.search(deps, who, name, query)


def local_today(deps: Deps, user_id: str) -> date:
    """The user's date, for checks inside the ack: in their time zone when Tend knows them, else the
    organisation's."""
    return requests.local_today(deps, deps.cached(user_id))


def tell(deps: Deps, request: Inbound, reply: Reply) -> None:
    """A private answer to the person who asked: through response_url when Slack gave one, else by DM."""
    if request.body.get("response_url"):
        request.respond(response_type="ephemeral", **render.message(reply))
    else:
        deps.client.chat_postMessage(channel=request.user_id, **render.message(reply))


def open_view(deps: Deps, request: Inbound, view: dict[str, Any]) -> None:
    """Open a modal. Slack's trigger lasts 3 seconds: when it has lapsed (Tend was slow, or this request is
    being finished after a restart), the person is told to try again instead of hearing nothing."""
    try:
        deps.client.views_open(trigger_id=request.body["trigger_id"], view=view)
    except SlackApiError as error:
        if error.response.get("error") not in ("expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"):
            raise
        tell(deps, request, Reply(FORM_TOO_LATE))

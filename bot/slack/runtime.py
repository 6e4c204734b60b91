"""What every listener shares: its dependencies, the request as recorded in the inbox, and running one domain
call for the Slack user who asked, after the ack, with failures turned into a polite reply instead of silence
or a stack trace."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot.ai.client import Model
from bot.clock import Clock
from bot.config import Settings
from bot.db import SessionFactory, session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import SHORT_PAUSE, deliver_due
from bot.gateway import ChatGateway, Target
from bot.messages import Form, Option, Reply
from bot.people.actors import Access, Actor, cached_actor
from bot.runtime.recording import InboxWriter
from bot.slack.after_ack import WorkQueue
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM, Workspace, resolve_actor
from commands import router
from commands.context import CommandContext

log = logging.getLogger(__name__)

DATABASE_DOWN = "Tend can't reach its database right now, so nothing was read or changed. Please try again in a minute."
FORM_TOO_LATE = (
    "Sorry, Tend was too slow to open that window and Slack closed the chance (it must open within 3 seconds). "
    "Please try again."
)


class FollowUp:
    """At most one delivery waiting for a rate-limit pause to end, per process: a rush of requests during a
    pause schedules one return, not one each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: datetime | None = None

    def at(self, until: datetime, seconds: float, job: Callable[[], None]) -> None:
        with self._lock:
            if self._until is not None and self._until >= until:
                return
            self._until = until
        timer = threading.Timer(seconds, self._run, (until, job))
        timer.daemon = True
        timer.start()

    def _run(self, until: datetime, job: Callable[[], None]) -> None:
        with self._lock:
            if self._until == until:
                self._until = None
        try:
            job()
        except Exception:  # e.g. the process is stopping: the deliver job sends what is left
            log.warning("a delivery after a rate-limit pause could not be queued", exc_info=True)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    clock: Clock
    gateway: ChatGateway
    client: WebClient
    home: Workspace  # the app's own workspace, from auth.test at start-up (never from a request)
    # Post-ack work runs here, not on Bolt's listener pool: listeners only ack, record and hand over, so a
    # burst of slow work can never delay the next request's ack past Slack's 3 seconds.
    work: WorkQueue = field(default_factory=WorkQueue)
    model: Model | None = None
    follow_up: FollowUp = field(default_factory=FollowUp)
    inbox: InboxWriter = field(init=False)  # records requests before their ack (bot.slack.intake)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inbox", InboxWriter(self.session_factory, self.clock, PLATFORM))

    def after_ack(self, job: Callable[[], None]) -> None:
        """Run `job` once the request is acknowledged; failures are logged, never lost silently."""
        self.work.submit(job)


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


@dataclass(frozen=True)
class Answer:
    reply: Reply | Form
    queued: bool = False  # the request queued outgoing messages: deliver them once the asker has the reply
    replied_by_outbox: bool = False  # the reply itself went to the outbox (see run_for_user's `reply_to`)


def known_member_search(deps: Deps, user_id: str, name: str, query: str) -> list[Option]:
    """Search options for a form, for a user already known as a full member (no Web API call: this runs
    inside Slack's 3-second ack). Anyone else gets no options."""
    try:
        with session_scope(deps.session_factory) as session:
            now = deps.clock.now()
            actor = cached_actor(session, PLATFORM, deps.home.key, user_id, now)
            ctx = CommandContext(
                session, actor or Actor(Access.UNKNOWN, "someone"), deps.clock, deps.settings.timezone, PLATFORM
            )
            return router.run_search(ctx, name, query)
    except Exception:
        log.exception("search options failed")
        return []


def local_today(deps: Deps, user_id: str) -> date:
    """The user's date, for checks inside the ack: in their time zone when Tend knows them (the cached
    identity, no Web API call), else in the organisation's."""
    now = deps.clock.now()
    zone = deps.settings.timezone
    try:
        with session_scope(deps.session_factory) as session:
            actor = cached_actor(session, PLATFORM, deps.home.key, user_id, now)
        zone = (actor.timezone if actor else None) or zone
    except Exception:
        log.exception("identity lookup for a form check failed; using the organisation's time zone")
    return now.astimezone(ZoneInfo(zone)).date()


def run_for_user(
    deps: Deps,
    request: Inbound,
    call: Callable[[CommandContext], Reply | Form],
    request_id: str | None = None,
    reply_to: Target | None = None,
) -> Answer:
    """Resolve the Slack user to a Tend actor and run `call` in one unit of work. With `reply_to`, a Reply
    is queued for that target in the same unit of work (sent once, whatever the retries)."""
    try:
        with session_scope(deps.session_factory) as session:
            actor = resolve_actor(
                deps.client,
                session,
                user_id=request.user_id,
                home=deps.home,
                now=deps.clock.now(),
            )
            ctx = CommandContext(session, actor, deps.clock, deps.settings.timezone, PLATFORM, model=deps.model)
            if request_id:
                ctx.request_id = request_id
            reply = call(ctx)
            by_outbox = reply_to is not None and isinstance(reply, Reply)
            if by_outbox:
                outbox.enqueue(session, f"reply:{request.key}", reply_to, reply, deps.clock.now())  # type: ignore[arg-type]
            queued = bool(session.info.get(outbox.QUEUED))
        return Answer(reply, queued, by_outbox)
    except DBAPIError:
        log.exception("database unavailable while answering a Slack request")
        return Answer(Reply(DATABASE_DOWN))
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error answering a Slack request (ref %s)", reference)
        return Answer(
            Reply(
                f"Sorry, something went wrong on Tend's side (reference {reference}). Please try again; "
                "if it keeps happening, give that reference to your Tend admin."
            )
        )


def deliver_queued(deps: Deps, answer: Answer) -> None:
    """Send what the request queued right away; anything not sent now stays in the outbox for the deliver job."""
    if answer.queued:
        deliver_now(deps)


def deliver_now(deps: Deps, now: datetime | None = None) -> None:
    """Deliver what is due (a request's team post and DMs). Stopped by a short rate-limit pause, it comes back
    once the pause is over, on a timer that holds no thread meanwhile; longer pauses are the deliver job's."""
    now = max(now, deps.clock.now()) if now else deps.clock.now()
    try:
        report = deliver_due(deps.session_factory, deps.gateway, now, limit=20)
    except Exception:
        log.exception("immediate delivery failed; the deliver job will send the messages")
        return
    until = report.paused_until
    if until is not None and until - now <= SHORT_PAUSE:
        deps.follow_up.at(
            until, (until - now).total_seconds(), lambda: deps.after_ack(partial(deliver_now, deps, until))
        )


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

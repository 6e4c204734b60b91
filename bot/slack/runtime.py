"""What every listener shares: its dependencies, and running one domain call for the Slack user who asked,
after the ack, with failures turned into a polite reply instead of silence or a stack trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

import commands as command_layer
from bot.clock import Clock
from bot.config import Settings
from bot.db import SessionFactory, session_scope
from bot.gateway import ChatGateway
from bot.messages import Form, Option, Reply
from bot.services import outbox
from bot.services.delivery import deliver_due
from bot.services.people import Access, Actor, cached_actor
from bot.slack.identity import PLATFORM, resolve_actor
from commands.context import CommandContext

log = logging.getLogger(__name__)

DATABASE_DOWN = "Tend can't reach its database right now, so nothing was read or changed. Please try again in a minute."


WORK_THREADS = 4  # CPU-bound Python: more threads only starve the ack path of the GIL


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    clock: Clock
    gateway: ChatGateway
    # Post-ack work runs here, not on Bolt's listener pool: listeners only ack and hand over, so a burst of
    # slow work can never delay the next request's ack past Slack's 3 seconds.
    work: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=WORK_THREADS, thread_name_prefix="tend-work")
    )

    def after_ack(self, job: Callable[[], None]) -> None:
        """Run `job` once the request is acknowledged; failures are logged, never lost silently."""

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("work after the ack failed")

        self.work.submit(run)


@dataclass(frozen=True)
class Answer:
    reply: Reply | Form
    queued: bool = False  # the request queued outgoing messages: deliver them once the asker has the reply


def home_workspace(context: BoltContext) -> tuple[str | None, str | None]:
    """The app's own workspace (team, Grid org) — not the one a Slack Connect user comes from."""
    authorized = context.authorize_result
    home_team = (authorized.team_id if authorized else None) or context.team_id
    home_enterprise = (authorized.enterprise_id if authorized else None) or context.enterprise_id
    return home_team, home_enterprise


def known_member_search(deps: Deps, context: BoltContext, user_id: str, name: str, query: str) -> list[Option]:
    """Search options for a form, for a user already known as a full member (no Web API call: this runs
    inside Slack's 3-second ack). Anyone else gets no options."""
    home_team, home_enterprise = home_workspace(context)
    try:
        with session_scope(deps.session_factory) as session:
            now = deps.clock.now()
            actor = cached_actor(session, PLATFORM, home_enterprise or home_team or "", user_id, now)
            ctx = CommandContext(
                session, actor or Actor(Access.UNKNOWN, "someone"), deps.clock, deps.settings.timezone, PLATFORM
            )
            return command_layer.run_search(ctx, name, query)
    except Exception:
        log.exception("search options failed")
        return []


def run_for_user(
    deps: Deps,
    client: WebClient,
    context: BoltContext,
    user_id: str,
    call: Callable[[CommandContext], Reply],
    request_id: str | None = None,
) -> Answer:
    """Resolve the Slack user to a Tend actor and run `call` in one unit of work."""
    home_team, home_enterprise = home_workspace(context)
    try:
        with session_scope(deps.session_factory) as session:
            actor = resolve_actor(
                client,
                session,
                user_id=user_id,
                home_team_id=home_team,
                home_enterprise_id=home_enterprise,
                now=deps.clock.now(),
            )
            ctx = CommandContext(session, actor, deps.clock, deps.settings.timezone, "slack")
            if request_id:
                ctx.request_id = request_id
            reply = call(ctx)
            queued = bool(session.info.get(outbox.QUEUED))
        return Answer(reply, queued)
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
    if not answer.queued:
        return
    try:
        deliver_due(deps.session_factory, deps.gateway, deps.clock.now(), limit=20)
    except Exception:
        log.exception("immediate delivery failed; the deliver job will send the messages")

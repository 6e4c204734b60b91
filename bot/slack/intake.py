"""From ack to answer: Slack hears "got it" only for a request durably recorded in the inbox; the post-ack
pool then works on it. A retry of a recorded request is dropped; a request whose process died mid-way is
finished by the `requests` job (`finish_stranded`). A request that cannot be recorded in time is refused so
that the person knows (never a silent 200 for something a crash could lose)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltResponse

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory, session_scope
from bot.gateway import ChatGateway
from bot.logs import one_line
from bot.messages import Reply
from bot.runtime import inbox
from bot.runtime.recording import Outcome
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM, learn_home
from bot.slack.runtime import Answer, Deps, Inbound, deliver_queued, tell
from bot.text import plural

log = logging.getLogger(__name__)

NOT_TAKEN = (
    "Tend couldn't take this just now (its database didn't answer in time), so nothing was read or changed. "
    "Please try again in a minute."
)
NOT_TAKEN_IN_FORM = (
    "Tend couldn't save this just now; nothing was lost here. Please press the button again in a minute."
)

Handler = Callable[[Deps, Inbound], Answer | None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the post-ack work for one kind of request (used again when finishing stranded requests). A
    handler answers the person and returns the Answer whose queued messages are still to be delivered."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def accept(deps: Deps, kind: str, body: dict[str, Any], ack: Ack) -> BoltResponse | None:
    """Call from a listener instead of ack(): acknowledge the request once it is in the inbox (then work on it
    after the ack), or refuse it, visibly, when the database cannot record it within Slack's deadline.
    Return what this returns from the listener (Bolt sends it as the answer)."""
    request = Inbound(kind, body)
    recording = deps.inbox.record(request.key, kind, request.to_payload())
    outcome = recording.wait()
    if outcome is Outcome.RECORDED:
        # Only the id waits in memory: under a long rush the queue of acknowledged requests grows, and their
        # bodies (kilobytes each) are in the inbox already.
        deps.after_ack(partial(work_recorded, deps, recording.request_id, time.monotonic()))
    if outcome in (Outcome.RECORDED, Outcome.REPEAT):
        ack()
        return None
    log.warning(
        "refused a Slack %s (%s): the inbox could not record it in time (%s)", kind, request.name, outcome.value
    )
    return _refuse(deps, request, ack)


def _refuse(deps: Deps, request: Inbound, ack: Ack) -> BoltResponse | None:
    """Tell the person the request was not taken, in the way each kind of request can show it."""
    if request.kind == "command":
        ack(response_type="ephemeral", text=NOT_TAKEN)
        return None
    if request.kind == "view":  # the form stays open with what was typed, the reason beside its first field
        field = next(
            (b.get("block_id") for b in request.body["view"].get("blocks") or () if b.get("type") == "input"), None
        )
        if field:
            ack(response_action="errors", errors={field: NOT_TAKEN_IN_FORM})
        else:
            ack(response_action="update", view=render.modal(Reply(NOT_TAKEN), "Tend"))
        return None
    if request.body.get("response_url"):  # a button or message shortcut: a word where it was pressed too
        deps.after_ack(lambda: tell(deps, request, Reply(NOT_TAKEN)))
    # Slack shows the person that the app failed (and redelivers an event later).
    return BoltResponse(status=503, body="")


def work_recorded(deps: Deps, request_id: int, recorded_at: float) -> None:
    """Work on a request this process recorded, unless the `requests` job took it over while it queued."""
    waited = timedelta(seconds=time.monotonic() - recorded_at)
    with session_scope(deps.session_factory) as session:
        recorded = inbox.take(session, request_id, deps.clock.now(), waited)
    if recorded is not None:
        work(deps, Inbound.from_payload(recorded.kind, recorded.payload), request_id)


def work(deps: Deps, request: Inbound, request_id: int) -> None:
    """Do what the request asks and mark it done as soon as the person has their answer (a crash after that
    never answers them twice), then deliver what it queued, and log one line about it. If this raises
    before the answer, the request stays claimed and is finished later by the `requests` job."""
    with one_line(log, request=request_id, team=request.team, kind=request.kind, name=request.name):
        answer = HANDLERS[request.kind](deps, request)
        deps.inbox.finish(request_id)
    if answer is not None:
        deliver_queued(deps, answer)


def finish_stranded(settings: Settings, factory: SessionFactory, gateway: ChatGateway, now: datetime) -> str:
    """The `requests` job: finish requests whose process died after the ack (their claim lapsed), and forget
    old finished ones. Safe to run in several processes at once: each request is claimed by one."""
    import bot.slack.listeners  # noqa: F401 - registers the handlers
    from bot.slack.app import make_client

    deps: Deps | None = None
    finished = broken = 0
    while True:
        with session_scope(factory) as session:
            batch = inbox.claim_stranded(session, PLATFORM, now)
        if not batch:
            break
        if deps is None:  # only a run with work to do asks Slack who Tend is
            client = make_client(settings)
            deps = Deps(settings, factory, FixedClock(now), gateway, client, learn_home(client))
        for row in batch:
            try:
                work(deps, Inbound.from_payload(row.kind, row.payload), row.id)
                finished += 1
            except Exception:
                log.exception("a stranded %s request failed again (attempt %d)", row.kind, row.attempts)
                broken += 1
    with session_scope(factory) as session:
        pruned = inbox.prune(session, now)
    if deps is not None:
        deps.work.shutdown()
    return (
        f"{plural(finished, 'stranded request')} finished, {broken} failed again, "
        f"{plural(pruned, 'old request')} forgotten"
    )

"""From ack to answer: every Slack request is recorded in the inbox as it is acked, then worked on by the
post-ack pool. A retry of a recorded request is dropped; a request whose process died mid-way is
finished by the `requests` job (`finish_stranded`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy.exc import DBAPIError

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory, engine_of, session_scope
from bot.gateway import ChatGateway
from bot.logs import one_line
from bot.services import inbox
from bot.slack.identity import PLATFORM
from bot.slack.runtime import Deps, Inbound

log = logging.getLogger(__name__)

# Recording is one insert (a few milliseconds); an ack waits for it this long at most. Its threads finish
# queued records when the process exits, before the work queue drains.
RECORD_WAIT = 0.005
RECORDERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="tend-record")

Handler = Callable[[Deps, Inbound], None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the post-ack work for one kind of request (used again when finishing stranded requests)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def accept(deps: Deps, kind: str, body: dict[str, Any], context: BoltContext) -> None:
    """Call from a listener, after ack(): record the request, then work on it after the ack. Slack's answer
    waits (at most RECORD_WAIT) for the record, so a request is usually in the inbox before Slack hears
    back, and a slow or locked database never holds an ack."""
    request = Inbound.received(kind, body, context)
    recorded = RECORDERS.submit(_record, deps, request)
    with suppress(FutureTimeout):
        recorded.result(timeout=RECORD_WAIT)


def _record(deps: Deps, request: Inbound) -> None:
    try:
        with engine_of(deps.session_factory).begin() as connection:
            now = deps.clock.now()
            request_id = inbox.record(connection, PLATFORM, request.key, request.kind, request.to_payload(), now)
    except DBAPIError:
        # The database is down: work on it anyway, so the person hears that (politely) instead of nothing.
        log.exception("could not record a Slack request; answering it without the inbox")
        request_id = 0
    if request_id is None:
        log.info("dropped a repeat of Slack request %s (a retry)", request.key)
        return
    if request_id:
        # Only the id waits in memory: under a long rush the queue of acknowledged requests grows, and their
        # bodies (kilobytes each) are in the inbox already.
        deps.after_ack(partial(work_recorded, deps, request_id))
    else:
        deps.after_ack(partial(work, deps, request, 0))


def work_recorded(deps: Deps, request_id: int) -> None:
    with session_scope(deps.session_factory) as session:
        recorded = inbox.take(session, request_id, deps.clock.now())
    if recorded is not None:
        work(deps, Inbound.from_payload(recorded.kind, recorded.payload), request_id)


def work(deps: Deps, request: Inbound, request_id: int) -> None:
    """Do what the request asks, then mark it done, and log one line about it. If this raises, the request
    stays claimed and is finished later by the `requests` job."""
    with one_line(log, request=request_id or None, team=request.home_team, kind=request.kind, name=request.name):
        HANDLERS[request.kind](deps, request)
        if request_id:
            with session_scope(deps.session_factory) as session:
                inbox.finish(session, request_id, deps.clock.now())


def finish_stranded(settings: Settings, factory: SessionFactory, gateway: ChatGateway, now: datetime) -> str:
    """The `requests` job: finish requests whose process died after the ack (their claim lapsed), and forget
    old finished ones. Safe to run in several processes at once: each request is claimed by one."""
    import bot.slack.listeners  # noqa: F401 - registers the handlers
    from bot.slack.app import make_client

    deps = Deps(settings, factory, FixedClock(now), gateway, make_client(settings))
    finished = broken = 0
    while True:
        with session_scope(factory) as session:
            batch = inbox.claim_stranded(session, PLATFORM, now)
        if not batch:
            break
        for row in batch:
            try:
                work(deps, Inbound.from_payload(row.kind, row.payload), row.id)
                finished += 1
            except Exception:
                log.exception("a stranded %s request failed again (attempt %d)", row.kind, row.attempts)
                broken += 1
    with session_scope(factory) as session:
        pruned = inbox.prune(session, now)
    deps.work.shutdown()
    return f"{finished} stranded request(s) finished, {broken} failed again, {pruned} old request(s) forgotten"

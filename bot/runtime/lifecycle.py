"""A request's life, on any platform: the platform hears "got it" only for a request durably recorded in the
inbox; the post-ack pool then works on it. A retry of a recorded request is dropped; a request whose process
died mid-way is finished by the `requests` job (`finish_stranded`). A request that cannot be recorded in time
is refused by the platform adapter, visibly (never a silent "got it" for something a crash could lose)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from bot.db import SessionFactory, session_scope
from bot.logs import one_line
from bot.runtime import inbox
from bot.runtime.recording import Outcome
from bot.runtime.requests import Answer, Request, Runtime, hand_over
from bot.text import plural

log = logging.getLogger(__name__)


def record(runtime: Runtime, request: Request) -> Outcome:
    """Record `request` within the ack's budget; once recorded, its work is queued for after the ack. The
    adapter acknowledges on RECORDED or REPEAT (a retry: nothing is done twice) and refuses otherwise."""
    recording = runtime.inbox.record(request.key, request.kind, request.to_payload())
    outcome = recording.wait()
    if outcome is Outcome.RECORDED and recording.request_id is not None:
        # Only the id waits in memory: under a long rush the queue of acknowledged requests grows, and their
        # bodies (kilobytes each) are in the inbox already.
        runtime.after_ack(partial(work_recorded, runtime, recording.request_id, time.monotonic()))
    elif outcome is not Outcome.REPEAT:
        log.warning(
            "refused a %s %s (%s): the inbox could not record it in time (%s)",
            runtime.platform,
            request.kind,
            request.name,
            outcome.value,
        )
    return outcome


def work_recorded(runtime: Runtime, request_id: int, recorded_at: float) -> None:
    """Work on a request this process recorded, unless the `requests` job took it over while it queued."""
    waited = timedelta(seconds=time.monotonic() - recorded_at)
    with session_scope(runtime.session_factory) as session:
        recorded = inbox.take(session, request_id, runtime.clock.now(), waited)
    if recorded is not None:
        work(runtime, runtime.request_of(recorded.kind, recorded.payload), request_id)


def work(runtime: Runtime, request: Request, request_id: int) -> None:
    """Do what the request asks and mark it done as soon as the person has their answer (a crash after that
    never answers them twice), then hand what it queued to the delivery thread, and log one line about it.
    An answer the handler left to give (Answer.give) is given from the answering threads, and the rest
    follows it there. If this raises before the answer, the request stays claimed and is finished later by
    the `requests` job."""
    with one_line(log, request=request_id, team=request.team, kind=request.kind, name=request.name):
        answer = runtime.handle(request)
        if answer is not None and answer.give is not None:
            runtime.answering.run_soon(partial(answered, runtime, request_id, answer))
            return
        runtime.inbox.finish(request_id)
    if answer is not None:
        hand_over(runtime, answer)


def answered(runtime: Runtime, request_id: int, answer: Answer) -> None:
    """Give the answer, then (as `work` does) mark the request done and hand over what it queued."""
    assert answer.give is not None
    answer.give()
    runtime.inbox.finish(request_id)
    hand_over(runtime, answer)


def finish_stranded(factory: SessionFactory, platform: str, now: datetime, start: Callable[[], Runtime]) -> str:
    """The `requests` job for one platform: finish its requests whose process died after the ack (their claim
    lapsed), and forget old finished ones. Safe to run in several processes at once: each request is claimed
    by one. `start` builds the platform's runtime, only when there is work (it may ask the platform who Tend
    is)."""
    runtime: Runtime | None = None
    finished = broken = 0
    while True:
        with session_scope(factory) as session:
            batch = inbox.claim_stranded(session, platform, now)
        if not batch:
            break
        runtime = runtime or start()
        for row in batch:
            try:
                work(runtime, runtime.request_of(row.kind, row.payload), row.id)
                finished += 1
            except Exception:
                log.exception("a stranded %s request failed again (attempt %d)", row.kind, row.attempts)
                broken += 1
    with session_scope(factory) as session:
        pruned = inbox.prune(session, now)
    if runtime is not None:
        runtime.shutdown()
    return (
        f"{plural(finished, 'stranded request')} finished, {broken} failed again, "
        f"{plural(pruned, 'old request')} forgotten"
    )

"""From ack to answer: Slack hears "got it" only for a request durably recorded in the inbox; the post-ack
pool then works on it. A retry of a recorded request is dropped; a request whose process died mid-way is
finished by the `requests` job (`finish_stranded`). A request that cannot be recorded in time is refused so
that the person knows (never a silent 200 for something a crash could lose)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltResponse
from sqlalchemy.exc import DBAPIError

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory, engine_of, lock_wait_at_most, session_scope
from bot.gateway import ChatGateway
from bot.logs import one_line
from bot.messages import Reply
from bot.services import inbox
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM, learn_home
from bot.slack.runtime import Answer, Deps, Inbound, deliver_queued, tell

log = logging.getLogger(__name__)

# Slack wants its answer within 3 seconds. The ack waits this long for the inbox record; a record whose
# commit is under way by then gets COMMIT_GRACE more (commits are quick once the row is written). The insert
# itself gives up on a lock after LOCK_WAIT, so a locked database is reported a little before the budget.
RECORD_BUDGET = 1.8
COMMIT_GRACE = 0.4
LOCK_WAIT = 1.5
RECORDERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="tend-record")

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


class Outcome(Enum):
    WAITING = "waiting"
    COMMITTING = "committing"
    RECORDED = "recorded"
    REPEAT = "repeat"  # a retry of a request recorded before: acknowledged, not worked on again
    FAILED = "failed"  # the database refused or timed out
    ABANDONED = "abandoned"  # the ack's budget ran out before the commit began: the record is rolled back
    IN_DOUBT = "in doubt"  # the budget ran out during the commit: if it lands, the row is set aside


class Recording:
    """One request on its way into the inbox, shared by the ack (which waits for it, within a budget) and
    the recorder thread (which writes it). Either the ack says "got it" and the row is committed, or the
    person is told to try again and no row is ever worked on."""

    def __init__(self) -> None:
        self._state = Outcome.WAITING
        self._changed = threading.Condition()

    def wait(self, budget: float = RECORD_BUDGET, grace: float = COMMIT_GRACE) -> Outcome:
        deadline, extended = time.monotonic() + budget, False
        with self._changed:
            while self._state in (Outcome.WAITING, Outcome.COMMITTING):
                left = deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                elif self._state is Outcome.WAITING:
                    self._state = Outcome.ABANDONED
                elif not extended:
                    deadline, extended = deadline + grace, True
                else:
                    self._state = Outcome.IN_DOUBT
            return self._state

    def may_start(self) -> bool:
        """Called by the recorder before it starts: False when the ack gave up while it queued."""
        with self._changed:
            return self._state is Outcome.WAITING

    def may_commit(self) -> bool:
        """Called by the recorder with the row written: False when the ack has already given up."""
        with self._changed:
            if self._state is not Outcome.WAITING:
                return False
            self._state = Outcome.COMMITTING
            return True

    def settle(self, outcome: Outcome) -> Outcome:
        """The recorder's result; returns what the ack made of it (IN_DOUBT or ABANDONED if it gave up)."""
        with self._changed:
            if self._state in (Outcome.WAITING, Outcome.COMMITTING):
                self._state = outcome
                self._changed.notify_all()
            return self._state


def accept(deps: Deps, kind: str, body: dict[str, Any], ack: Ack) -> BoltResponse | None:
    """Call from a listener instead of ack(): acknowledge the request once it is in the inbox (then work on it
    after the ack), or refuse it, visibly, when the database cannot record it within Slack's deadline.
    Return what this returns from the listener (Bolt sends it as the answer)."""
    request = Inbound(kind, body)
    recording = Recording()
    RECORDERS.submit(_record, deps, request, recording)
    outcome = recording.wait()
    if outcome in (Outcome.RECORDED, Outcome.REPEAT):
        ack()
        return None
    log.warning(
        "refused a Slack %s (%s): the inbox could not record it in time (%s)", kind, request.name, outcome.value
    )
    return _refuse(deps, request, ack)


def _record(deps: Deps, request: Inbound, recording: Recording) -> None:
    request_id: int | None = None
    if not recording.may_start():
        return
    try:
        with engine_of(deps.session_factory).connect() as connection, connection.begin() as transaction:
            with lock_wait_at_most(connection, LOCK_WAIT):
                now = deps.clock.now()
                request_id = inbox.record(connection, PLATFORM, request.key, request.kind, request.to_payload(), now)
            if not recording.may_commit():
                transaction.rollback()
                return
    except DBAPIError as error:
        log.warning("could not record a Slack %s: %s", request.kind, type(error.orig).__name__)
        recording.settle(Outcome.FAILED)
        return
    except Exception:  # the pool had no connection in time, or a bug: the person hears it, not silence
        log.exception("could not record a Slack %s", request.kind)
        recording.settle(Outcome.FAILED)
        return
    outcome = recording.settle(Outcome.RECORDED if request_id else Outcome.REPEAT)
    if outcome is Outcome.REPEAT:
        log.info("dropped a repeat of Slack request %s (a retry)", request.key)
    elif outcome is Outcome.IN_DOUBT and request_id:
        with engine_of(deps.session_factory).begin() as connection:
            inbox.set_aside(connection, request_id, deps.clock.now(), "not acknowledged: the person was told to retry")
    elif request_id:
        # Only the id waits in memory: under a long rush the queue of acknowledged requests grows, and their
        # bodies (kilobytes each) are in the inbox already.
        deps.after_ack(partial(work_recorded, deps, request_id))


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


def work_recorded(deps: Deps, request_id: int) -> None:
    with session_scope(deps.session_factory) as session:
        recorded = inbox.take(session, request_id, deps.clock.now())
    if recorded is not None:
        work(deps, Inbound.from_payload(recorded.kind, recorded.payload), request_id)


def work(deps: Deps, request: Inbound, request_id: int) -> None:
    """Do what the request asks and mark it done as soon as the person has their answer (a crash after that
    never answers them twice), then deliver what it queued, and log one line about it. If this raises
    before the answer, the request stays claimed and is finished later by the `requests` job."""
    with one_line(log, request=request_id, team=request.team, kind=request.kind, name=request.name):
        answer = HANDLERS[request.kind](deps, request)
        with session_scope(deps.session_factory) as session:
            inbox.finish(session, request_id, deps.clock.now())
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
    return f"{finished} stranded request(s) finished, {broken} failed again, {pruned} old request(s) forgotten"

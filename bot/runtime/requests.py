"""Answering one chat request, on any platform: what a request handler has at hand (the `Runtime`), running a
command for the person who asked in one unit of work, delivering what it queued once they have their answer,
and the polite replies that stand in for a stack trace or silence. A platform adapter subclasses `Runtime`
with what only it has (its web client, its workspace) and says how it reads and handles its requests."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.ai.client import Model
from bot.clock import Clock
from bot.config import Settings
from bot.db import SessionFactory, engine_of, lock_wait_at_most, session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import SHORT_PAUSE, deliver_due
from bot.gateway import ChatGateway, Target
from bot.instant import INSTANT, NeedsTime
from bot.messages import Form, Option, Reply
from bot.people.actors import Actor
from bot.runtime import inbox
from bot.runtime.recording import InboxWriter
from bot.runtime.work_pool import ACKS, Coalescing, Turns, WorkQueue, follow_on
from commands import router
from commands.context import CommandContext

log = logging.getLogger(__name__)

DATABASE_DOWN = "Tend can't reach its database right now, so nothing was read or changed. Please try again in a minute."
BROKEN = (
    "Sorry, something went wrong on Tend's side (reference {reference}). Please try again; "
    "if it keeps happening, give that reference to your Tend admin."
)

Call = Callable[[CommandContext], Reply | Form]
WhoAsks = Callable[[Session], Actor]  # the platform's way from its user to a Tend actor, inside the unit of work


class Request(Protocol):
    """A chat request as the inbox keeps it; each platform reads its own payloads."""

    @property
    def kind(self) -> str: ...  # command, action, view, shortcut, event, message…

    @property
    def key(self) -> str: ...  # unique per request a person made: the platform's retries of it share it

    @property
    def name(self) -> str: ...  # what was asked, for the logs (never its text)

    @property
    def team(self) -> str | None: ...  # where it came from, for the logs

    def to_payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Answer:
    reply: Reply | Form
    queued: bool = False  # the request queued outgoing messages: deliver them once the asker has the reply
    replied_by_outbox: bool = False  # the reply itself went to the outbox (see run_for's `reply_to`)
    # How the platform gives the person this answer (a call to it), when its handler leaves that to the
    # runtime's answering threads: the work thread then goes on without waiting for the platform.
    give: Callable[[], object] | None = None


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


ANSWERING = 8  # answers given at once: each is one call to the platform, nearly all of it waiting


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """What every request handler shares, whatever the platform."""

    platform: str  # "slack", "console": the inbox keeps each platform's requests apart
    settings: Settings
    session_factory: SessionFactory
    clock: Clock
    gateway: ChatGateway
    # Post-ack work runs here, not on the web server's threads: listeners only ack, record and hand over, so a
    # burst of slow work can never delay the next request's ack past the platform's deadline.
    work: WorkQueue = field(default_factory=WorkQueue)
    # Answers (Answer.give) are given from here, and then what the request queued is handed to `deliveries`.
    answering: WorkQueue = field(default_factory=lambda: follow_on(ANSWERING, "answer"))
    # What requests queued goes out from here (see hand_over), so that a work thread is not kept waiting for
    # the platform's answers to the team post and the DMs before it takes the next request.
    deliveries: Coalescing = field(default_factory=Coalescing)
    model: Model | None = None
    follow_up: FollowUp = field(default_factory=FollowUp)
    inbox: InboxWriter = field(init=False)  # records requests before their ack (bot.runtime.lifecycle)
    instant_turns: Turns = field(init=False)  # answers worked out inside acks at once, in turns

    def __post_init__(self) -> None:
        object.__setattr__(self, "inbox", InboxWriter(self.session_factory, self.clock, self.platform))
        at_once = INSTANT_AT_ONCE.get(engine_of(self.session_factory).dialect.name, 2)
        object.__setattr__(self, "instant_turns", Turns(at_once))

    def after_ack(self, job: Callable[[], object]) -> None:
        """Run `job` once the request is acknowledged; failures are logged, never lost silently."""
        self.work.submit(job)

    def shutdown(self) -> None:
        """Return once the work queued so far is done, with the answers and deliveries it handed on."""
        self.work.shutdown()
        self.answering.shutdown()
        self.deliveries.shutdown()

    def request_of(self, kind: str, payload: dict[str, Any]) -> Request:
        """A request read back from the inbox (to finish it after a restart)."""
        raise NotImplementedError(f"{self.platform} keeps no requests in the inbox")

    def handle(self, request: Request) -> Answer | None:
        """Do what `request` asks and answer the person; the Answer's queued messages are delivered after."""
        raise NotImplementedError(f"{self.platform} keeps no requests in the inbox")


def run_for(
    runtime: Runtime,
    who: WhoAsks,
    call: Call,
    request_key: str = "",
    request_id: str | None = None,
    reply_to: Target | None = None,
) -> Answer:
    """Resolve the person (`who`) and run `call` in one unit of work. With `reply_to`, a Reply is queued for
    that target in the same unit of work (sent once, whatever the retries). Failures become a polite reply."""
    try:
        with session_scope(runtime.session_factory) as session:
            ctx = context(runtime, session, who(session))
            if request_id:
                ctx.request_id = request_id
            reply = call(ctx)
            by_outbox = False
            if reply_to is not None and isinstance(reply, Reply):
                outbox.enqueue(session, f"reply:{request_key}", reply_to, reply, runtime.clock.now())
                by_outbox = True
            queued = bool(session.info.get(outbox.QUEUED))
        return Answer(reply, queued, by_outbox)
    except DBAPIError:
        log.exception("database unavailable while answering a %s request", runtime.platform)
        return Answer(Reply(DATABASE_DOWN))
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error answering a %s request (ref %s)", runtime.platform, reference)
        return Answer(Reply(BROKEN.format(reference=reference)))


WROTE = "tend.instant.wrote"


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _context: object) -> None:
    """Registered once for every session (a listener per session would be kept by SQLAlchemy's registry):
    notes that an instant unit of work wrote, so that its answer is not given."""
    if session.info.get(INSTANT):
        session.info[WROTE] = True


# A card takes ~1 ms of the interpreter alone, a few under load. With more requests than this waiting for their
# ack in this process, answering each inside its ack would push the last ack towards Slack's 3 seconds: record
# them instead (~1 ms).
INSTANT_WHILE_WAITING = 32
# How many answers one process works out inside their acks at once; the others wait their turn, first come
# first served (bot.runtime.work_pool.Turns), at most INSTANT_TURN_WAIT, then they are recorded and answered
# after the ack. On SQLite one: its statements are microseconds of C, so cards worked out side by side only
# fight over the interpreter lock, which each hands on at every statement (eight threads at once: 1.7 ms a
# card instead of 1.0 one at a time, and +40 % answers a second over HTTP, benchmarks/README). On PostgreSQL
# two: one computes while the other waits for the network (measured: better than one at c=8, and than eight
# at c=8 and c=32).
INSTANT_AT_ONCE = {"sqlite": 1, "postgresql": 2}
INSTANT_TURN_WAIT = 0.5


@dataclass(frozen=True)
class Kept:
    """What an instant answer that writes (bot.instant.Instant.WRITES) keeps with its work: the request, which
    the inbox records as answered in the same transaction, and the id its command files things under (the
    one the usual path would use, so that nothing is filed twice whichever path a retry takes)."""

    request: Request
    request_id: str


def answer_instantly(
    runtime: Runtime, known: Callable[[Session], Actor | None], call: Call, kept: Kept | None = None
) -> Reply | None:
    """The answer to a command worked out inside the ack (bot.instant); None when it cannot be: the person is
    not known yet (`known` must not call the platform), the command needs time, asks with a form, failed, or
    (without `kept`) wrote something. The request is then recorded and answered after the ack as usual, so
    nothing is lost by trying. Without `kept` nothing done here is ever committed; with it, the work and the
    request's inbox record are committed together before the answer is given, and what the work queued is
    delivered as for any other request."""
    if ACKS.waiting > INSTANT_WHILE_WAITING:  # overloaded: record and ack at once, answer when there is room
        return None
    deadline = time.monotonic() + INSTANT_TURN_WAIT  # for the turn and, when it writes, for any lock
    if not runtime.instant_turns.acquire(timeout=INSTANT_TURN_WAIT):
        return None
    try:
        if kept is None:
            return _read_only(runtime, known, call)
        answer = _kept(runtime, known, call, kept, deadline)
        if answer is None:
            return None
        hand_over(runtime, answer)
        assert isinstance(answer.reply, Reply)
        return answer.reply
    except NeedsTime:
        return None
    except (DBAPIError, TimeoutError) as error:  # the usual path says what it means to the person (and logs it)
        log.warning("an instant answer could not use the database (%s): answered the usual way", type(error).__name__)
        return None
    except Exception:
        log.exception("an instant answer failed: answered after the ack instead")
        return None
    finally:
        runtime.instant_turns.release()


def _read_only(runtime: Runtime, known: Callable[[Session], Actor | None], call: Call) -> Reply | None:
    with runtime.session_factory() as session:
        session.info[INSTANT] = True
        actor = known(session)
        if actor is None:
            return None
        reply = call(context(runtime, session, actor))
        wrote = session.info.get(WROTE) or session.new or session.dirty or session.deleted
        if wrote or session.info.get(outbox.QUEUED):
            log.warning("a command declared instant wrote to the database: answered after the ack instead")
            return None
        return reply if isinstance(reply, Reply) else None  # closing the session rolls it back


def _kept(
    runtime: Runtime, known: Callable[[Session], Actor | None], call: Call, kept: Kept, deadline: float
) -> Answer | None:
    """One transaction: the request recorded as answered, then its work; committed only when the work gave a
    reply. On SQLite it holds the inbox's write turn throughout (the records of other acks queue behind it, in
    this process, rather than in SQLite's coarse back-off). Waiting for its turn and for any lock ends at
    `deadline`, so that a locked database leaves the usual path its whole budget within the ack's 3 seconds."""
    request = kept.request
    with runtime.session_factory() as session:
        session.info[INSTANT] = True
        actor = known(session)  # a read: someone Tend must first ask about costs no lock
        if actor is None:
            return None
        with (
            runtime.inbox.writing(_left(deadline)),
            lock_wait_at_most(session.connection(), _left(deadline)),
        ):
            now = runtime.clock.now()
            asked = [(request.key, request.kind, request.to_payload())]
            if not inbox.record_many(session, runtime.platform, asked, now, answered=True):
                return None  # a retry of a request recorded before: the usual path acknowledges it, doing nothing
            ctx = context(runtime, session, actor)
            ctx.request_id = kept.request_id
            reply = call(ctx)
            if not isinstance(reply, Reply):
                return None  # a form opens after the ack; closing the session rolls back the record
            session.flush()
        queued = bool(session.info.get(outbox.QUEUED))
        session.commit()
    return Answer(reply, queued)


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def context(runtime: Runtime, session: Session, actor: Actor) -> CommandContext:
    return CommandContext(
        session, actor, runtime.clock, runtime.settings.timezone, runtime.platform, model=runtime.model
    )


def search(runtime: Runtime, who: WhoAsks, name: str, query: str) -> list[Option]:
    """The options a form's search field offers as the person types. This may run inside an ack: `who` must
    not call the platform. Any failure offers nothing."""
    try:
        with session_scope(runtime.session_factory) as session:
            return router.run_search(context(runtime, session, who(session)), name, query)
    except Exception:
        log.exception("search options failed")
        return []


def known_actor(runtime: Runtime, lookup: Callable[[Session], Actor | None]) -> Actor | None:
    """The person behind a request as Tend already knows them (no platform call: this may run inside an ack);
    None when unknown or when the database does not answer."""
    try:
        with session_scope(runtime.session_factory) as session:
            return lookup(session)
    except Exception:
        log.exception("identity lookup inside an ack failed")
        return None


def local_today(runtime: Runtime, actor: Actor | None) -> date:
    """The person's date, for checks inside the ack: in their time zone when known, else the organisation's."""
    zone = (actor.timezone if actor else None) or runtime.settings.timezone
    return runtime.clock.now().astimezone(ZoneInfo(zone)).date()


def deliver_queued(runtime: Runtime, answer: Answer) -> None:
    """Send what the request queued right away, before returning (the console shows it under the answer);
    anything not sent now stays in the outbox for the deliver job."""
    if answer.queued:
        deliver_now(runtime)


def hand_over(runtime: Runtime, answer: Answer) -> None:
    """Once the asker has their answer, send what the request queued from the runtime's delivery thread."""
    if answer.queued:
        deliver_soon(runtime)


HANDED_OVER = 200  # messages between two looks at the clock in a delivery run (see deliver_everything_due)


def deliver_soon(runtime: Runtime) -> None:
    """Deliver what is due from the delivery thread, without waiting for it."""
    runtime.deliveries.kick(partial(deliver_everything_due, runtime))


def deliver_everything_due(runtime: Runtime) -> None:
    """Deliver until nothing is due: the requests of a rush share runs (Coalescing), so the last run may find
    the messages of hundreds of requests, and no later request may come to ask for what it leaves."""
    while deliver_now(runtime, limit=HANDED_OVER):
        pass


def deliver_now(runtime: Runtime, now: datetime | None = None, limit: int = 20) -> bool:
    """Deliver what is due (a request's team post and DMs); True when it stopped at `limit` (more may be due).
    Stopped by a short rate-limit pause, it comes back once the pause is over, on a timer that holds no
    thread meanwhile; longer pauses are the deliver job's."""
    now = max(now, runtime.clock.now()) if now else runtime.clock.now()
    try:
        report = deliver_due(runtime.session_factory, runtime.gateway, now, limit=limit)
    except Exception:
        log.exception("immediate delivery failed; the deliver job will send the messages")
        return False
    until = report.paused_until
    if until is not None and until - now <= SHORT_PAUSE:
        runtime.follow_up.at(
            until, (until - now).total_seconds(), lambda: runtime.after_ack(partial(deliver_now, runtime, until))
        )
    return report.dealt >= limit

"""An answer worked out inside the ack: a read-only command that writes, needs time or fails is left for the
normal path (recorded, answered after the ack), and nothing it did is kept; a command allowed to write (a
flag) commits its work and the request's inbox record together, or neither."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import engine_of
from bot.gateway import Target
from bot.instant import needs_time
from bot.messages import Form, Reply
from bot.models import InboundRequest, Person
from bot.people.actors import Access, Actor
from bot.runtime.requests import (
    INSTANT_AT_ONCE,
    INSTANT_TURN_WAIT,
    INSTANT_WHILE_WAITING,
    Kept,
    Runtime,
    answer_instantly,
)
from bot.runtime.work_pool import ACKS
from tests.factories import make_person
from tests.slack.conftest import NOW


class Nowhere:
    platform = "console"
    side_by_side = False

    def send(self, target: Target, reply: Reply) -> str:
        raise AssertionError("nothing is sent from an instant answer")


def runtime(factory) -> Runtime:
    return Runtime(
        platform="console", settings=Settings(), session_factory=factory, clock=FixedClock(NOW), gateway=Nowhere()
    )


MEMBER = Actor(Access.MEMBER, "Maya")


def test_a_read_is_answered_and_nothing_is_committed(factory):
    with factory() as session:
        make_person(session, "maya@example.com")
        session.commit()

    def count(ctx) -> Reply:
        return Reply(f"{ctx.session.scalar(select(func.count()).select_from(Person))} people")

    assert answer_instantly(runtime(factory), lambda _session: MEMBER, count) == Reply("1 people")


def test_a_command_that_writes_is_left_for_after_the_ack_and_its_write_undone(factory):
    def writes(ctx) -> Reply:
        make_person(ctx.session, "new@example.com")
        ctx.session.flush()
        return Reply("added")

    assert answer_instantly(runtime(factory), lambda _session: MEMBER, writes) is None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_someone_unknown_slow_work_or_a_failure_is_left_for_after_the_ack(factory):
    def slow(ctx) -> Reply:
        needs_time(ctx.session)
        return Reply("never")

    def broken(ctx) -> Reply:
        raise RuntimeError("boom")

    assert answer_instantly(runtime(factory), lambda _session: None, lambda ctx: Reply("x")) is None
    assert answer_instantly(runtime(factory), lambda _session: MEMBER, slow) is None
    assert answer_instantly(runtime(factory), lambda _session: MEMBER, broken) is None


def test_an_overloaded_process_records_instead_so_that_every_ack_stays_in_time(factory):
    with ExitStack() as requests_waiting:
        for _ in range(INSTANT_WHILE_WAITING + 1):
            requests_waiting.enter_context(ACKS.acking())
        assert answer_instantly(runtime(factory), lambda _session: MEMBER, lambda ctx: Reply("x")) is None
    assert answer_instantly(runtime(factory), lambda _session: MEMBER, lambda ctx: Reply("x")) == Reply("x")


def test_answers_are_worked_out_in_turns_and_one_that_waits_too_long_is_recorded_instead(factory):
    """Cards are worked out a few at a time (on SQLite one: side by side they only fight over the interpreter
    lock); a request whose turn does not come within INSTANT_TURN_WAIT takes the usual path, so that its ack
    is never held towards Slack's 3 seconds by another answer."""
    shared = runtime(factory)
    at_once = INSTANT_AT_ONCE[engine_of(factory).dialect.name]
    inside, most, release = [0], [0], threading.Event()
    lock = threading.Lock()

    def slow_card(ctx) -> Reply:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait(5)
        with lock:
            inside[0] -= 1
        return Reply("card")

    answers: list[Reply | None] = []
    askers = [
        threading.Thread(target=lambda: answers.append(answer_instantly(shared, lambda _s: MEMBER, slow_card)))
        for _ in range(at_once)
    ]
    for asker in askers:
        asker.start()
    deadline = time.monotonic() + 5
    while inside[0] < at_once and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    assert answer_instantly(shared, lambda _s: MEMBER, lambda ctx: Reply("x")) is None  # no turn in time
    assert INSTANT_TURN_WAIT - 0.05 <= time.monotonic() - started < INSTANT_TURN_WAIT + 1
    release.set()
    for asker in askers:
        asker.join()
    assert answers == [Reply("card")] * at_once and most[0] == at_once
    assert answer_instantly(shared, lambda _s: MEMBER, lambda ctx: Reply("x")) == Reply("x")  # turns returned


class Asked:
    """A request as the inbox keeps it."""

    kind, name, team = "command", "/flag", None

    def __init__(self, key: str) -> None:
        self.key = key

    def to_payload(self) -> dict:
        return {"body": {"text": "acme invoice charged twice"}}


def test_a_command_allowed_to_write_commits_its_work_and_its_answered_record_together(factory):
    def files(ctx) -> Reply:
        make_person(ctx.session, f"{ctx.request_id}@example.com")
        return Reply("filed")

    shared = runtime(factory)
    assert answer_instantly(shared, lambda _s: MEMBER, files, Kept(Asked("command:1"), "one")) == Reply("filed")
    with factory() as session:
        assert session.scalars(select(Person.email)).all() == ["one@example.com"]
        recorded = session.execute(select(InboundRequest.request_key, InboundRequest.status)).all()
        assert recorded == [("command:1", "done")]  # nothing for the `requests` job to finish
    # A retry of it is left to the usual path, which acknowledges it and does nothing more.
    assert answer_instantly(shared, lambda _s: MEMBER, files, Kept(Asked("command:1"), "again")) is None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_writing_command_that_asks_with_a_form_needs_time_or_fails_keeps_nothing(factory):
    def half_then(outcome):
        def call(ctx):
            make_person(ctx.session, "half@example.com")
            ctx.session.flush()
            return outcome(ctx)

        return call

    def slow(ctx) -> Reply:
        needs_time(ctx.session)
        return Reply("never")

    def broken(ctx) -> Reply:
        raise RuntimeError("boom")

    shared = runtime(factory)
    for n, call in enumerate(
        (half_then(lambda ctx: Form("Flag", "flag.form", "", ())), half_then(slow), half_then(broken))
    ):
        assert answer_instantly(shared, lambda _s: MEMBER, call, Kept(Asked(f"command:{n}"), str(n))) is None
    assert answer_instantly(shared, lambda _s: None, lambda ctx: Reply("x"), Kept(Asked("command:9"), "9")) is None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(InboundRequest)) == 0  # the usual path records it

"""Slack hears "got it" only for a request safely in the inbox. When the database cannot record it in time
(locked by another writer, a long import, `LOCK TABLE`), the person is told, in the way each kind of request
can show it, and nothing is done later behind their back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, select, text

from bot.models import Flag, InboundRequest
from bot.runtime.recording import Outcome, Recording
from tests.slack.test_account_command import CSM, reply_of, seed
from tests.slack.test_flag_command import people
from tests.slack.test_flag_command import seed as seed_flags

HOME = {"type": "app_home_opened", "user": CSM, "channel": "D1", "tab": "home", "event_ts": "1.1"}


def take_lock(locker: Connection) -> None:
    """Make `locker` hold the inbox's write lock (until it rolls back)."""
    if locker.dialect.name == "sqlite":
        locker.exec_driver_sql("BEGIN IMMEDIATE")  # holds SQLite's one write lock
    else:
        locker.execute(text("LOCK TABLE inbound_request IN ACCESS EXCLUSIVE MODE"))


@contextmanager
def locked(engine: Engine) -> Iterator[None]:
    """Another connection holds the inbox's write lock until the block ends."""
    with engine.connect() as locker:
        take_lock(locker)
        try:
            yield
        finally:
            locker.rollback()


def test_the_request_is_recorded_before_slack_hears_back(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    answer = slack.send.slash("/account", "Acme Corporation")
    assert answer.status == 200 and answer.body == ""
    # The moment the ack is received, a crash could no longer lose the request: the `requests` job has it.
    assert session.scalars(select(InboundRequest.kind)).all() == ["command"]
    assert "Acme Corporation" in str(reply_of(slack))


def test_a_command_the_locked_database_cannot_record_is_refused_in_the_ack(slack, session, engine):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    with locked(engine):
        answer = slack.send.slash("/account", "Acme Corporation")
        assert answer.status == 200 and answer.seconds < 2.7
        shown = json.loads(answer.body)
        assert shown["response_type"] == "ephemeral" and "Tend couldn't take this just now" in shown["text"]
    time.sleep(1)  # room for a wrongly kept request to be worked on once the lock is gone
    assert not slack.fake.calls_to("response_url")  # nothing behind the person's back
    assert session.scalar(select(func.count()).select_from(InboundRequest)) == 0


def test_a_lock_released_within_the_budget_is_waited_for_and_answered(slack, session, engine):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    with engine.connect() as locker:
        take_lock(locker)
        threading.Timer(0.5, locker.rollback).start()
        answer = slack.send.slash("/account", "Acme Corporation")
    assert answer.status == 200 and answer.body == "" and 0.4 < answer.seconds < 2.7
    assert "Acme Corporation" in str(reply_of(slack))


def test_buttons_events_and_forms_are_refused_so_slack_shows_it(slack, session, engine):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    slack.send.slash("/flag", "")  # the flag form, opened before the database locks up
    view = slack.fake.wait_for("views.open")[0].params["view"]
    form = view if isinstance(view, dict) else json.loads(view)
    with locked(engine):
        pressed = slack.send.block_action("account.show:0", "1")
        assert pressed.status == 503 and pressed.seconds < 2.7  # Slack marks the button as failed
        home = slack.send.event(HOME, event_id="Ev0LOCKED")
        assert home.status == 503  # Slack redelivers the event later
        answers = {"account": "1", "category": "billing", "severity": "normal", "description": "charged twice"}
        submitted = slack.send.view_submission(form, answers)
        assert submitted.status == 200
        errors = json.loads(submitted.body)
        assert errors["response_action"] == "errors"  # the form stays open, with what was typed
        assert "couldn't save this just now" in next(iter(errors["errors"].values()))
    told = slack.fake.wait_for("response_url")[-1].params  # the button's message says why, too
    assert "Tend couldn't take this just now" in told["text"]
    # Slack's redelivery of the event, once the database is back, is answered.
    assert slack.send.event(HOME, event_id="Ev0LOCKED", headers={"X-Slack-Retry-Num": "1"}).status == 200
    slack.fake.wait_for("views.publish")
    time.sleep(0.5)
    assert session.scalar(select(func.count()).select_from(Flag)) == 0
    assert len(slack.fake.calls_to("views.publish")) == 1
    assert len(slack.fake.calls_to("response_url")) == 1  # the button's look-up was never done


def test_a_write_under_way_at_the_deadline_is_waited_for_and_one_that_misses_it_is_set_aside():
    recording = Recording("k", "command", {})
    assert recording.may_commit()  # the writer has started; its commit is slow
    threading.Timer(0.15, recording.settle, (Outcome.RECORDED,)).start()
    assert recording.wait(budget=0.1, grace=0.5) is Outcome.RECORDED  # given a little more time

    late = Recording("k", "command", {})
    assert late.may_commit()
    assert late.wait(budget=0.05, grace=0.05) is Outcome.IN_DOUBT
    assert late.settle(Outcome.RECORDED) is Outcome.IN_DOUBT  # the writer sets the row aside

    abandoned = Recording("k", "command", {})
    assert abandoned.wait(budget=0.01, grace=0.01) is Outcome.ABANDONED
    assert not abandoned.may_commit()  # never written


def test_a_flag_refused_at_the_door_is_never_filed(slack, session, engine):
    seed_flags(session)
    people(slack)
    with locked(engine):
        answers = [slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM") for _ in range(3)]
    assert all(a.status == 200 and "Tend couldn't take this just now" in a.body for a in answers)
    time.sleep(1)
    assert session.scalar(select(func.count()).select_from(Flag)) == 0
    assert not slack.fake.calls_to("chat.postMessage") and not slack.fake.calls_to("response_url")


def test_a_flag_from_someone_tend_knows_is_refused_in_time_when_the_database_is_locked(slack, session, engine):
    """Someone Tend knows has a flag filed inside its ack: with the database locked, that attempt gives up
    within its turn's wait and leaves the usual record its whole budget, so the refusal still comes in time,
    and nothing is filed. Once the lock is gone, the next flag is filed in its ack as usual."""
    seed_flags(session)
    people(slack)
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")  # Slack is asked who Sam is
    slack.fake.wait_for("response_url")
    with locked(engine):
        refused = slack.send.slash("/flag", "acme refund still missing", user_id="U0SAM")
    assert refused.status == 200 and refused.seconds < 2.7 and "Tend couldn't take this just now" in refused.body
    time.sleep(1)
    assert session.scalar(select(func.count()).select_from(Flag)) == 1
    filed = slack.send.slash("/flag", "acme refund still missing", user_id="U0SAM")
    assert "Flag #2 filed for Acme Corporation" in json.loads(filed.body)["text"]

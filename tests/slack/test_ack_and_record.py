"""Slack hears back once the request is safely in the inbox, and a locked database never holds that answer."""

from __future__ import annotations

import time

from sqlalchemy import Engine, select, text

from bot.models import InboundRequest
from bot.slack import intake
from tests.slack.test_account_command import CSM, reply_of, seed


def test_the_request_is_recorded_before_slack_hears_back(slack, session, monkeypatch):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    monkeypatch.setattr(intake, "RECORD_WAIT", 5.0)  # however slow this machine is today
    answer = slack.send.slash("/account", "Acme Corporation")
    assert answer.status == 200
    # The moment the ack is received, a crash could no longer lose the request: the `requests` job has it.
    assert session.scalars(select(InboundRequest.kind)).all() == ["command"]
    assert "Acme Corporation" in str(reply_of(slack))


def test_a_locked_database_does_not_hold_the_ack_and_the_answer_follows_the_lock(slack, session, engine: Engine):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    with engine.connect() as locker:
        if engine.dialect.name == "sqlite":
            locker.exec_driver_sql("BEGIN IMMEDIATE")  # holds SQLite's one write lock
        else:
            locker.execute(text("LOCK TABLE inbound_request IN ACCESS EXCLUSIVE MODE"))
        answer = slack.send.slash("/account", "Acme Corporation")
        assert answer.status == 200 and answer.seconds < 1
        time.sleep(1)
        assert not slack.fake.calls_to("response_url")  # nothing could be recorded or answered yet
        locker.rollback()
    assert "Acme Corporation" in str(reply_of(slack))

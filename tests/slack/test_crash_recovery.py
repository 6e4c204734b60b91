"""A Tend web process killed (kill -9) mid-request loses nothing and doubles nothing: the `requests` job
finishes what was acknowledged but not done, the `deliver` job sends what was saved but not sent, and what
the database could not record in time was refused at the door, so there is nothing to lose."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.models import Flag, InboundRequest
from tests.fakes.slack_requests import SlackSender
from tests.fakes.slack_server import FakeSlack
from tests.processes import ROOT, free_port, kill_hard, run_job, start, tend_env, wait_until_up
from tests.slack.test_ack_and_record import locked, take_lock
from tests.slack.test_flag_command import count, seed


@dataclass
class Served:
    app: subprocess.Popen
    fake: FakeSlack
    env: dict[str, str]
    send: SlackSender
    cwd: Path

    def flag_and_die_during(self, call: str) -> None:
        """Sam flags Acme; the app is killed -9 while its `call` to Slack hangs."""
        self.fake.delay(call, 60)
        answer = self.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
        assert answer.status == 200 and answer.seconds < 3  # acknowledged: Sam was promised an answer
        self.fake.wait_for(call, timeout=10)
        kill_hard(self.app)
        self.fake.delays.clear()

    def job(self, name: str, minutes_from_now: int) -> str:
        now = datetime.now(UTC) + timedelta(minutes=minutes_from_now)
        return run_job(name, now.isoformat(), self.env, self.cwd)

    def posted_to(self) -> list[str]:
        return sorted(call.params["channel"] for call in self.fake.calls_to("chat.postMessage"))


@pytest.fixture
def served(engine: Engine, session, tmp_path) -> Iterator[Served]:
    """`python app.py` on the test database; Sam (reporter) and Maya (Acme's CSM) known to the fake Slack."""
    seed(session)
    fake = FakeSlack().start()
    fake.add_user("U0SAM", "sam@example.com", name="Sam Rivera")
    fake.add_user("U0MAYA", "maya@example.com", name="Maya Patel")
    port = free_port()
    env = tend_env(fake, engine.url.render_as_string(hide_password=False), port)
    app = start([str(ROOT / "app.py")], env, tmp_path)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", app)
        yield Served(
            app, fake, env, SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url(), fake), tmp_path
        )
    finally:
        if app.poll() is None:
            kill_hard(app)
        fake.stop()
    assert not fake.violations


def test_a_request_acknowledged_but_not_worked_on_is_finished_by_the_requests_job(served, session):
    served.flag_and_die_during("users.info")  # finding out who Sam is: nothing written yet
    assert count(session, Flag) == 0
    assert session.scalars(select(InboundRequest.status)).all() == ["working"]

    assert "0 stranded requests finished" in served.job("requests", 1)  # its claim has not lapsed yet
    assert "1 stranded request finished, 0 failed again" in served.job("requests", 5)
    assert count(session, Flag) == 1
    assert "Flag #1 filed for Acme Corporation: billing" in served.fake.calls_to("response_url")[-1].params["text"]
    assert served.posted_to() == ["U0MAYA", "billing"]

    assert "0 stranded requests finished" in served.job("requests", 10)
    assert "0 sent" in served.job("deliver", 10)
    assert count(session, Flag) == 1 and served.posted_to() == ["U0MAYA", "billing"]
    assert len(served.fake.calls_to("response_url")) == 1


def test_a_flag_saved_but_not_announced_is_announced_once_after_the_crash(served, session):
    served.flag_and_die_during("response_url")  # Sam's confirmation: the flag and its messages are committed
    assert count(session, Flag) == 1 and served.posted_to() == []

    assert "2 sent, 0 to retry, 0 failed" in served.job("deliver", 1)
    assert served.posted_to() == ["U0MAYA", "billing"]
    assert "1 stranded request finished" in served.job("requests", 5)  # Sam hears back; nothing new is made
    assert "0 sent" in served.job("deliver", 10)
    assert count(session, Flag) == 1 and served.posted_to() == ["U0MAYA", "billing"]
    assert "Flag #1 filed for Acme Corporation" in served.fake.calls_to("response_url")[-1].params["text"]


def test_a_person_answered_before_the_crash_is_not_answered_again(served, session):
    served.flag_and_die_during("chat.postMessage")  # Sam has his answer; the team's post hangs, then the kill
    assert "Flag #1 filed" in served.fake.calls_to("response_url")[0].params["text"]
    assert "0 stranded requests finished" in served.job("requests", 5)  # done the moment Sam had it
    served.job("deliver", 5)
    assert count(session, Flag) == 1 and set(served.posted_to()) == {"U0MAYA", "billing"}
    assert len(served.fake.calls_to("response_url")) == 1


def test_requests_a_locked_database_cannot_record_are_refused_and_a_kill_then_loses_nothing(served, session, engine):
    with locked(engine), ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda n: served.send.slash("/flag", f"acme charged twice ({n})", user_id="U0SAM"), range(4))
        )
        kill_hard(served.app)  # while the database is still locked
    assert all(a.status == 200 and a.seconds < 3 and "Tend couldn't take this just now" in a.body for a in answers)
    assert "0 stranded requests finished" in served.job("requests", 5)  # nothing was promised
    assert count(session, Flag) == 0 and not served.fake.calls_to("response_url") and served.posted_to() == []


def test_requests_acknowledged_after_a_lock_are_each_answered_once_after_a_kill(served, session, engine):
    served.fake.delay("users.info", 60)  # the work after the acks hangs until the kill
    with engine.connect() as locker:
        take_lock(locker)
        threading.Timer(0.5, locker.rollback).start()  # a short lock: the acks wait it out
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(lambda n: served.send.slash("/flag", f"acme charged twice ({n})", user_id="U0SAM"), range(4))
            )
    assert all(a.status == 200 and a.body == "" and a.seconds < 3 for a in answers)  # all four promised
    served.fake.wait_for("users.info", timeout=10)
    kill_hard(served.app)
    served.fake.delays.clear()
    assert "4 stranded requests finished, 0 failed again" in served.job("requests", 5)
    assert "0 stranded requests finished" in served.job("requests", 10)
    replies = sorted(call.params["text"].split(":")[0] for call in served.fake.calls_to("response_url"))
    assert replies == [f"Flag #{n} filed for Acme Corporation" for n in range(1, 5)]  # each reporter once
    assert count(session, Flag) == 4


def test_sigterm_finishes_what_was_acknowledged_then_exits(served, session):
    served.fake.delay("users.info", 2)  # the work after the ack is still running when the deploy stops us
    answer = served.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    assert answer.status == 200
    served.fake.wait_for("users.info", timeout=10)
    served.app.send_signal(signal.SIGTERM)
    _out, err = served.app.communicate(timeout=30)
    assert served.app.returncode == 0, err
    assert "Flag #1 filed" in served.fake.wait_for("response_url")[0].params["text"]
    assert served.posted_to() == ["U0MAYA", "billing"]
    session.expire_all()
    assert session.scalars(select(InboundRequest.status)).all() == ["done"]  # nothing left for the requests job

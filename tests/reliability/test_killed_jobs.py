"""The clock and the deliverer killed with `kill -9` in the middle of a run, then started again: nothing is
lost and nothing is sent twice — except, at most, the one message whose post was already in flight when
the process died (Slack posted it; the dead process never heard so). That one is the "lost answer" case
the README's reliability section describes."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import Reply
from bot.models import Notification
from tests.factories import make_account, make_person, untold_nudges
from tests.fakes.gateway import deliver_all
from tests.fakes.slack_server import FakeSlack
from tests.processes import kill_hard, run_job, start, tend_env

NOW = datetime.fromisoformat("2026-11-24T10:00:00+00:00")
MESSAGES = 60


def _database_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_deliverer_killed_mid_batch_leaves_nothing_unsent_and_doubles_at_most_the_post_in_flight(
    engine, factory, tmp_path
):
    with session_scope(factory) as session:
        for n in range(MESSAGES):
            outbox.enqueue(session, f"test:{n}", Target("slack", "channel", "C0TEAM"), Reply(f"message {n}"), NOW)
    fake = FakeSlack().start()
    try:
        fake.delay("chat.postMessage", 0.05)
        env = tend_env(fake, _database_url(engine))
        deliverer = start(["-m", "jobs", "run", "deliver", "--now", NOW.isoformat()], env, tmp_path)
        fake.wait_for("chat.postMessage", 15, timeout=30)
        kill_hard(deliverer)  # mid-batch: its claimed messages stay "sending" until their lease lapses
        fake.delays.clear()
        assert "0 sent" in run_job("deliver", (NOW + timedelta(minutes=1)).isoformat(), env, tmp_path)
        run_job("deliver", (NOW + timedelta(minutes=3)).isoformat(), env, tmp_path)  # the lease has lapsed
        posted = Counter(call.params["text"] for call in fake.done("chat.postMessage"))
    finally:
        fake.stop()
    assert set(posted) == {f"message {n}" for n in range(MESSAGES)}  # nothing lost
    assert sum(posted.values()) <= MESSAGES + 1  # at most the one in flight at the kill, twice
    with session_scope(factory) as session:
        statuses = session.scalars(select(Notification.status)).all()
    assert Counter(statuses) == {"sent": MESSAGES}


def test_a_clock_killed_mid_run_then_run_again_queues_each_nudge_once(engine, factory, tmp_path):
    with session_scope(factory) as session:
        for n in range(150):
            csm = make_person(session, f"csm{n}@example.com")
            make_account(session, f"Quiet {n}", owner_id=csm.id, last_touch_date=date(2026, 8, 1))
            make_account(session, f"Renewing {n}", owner_id=csm.id, renewal_date=date(2026, 12, 20))
    fake = FakeSlack().start()
    try:
        env = tend_env(fake, _database_url(engine))
        for after in (0.3, 0.8, 1.5):  # killed at different points of the run (or after it, on a fast machine)
            clock = start(["-m", "jobs", "run", "nudges", "--now", NOW.isoformat()], env, tmp_path)
            time.sleep(after)
            kill_hard(clock)
        run_job("nudges", NOW.isoformat(), env, tmp_path)
        run_job("nudges", (NOW + timedelta(hours=1)).isoformat(), env, tmp_path)
    finally:
        fake.stop()
    with session_scope(factory) as session:
        targets = session.scalars(select(Notification.target_ref)).all()
        sent = deliver_all(session)
        untold = untold_nudges(session)
    assert sorted(targets) == sorted(f"csm{n}@example.com" for n in range(150))  # one DM each
    assert len(sent) == 150 and untold == 0  # and each told all three of its CSM's nudges


def test_two_long_lived_deliverers_send_each_message_once_and_one_killed_leaves_the_other_to_finish(
    engine, factory, tmp_path
):
    fake = FakeSlack().start()
    try:
        env = tend_env(fake, _database_url(engine))
        first, second = (start(["-m", "jobs", "deliverer"], env, tmp_path) for _ in range(2))
        for process in (first, second):
            _wait_for_line(process, "deliverer started")
        time.sleep(0.5)  # both idle: what follows reaches them by the outbox's wake-up alone
        started = time.monotonic()
        _queue(factory, ["the first post"])
        fake.wait_for("chat.postMessage", 1, timeout=5)
        assert time.monotonic() - started < 1.0  # not the clock's next minute
        fake.delay("chat.postMessage", 0.02)
        _queue(factory, [f"message {n}" for n in range(MESSAGES)])
        fake.wait_for("chat.postMessage", 10, timeout=30)
        kill_hard(first)  # its claimed messages go to the other once their lease lapses (2 minutes)
        fake.delays.clear()
        second.send_signal(signal.SIGTERM)
        _out, err = second.communicate(timeout=20)
        assert second.returncode == 0 and "deliverer stopped" in err, err
        assert "sent" in run_job("deliver", (datetime.now(UTC) + timedelta(minutes=3)).isoformat(), env, tmp_path)
        posted = Counter(call.params["text"] for call in fake.done("chat.postMessage"))
    finally:
        fake.stop()
    assert set(posted) == {"the first post", *(f"message {n}" for n in range(MESSAGES))}  # nothing lost
    assert sum(posted.values()) <= MESSAGES + 2  # at most the one in flight at the kill, twice


def _queue(factory, texts: list[str]) -> None:
    with session_scope(factory) as session:
        for text in texts:
            outbox.enqueue(
                session, f"live:{text}", Target("slack", "channel", "C0TEAM"), Reply(text), datetime.now(UTC)
            )


def _wait_for_line(process, words: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while words not in (line := process.stderr.readline()):
        assert (line or process.poll() is None) and time.monotonic() < deadline, f"no {words!r} in the log"

"""The clock and the deliverer killed with `kill -9` in the middle of a run, then started again: nothing is
lost and nothing is sent twice — except, at most, the one message whose post was already in flight when
the process died (Slack posted it; the dead process never heard so). That one is the "lost answer" case
the README's reliability section describes."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.db import session_scope
from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import Reply
from bot.models import Notification, Nudge
from tests.factories import make_account, make_person
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
        unsent = session.scalar(select(func.count()).select_from(Nudge).where(Nudge.notified_at.is_(None)))
    assert sorted(targets) == sorted(f"csm{n}@example.com" for n in range(150))  # one DM each
    assert unsent == 0

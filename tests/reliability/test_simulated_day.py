"""Two clock processes and three deliverers on PostgreSQL through a whole Monday, every hour at the same
moment: each nudge, digest and escalation is queued once and every message is posted exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.models import DigestSent, Notification, Nudge, Person
from tests.factories import make_account, make_person, untold_nudges
from tests.fakes.slack_server import FakeSlack
from tests.flags.test_escalations import support_flag
from tests.processes import kill_hard, tend_env

MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
ZONES = ("Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles")


def seed(session) -> None:
    for z, zone in enumerate(ZONES):
        manager = make_person(session, f"manager{z}@example.com", role="manager", timezone=zone)
        for n in range(5):
            csm = make_person(session, f"csm{z}-{n}@example.com", manager_id=manager.id, timezone=zone)
            make_account(session, f"Quiet {z}-{n}", owner_id=csm.id, last_touch_date=date(2026, 8, 1))
            make_account(session, f"Renewing {z}-{n}", owner_id=csm.id, renewal_date=date(2026, 12, 28))
    for ref in ("a", "b", "c"):  # raised Friday afternoon: their 8-hour SLA runs out Monday 15:00 UTC
        support_flag(session, ref)


def step(processes: list[subprocess.Popen], now: datetime) -> None:
    for process in processes:
        process.stdin.write(now.isoformat() + "\n")
        process.stdin.flush()
    for process in processes:
        answer = process.stdout.readline()
        assert answer == "done\n", process.stderr.read() if process.poll() is not None else answer


def test_two_clocks_and_three_deliverers_through_a_day_send_everything_once(engine, factory, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes at once is PostgreSQL's job (SQLite's two-clock tests are in test_jobs)")
    with session_scope(factory) as session:
        seed(session)
        emails = session.scalars(select(Person.email)).all()
    fake = FakeSlack().start()
    for n, email in enumerate(emails):
        fake.add_user(f"U{n:04d}", email)
    env = tend_env(fake, engine.url.render_as_string(hide_password=False))
    roles = ["clock", "clock", "deliver", "deliver", "deliver"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.simulate", role],
            cwd=tmp_path,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for role in roles
    ]
    try:
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.stderr.read()
        for hour in range(24):
            step(processes, MONDAY + timedelta(hours=hour))
    finally:
        for process in processes:
            kill_hard(process)
        fake.stop()
    posts = [
        (call.method, call.params["channel"], call.params["text"])
        for call in fake.done("chat.postMessage") + fake.done("chat.update")  # new posts, redrawn flag posts
    ]
    with session_scope(factory) as session:
        statuses = Counter(session.scalars(select(Notification.status)))
        nudges = session.scalar(select(func.count()).select_from(Nudge))
        unnotified = untold_nudges(session)
        digests = session.scalar(select(func.count()).select_from(DigestSent))
        escalations = session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.like("%escalated%"))
        ).all()
    assert statuses == {"sent": len(posts)}  # every message queued was posted, and posted once
    assert not [post for post, times in Counter(posts).items() if times > 1]
    assert nudges >= 30 and unnotified == 0  # every nudge (two accounts per CSM) reached its CSM in their hours
    assert digests == len(ZONES)  # one digest per manager for their Monday
    # Each stalled flag escalated once: its team post redrawn as escalated, and one DM to the team's manager.
    assert len(escalations) == len(set(escalations)) == 6
    assert sum(key.endswith(":manager") for key in escalations) == 3

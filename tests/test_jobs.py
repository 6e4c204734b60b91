"""`python -m jobs run NAME --now …`: the clock's jobs run once, safely repeatable."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlalchemy import select

from bot.cli import main as bot
from bot.models import Notification
from jobs.__main__ import main as jobs
from tests.factories import make_account, make_person, untold_nudges
from tests.fakes.gateway import deliver_all
from tests.processes import ROOT, start


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'jobs.db'}")
    assert bot(["seed-demo"]) == 0


def test_escalations_then_delivery_reach_the_team_manager_once(demo, capsys):
    assert (
        bot(
            [
                "try",
                "--as",
                "sam@example.com",
                "--now",
                "2026-11-27T15:00:00+00:00",
                "/flag northwind.example the weekly export times out",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert jobs(["run", "all", "--now", "2026-11-30T08:00:00+00:00"]) == 0
    assert "escalations: 0 flags escalated" in capsys.readouterr().out
    # Support: 8 business hours in Priya's Asia/Kolkata; raised Friday 20:30 IST (after hours) → due Monday
    # 17:00 IST (11:30 UTC): not yet at Monday 08:00 UTC, escalated by Tuesday 06:00 UTC.
    assert jobs(["run", "all", "--now", "2026-12-01T06:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "escalations: 1 flag escalated: #1" in out
    assert "Tend would send to priya@example.com" in out and "nobody has taken it" in out
    assert jobs(["run", "all", "--now", "2026-12-01T07:00:00+00:00"]) == 0
    again = capsys.readouterr().out
    assert "escalations: 0 flags escalated" in again and "priya@example.com" not in again


def test_each_job_run_logs_one_line(demo, caplog):
    with caplog.at_level(logging.INFO, logger="tend.jobs"):
        assert jobs(["run", "deliver", "--now", "2026-11-23T09:00"]) == 0
    [line] = [r.getMessage() for r in caplog.records if r.name == "tend.jobs"]
    assert line.startswith("job=deliver outcome=done ms=") and 'summary="0 sent, 0 to retry, 0 failed"' in line


def test_every_job_name_runs(demo, capsys):
    for name in ("requests", "nudges", "digests", "escalations", "deliver"):
        assert jobs(["run", name, "--now", "2026-11-23T09:00"]) == 0
    out = capsys.readouterr().out
    assert "not built yet" not in out and all(f"{name}: " in out for name in ("requests", "nudges", "digests"))


def two_clocks(engine, tmp_path, job: str, now: str) -> None:
    """Run `python -m jobs run JOB --now NOW` in two processes at the same time; both must succeed."""
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False), "PYTHONPATH": str(ROOT)}
    clocks = [start(["-m", "jobs", "run", job, "--now", now], env, tmp_path) for _ in range(2)]
    outputs = [clock.communicate(timeout=60) for clock in clocks]
    assert [clock.returncode for clock in clocks] == [0, 0], outputs


def test_two_clock_processes_at_once_queue_each_nudge_once(engine, session, tmp_path):
    for n in range(20):
        csm = make_person(session, f"csm{n}@example.com")
        make_account(session, f"Quiet {n}", owner_id=csm.id, last_touch_date=date(2026, 8, 1))
        make_account(session, f"Renewing {n}", owner_id=csm.id, renewal_date=date(2026, 12, 20))
    session.commit()
    two_clocks(engine, tmp_path, "nudges", "2026-11-24T10:00:00+00:00")
    session.expire_all()
    targets = session.scalars(select(Notification.target_ref)).all()
    assert sorted(targets) == sorted(f"csm{n}@example.com" for n in range(20))  # one message each, not two
    assert len(deliver_all(session)) == 20 and untold_nudges(session) == 0  # each telling both nudges


def test_two_clock_processes_at_once_send_each_digest_once(engine, session, tmp_path):
    for n in range(20):
        manager = make_person(session, f"manager{n}@example.com", role="manager")
        make_person(session, f"report{n}@example.com", manager_id=manager.id)
    session.commit()
    two_clocks(engine, tmp_path, "digests", "2026-11-24T09:00:00+00:00")
    session.expire_all()
    targets = session.scalars(select(Notification.target_ref)).all()
    assert sorted(targets) == sorted(f"manager{n}@example.com" for n in range(20))


def test_the_clock_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'clock.db'}", "PYTHONPATH": str(ROOT)}
    assert (
        subprocess.run([sys.executable, "-m", "bot", "init-db"], env=env, cwd=tmp_path, capture_output=True).returncode
        == 0
    )
    clock = start(["-m", "jobs"], env, tmp_path)
    deadline = time.monotonic() + 20
    while "clock started" not in (line := clock.stderr.readline()) and time.monotonic() < deadline:
        assert line or clock.poll() is None, "the clock exited before starting"
    clock.send_signal(signal.SIGTERM)
    _out, err = clock.communicate(timeout=20)
    assert clock.returncode == 0, err
    assert "clock stopped" in err  # an operator reading the log sees it went on purpose


def test_a_wrong_now_is_explained_not_a_traceback(demo, capsys):
    assert jobs(["run", "all", "--now", "2026-13-01"]) == 2
    err = capsys.readouterr().err
    assert "--now must be an ISO-8601 date or time" in err and "2026-13-01" in err
    assert "Traceback" not in err

"""`python -m jobs run NAME --now …`: the clock's jobs run once, safely repeatable."""

from __future__ import annotations

import pytest

from bot.cli import main as bot
from jobs.__main__ import main as jobs


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
                "/flag northwind.example users can't log in",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert jobs(["run", "all", "--now", "2026-11-30T08:00:00+00:00"]) == 0
    assert "escalations: 0 flag(s) escalated" in capsys.readouterr().out
    # Support: 8 business hours in Priya's Asia/Kolkata; raised Friday 20:30 IST (after hours) → due Monday
    # 17:00 IST (11:30 UTC): not yet at Monday 08:00 UTC, escalated by Tuesday 06:00 UTC.
    assert jobs(["run", "all", "--now", "2026-12-01T06:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "escalations: 1 flag(s) escalated: #1" in out
    assert "Tend would send to priya@example.com" in out and "nobody has taken it" in out
    assert jobs(["run", "all", "--now", "2026-12-01T07:00:00+00:00"]) == 0
    again = capsys.readouterr().out
    assert "escalations: 0 flag(s) escalated" in again and "priya@example.com" not in again


def test_every_job_name_runs(demo, capsys):
    for name in ("requests", "nudges", "digests", "escalations", "deliver"):
        assert jobs(["run", name, "--now", "2026-11-23T09:00"]) == 0
    assert "not built yet" in capsys.readouterr().out

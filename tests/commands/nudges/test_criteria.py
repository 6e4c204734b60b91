"""Updating an account's success criteria from a nudge (`commands/nudges/criteria.py`)."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import Form
from bot.models import Nudge, SuccessCriterion
from tests.commands.nudges.scenario import nudge_run, press, seed, submit


def test_update_criteria_settles_the_stale_one(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Update criteria")
    assert isinstance(shown, Form) and [i.label for i in shown.inputs] == ["Go live", "Train 50 admins"]
    answers = {i.name: "on_track" for i in shown.inputs}
    assert submit(session, shown, answers).text == "Saved 2 success criteria."
    assert set(session.scalars(select(SuccessCriterion.status))) == {"on_track"}
    assert not session.scalars(select(Nudge).where(Nudge.reason == "criterion", Nudge.status == "open")).all()

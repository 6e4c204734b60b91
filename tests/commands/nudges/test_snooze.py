"""Snoozing and dismissing a nudge (`commands/nudges/snooze.py`), and who may."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.messages import Form
from bot.models import Notification, Nudge, NudgeEvent
from commands.router import check_form
from tests.commands.nudges.scenario import NOW, nudge_run, press, seed, submit


def test_snooze_until_a_date_brings_it_back_once_then(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Snooze")
    assert isinstance(shown, Form)
    today = NOW.date()
    assert check_form(shown.action, {"for": "date", "until": "soon"}, today) == {
        "until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."
    }
    assert check_form(shown.action, {"for": "date", "until": ""}, today) == {  # required for "until a date"
        "until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."
    }
    past = {"for": "date", "until": (today - timedelta(days=3)).isoformat()}  # re-asked, as a malformed one
    assert check_form(shown.action, past, today) == {"until": f"Choose a day after today ({today.isoformat()})."}
    assert check_form(shown.action, {"for": "date", "until": today.isoformat()}, today) != {}
    assert "until" in check_form(shown.action, {"for": "date", "until": "2028-06-01"}, today)
    assert check_form(shown.action, {"for": "1w", "until": ""}, today) == {}
    assert [i.label for i in shown.inputs] == ["For", "Until (YYYY-MM-DD)", "Why?"]  # no "(optional)" twice
    reply = submit(session, shown, {"for": "date", "until": "2026-12-01", "reason": "customer on holiday"})
    assert reply.text == "Snoozed Acme Corporation until Tue 01 Dec 2026."
    for day in range(1, 7):
        assert nudge_run(session, NOW + timedelta(days=day)) == []
    [back] = nudge_run(session, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert "Acme Corporation" in back.text
    assert nudge_run(session, datetime(2026, 12, 1, 11, 0, tzinfo=UTC)) == []


def test_dismiss_one_reason_or_all_for_this_cycle(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Dismiss")  # Acme is due for three reasons: which?
    assert isinstance(shown, Form)
    options = {o.label: o.value for o in shown.inputs[0].options}
    assert list(options) == ["All of them", "The renewal", "No recent touch", "A stale success criterion"]
    reply = submit(session, shown, {"which": options["The renewal"]})
    assert reply.text.startswith("Dismissed: no more nudges about Acme Corporation")
    open_reasons = set(session.scalars(select(Nudge.reason).where(Nudge.status == "open")))
    assert open_reasons == {"no_touch", "criterion"}
    submit(session, shown, {"which": "all"})
    assert nudge_run(session, NOW + timedelta(days=1)) == []


def test_three_snoozes_in_a_row_reach_the_manager(session):
    seed(session)
    [dm] = nudge_run(session)
    for n in range(3):
        shown = press(session, dm, "Snooze")
        reply = submit(session, shown, {"for": "1d", "reason": f"busy {n}"}, now=NOW + timedelta(days=n))
    assert "your manager will hear of it" in reply.text
    events = session.scalars(select(NudgeEvent.kind).where(NudgeEvent.kind == "escalated")).all()
    assert len(events) == 3  # one per reason snoozed: renewal, no touch, stale criterion
    told = session.scalars(select(Notification.payload).where(Notification.target_ref == "lena@example.com")).all()
    assert len(told) == 1  # one message about the account, naming every reason
    assert (
        "snoozed the nudge about Acme Corporation (the renewal, no recent touch, a stale success criterion) 3 times"
        in (told[0]["text"])
    )


def test_someone_elses_nudges_cannot_be_changed(session):
    seed(session)
    [dm] = nudge_run(session)
    refused = press(session, dm, "Dismiss", email="sam@example.com")
    assert refused.text == (
        "Only Maya Patel (Acme Corporation's CSM), a manager or a Tend admin can snooze or dismiss its nudges. "
        "Nothing changed."
    )
    criteria = press(session, dm, "Update criteria", email="sam@example.com")
    assert criteria.text.startswith("Only Maya Patel (Acme Corporation's CSM), a manager or a Tend admin can update")

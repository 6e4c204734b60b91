"""Logging a check-in (`commands/nudges/checkin.py`): from the nudge's button or `/tend checkin` anywhere."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.messages import Form
from bot.models import Account, CheckIn, Nudge
from commands.router import dispatch
from tests.commands.nudges.scenario import NOW, ctx, nudge_run, press, seed, submit
from tests.factories import make_account


def test_log_check_in_stops_the_nudge(session):
    seed(session)
    [dm] = nudge_run(session)
    shown = press(session, dm, "Log check-in")
    assert isinstance(shown, Form) and shown.title == "Log a check-in"
    done = submit(session, shown, {"channel": "meeting", "note": "QBR booked"}, request_id="view:V1")
    assert done.text == "Logged a meeting with Acme Corporation today. 2 open nudges about it are done."
    again = submit(session, shown, {"channel": "meeting", "note": "QBR booked"}, request_id="view:V1")
    assert again.text == "That check-in with Acme Corporation is logged already."
    assert session.scalar(select(Account.last_touch_date)) == date(2026, 11, 24)
    assert len(session.scalars(select(CheckIn)).all()) == 1
    assert nudge_run(session, NOW + timedelta(hours=1)) == []  # touched: no touch or renewal nudge again
    stale = session.scalars(select(Nudge.reason).where(Nudge.status == "open")).all()
    assert set(stale) == {"criterion"}  # a check-in does not settle the criteria


def test_checkin_command_from_anywhere(session):
    seed(session)
    nudge_run(session)
    reply = dispatch(ctx(session, "sam@example.com"), "/tend", "checkin acme call Heard they are hiring")
    assert reply.text == "Logged a call with Acme Corporation today. 2 open nudges about it are done."
    assert session.scalar(select(CheckIn.note)) == "Heard they are hiring"
    assert isinstance(dispatch(ctx(session), "/tend", "checkin acme"), Form)  # no note: the form asks
    assert "No account matches" in dispatch(ctx(session), "/tend", "checkin zzzzqqq").text


def test_an_unknown_kind_of_check_in_is_refused_with_the_kinds(session):
    seed(session)
    me = ctx(session, "sam@example.com")
    refused = dispatch(me, "/tend", "checkin acme telegram they are happy").text
    assert "Tend doesn't log “telegram” as a kind of touch" in refused and "call, email, meeting, chat" in refused
    assert "Did you mean email?" in dispatch(me, "/tend", "checkin acme emial sent the deck").text
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    logged = dispatch(me, "/tend", "checkin acme all good, they liked the demo").text
    assert logged.startswith("Logged a chat with Acme Corporation today.")


def test_a_check_in_for_several_matching_accounts_offers_them_and_keeps_the_rest(session):
    seed(session)
    make_account(session, "Acme Logistics")
    session.commit()
    shown = dispatch(ctx(session, "sam@example.com"), "/tend", "checkin acme email sent the renewal deck")
    assert isinstance(shown, Form)
    account, how, note = shown.inputs
    assert account.label == "Which account?" and sorted(o.label for o in account.options) == [
        "Acme Corporation",
        "Acme Logistics",
    ]
    assert (how.initial, note.initial) == ("email", "sent the renewal deck")
    chosen = next(o.value for o in account.options if o.label == "Acme Logistics")
    reply = submit(session, shown, {"account": chosen, "channel": "email", "note": "sent the renewal deck"})
    assert reply.text.startswith("Logged an email with Acme Logistics today.")

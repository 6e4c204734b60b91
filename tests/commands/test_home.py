"""The Home tab's own actions, through the command layer: look an account up, log a check-in for any account."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import Actions, Form
from bot.models import Account
from bot.services.people import actor_for_email
from commands import check_form, dispatch, dispatch_action, dispatch_form
from commands.context import CommandContext
from tests.factories import make_account, make_person

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_home_buttons_look_up_and_log_a_check_in(session):
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    acme = make_account(session, "Acme Corporation", owner_id=maya.id, last_touch_date=date(2026, 8, 1))
    session.commit()
    ctx = CommandContext(session, actor_for_email(session, "maya@example.com"), FixedClock(NOW))
    home = dispatch(ctx, "/tend", "home")
    assert "Acme Corporation: no touch for 115 days" in str(home.blocks)
    buttons = {b.label: b for block in home.blocks if isinstance(block, Actions) for b in block.buttons}

    look_up = dispatch_action(ctx, buttons["Look up an account"].action, "")
    assert isinstance(look_up, Form) and check_form(look_up.action, {}) == {"account": "Choose an account."}
    card = dispatch_form(ctx, look_up.action, look_up.value, {"account": str(acme.id)})
    assert card.title == "Acme Corporation"

    log = dispatch_action(ctx, buttons["Log a check-in"].action, "")
    assert [i.name for i in log.inputs] == ["account", "channel", "note"]
    done = dispatch_form(ctx, log.action, log.value, {"account": str(acme.id), "channel": "email", "note": "Sent deck"})
    assert done.text == "Logged an email with Acme Corporation today."
    session.commit()
    assert session.scalar(select(Account.last_touch_date)) == NOW.date()
    assert "Nothing urgent: every account is on track." in str(dispatch(ctx, "/tend", "home").blocks)

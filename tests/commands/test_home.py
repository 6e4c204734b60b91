"""The Home tab's own actions, through the command layer: look an account up, log a check-in for any account."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import Actions, Form
from bot.models import Account
from bot.people.actors import actor_for_email
from commands.context import CommandContext
from commands.router import check_form, dispatch, dispatch_action, dispatch_form
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
    assert isinstance(look_up, Form) and check_form(look_up.action, {}, NOW.date()) == {"account": "Choose an account."}
    card = dispatch_form(ctx, look_up.action, look_up.value, {"account": str(acme.id)})
    assert card.title == "Acme Corporation"

    log = dispatch_action(ctx, buttons["Log a check-in"].action, "")
    assert [i.name for i in log.inputs] == ["account", "channel", "note"]
    done = dispatch_form(ctx, log.action, log.value, {"account": str(acme.id), "channel": "email", "note": "Sent deck"})
    assert done.text == "Logged an email with Acme Corporation today."
    session.commit()
    assert session.scalar(select(Account.last_touch_date)) == NOW.date()
    assert "Nothing urgent: every account is on track." in str(dispatch(ctx, "/tend", "home").blocks)


def test_home_lists_accounts_most_urgent_first_at_any_size(session):
    """Seen: alphabetical at 50k accounts. Here 300: the overdue renewal and the low health come first,
    whatever their names, then by ARR."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    for n in range(300):
        make_account(session, f"Aardvark {n:03}", owner_id=maya.id, last_touch_date=date(2026, 8, 1), arr=n)
    make_account(session, "Zulu Overdue", owner_id=maya.id, renewal_date=date(2026, 11, 1), health_score=30)
    make_account(session, "Yankee Low", owner_id=maya.id, health_score=20, last_touch_date=date(2026, 11, 20))
    session.commit()
    ctx = CommandContext(session, actor_for_email(session, "maya@example.com"), FixedClock(NOW))
    text = "\n".join(b.text for b in dispatch(ctx, "/tend", "home").blocks if hasattr(b, "text"))
    listed = [line[2:].split(":")[0] for line in text.splitlines() if line.startswith("• ")]
    assert listed[:4] == ["Zulu Overdue", "Yankee Low", "Aardvark 299", "Aardvark 298"]
    assert "…and 292 more: /account <name>" in text

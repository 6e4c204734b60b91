"""One CSM, her manager and an account with a nudge due, driven through the command layer every platform uses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import Actions, Form, Reply
from bot.models import Account, SuccessCriterion
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from bot.people.actors import actor_for_email
from commands.context import CommandContext
from commands.router import dispatch_action, dispatch_form
from tests.factories import make_account, make_person
from tests.fakes.gateway import deliver_all

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday


def ctx(session, email: str = "maya@example.com", now: datetime = NOW, request_id: str | None = None) -> CommandContext:
    context = CommandContext(session, actor_for_email(session, email), FixedClock(now))
    if request_id:
        context.request_id = request_id
    return context


def nudge_run(session, now: datetime = NOW) -> list[Reply]:
    """Plan and queue as the clock does, then send as the deliverer does; the messages this run sent."""
    plan(session, now, now.date())
    send_due(session, now, "UTC")
    return [reply for _, reply in deliver_all(session, now)]


def press(session, reply: Reply, label: str, nth: int = 0, **options) -> Reply | Form:
    button = [b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons if b.label == label][nth]
    return dispatch_action(ctx(session, **options), button.action, button.value)


def submit(session, shown: Form, answers: dict[str, str], **options) -> Reply:
    result = dispatch_form(ctx(session, **options), shown.action, shown.value, answers)
    session.commit()
    return result


def seed(session) -> Account:
    lena = make_person(session, "lena@example.com", name="Lena Lead", role="manager")
    maya = make_person(session, "maya@example.com", name="Maya Patel", manager_id=lena.id)
    make_person(session, "sam@example.com", name="Sam Rivera", role="sales")
    account = make_account(
        session,
        "Acme Corporation",
        owner_id=maya.id,
        last_touch_date=date(2026, 9, 1),
        renewal_date=date(2026, 12, 14),
        criteria=("Go live", "Train 50 admins"),
    )
    for criterion in session.scalars(select(SuccessCriterion)):
        criterion.updated_on = date(2026, 9, 1)
    session.commit()
    return account

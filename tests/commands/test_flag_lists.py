"""Flag lists: an account's timeline on its card, /tend flags mine|team|account, ten at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.messages import Actions, Section
from bot.models import RoutingRule, Team
from bot.services.flag_lifecycle import resolve_flag, take_flag
from bot.services.flags import FlagRequest, raise_flag
from bot.services.people import Access, Actor
from commands import dispatch, dispatch_action
from commands.context import CommandContext
from tests.factories import make_account, make_person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def text_of(reply) -> str:
    return "\n".join([reply.text] + [b.text for b in reply.blocks if isinstance(b, Section)])


def setup(session):
    lead = make_person(session, "lead@example.com", name="Lena Lead")
    sam_person = make_person(session, "sam@example.com", name="Sam Rivera")
    sam = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", sam_person.id, "sales", "UTC", "U0SAM")
    team = Team(name="Billing", channel="#billing", sla_hours=24, manager_id=lead.id)
    session.add(team)
    session.flush()
    session.add(RoutingRule(category="billing", team_id=team.id))
    acme = make_account(session, "Acme")
    lead_actor = Actor(Access.MEMBER, "Lena Lead", "lead@example.com", lead.id, "manager", "UTC", "U0LEAD")
    return sam, lead_actor, acme


def ctx(session, actor) -> CommandContext:
    return CommandContext(session, actor, FixedClock(NOW))


def test_the_card_shows_open_flags_and_the_last_resolved(session):
    sam, lead, acme = setup(session)
    ids = [
        raise_flag(session, FlagRequest(acme.id, f"invoice problem {n}", "t", f"r{n}"), sam, NOW, "UTC").flag_id
        for n in range(3)
    ]
    take_flag(session, ids[1], lead, NOW)
    resolve_flag(session, ids[2], lead, "Refunded", NOW)
    session.commit()
    text = text_of(dispatch(ctx(session, sam), "/account", "acme"))
    assert "Field(label='Open problems', value='2')" in str(dispatch(ctx(session, sam), "/account", "acme").blocks[0])
    assert f"#{ids[0]} Acme · billing · normal · open, nobody has taken it · Billing" in text
    assert f"#{ids[1]} Acme · billing · normal · taken by Lena Lead" in text
    assert f"Recently resolved\n• #{ids[2]} Acme · billing · normal · resolved by Lena Lead: Refunded" in text


def test_flags_mine_team_and_account_page_ten_at_a_time(session):
    sam, lead, acme = setup(session)
    for n in range(12):
        raise_flag(session, FlagRequest(acme.id, f"invoice problem {n}", "t", f"r{n}"), sam, NOW, "UTC")
    session.commit()
    first = dispatch(ctx(session, sam), "/tend", "flags")
    assert "Flags you raised or own (1–10)" in first.text
    more = next(b for b in first.blocks if isinstance(b, Actions)).buttons[0]
    second = dispatch_action(ctx(session, sam), more.action, more.value)
    assert "(11–12)" in second.text and not any(isinstance(b, Actions) for b in second.blocks)
    assert "Your team's flags (1–10)" in dispatch(ctx(session, lead), "/tend", "flags team").text
    assert "don't manage a team" in dispatch(ctx(session, sam), "/tend", "flags team").text
    assert "Flags on Acme (1–10)" in dispatch(ctx(session, sam), "/tend", "flags account acme").text
    assert "none" in dispatch(ctx(session, lead), "/tend", "flags mine").text
    assert "Usage: /tend flags" in dispatch(ctx(session, sam), "/tend", "flags everything").text

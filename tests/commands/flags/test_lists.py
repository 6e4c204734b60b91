"""Flag lists: an account's timeline on its card, /tend flags mine|team|account, ten at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.flags.lifecycle import resolve_flag, take_flag
from bot.flags.raising import FlagRequest, raise_flag
from bot.messages import Actions, Section
from bot.models import RoutingRule
from bot.people.actors import Access, Actor
from commands.context import CommandContext
from commands.router import dispatch, dispatch_action
from tests.factories import make_account, make_person, make_team

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def text_of(reply) -> str:
    return "\n".join([reply.text] + [b.text for b in reply.blocks if isinstance(b, Section)])


def setup(session):
    lead = make_person(session, "lead@example.com", name="Lena Lead")
    sam_person = make_person(session, "sam@example.com", name="Sam Rivera")
    sam = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", sam_person.id, "sales", "UTC", "U0SAM")
    team = make_team(session, name="Billing", channel="#billing", sla_hours=24, manager_id=lead.id)
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


def test_a_card_whose_only_flag_is_resolved_still_lists_it_and_one_with_none_lists_nothing(session):
    sam, lead, acme = setup(session)
    flag_id = raise_flag(session, FlagRequest(acme.id, "invoice problem", "t", "r1"), sam, NOW, "UTC").flag_id
    resolve_flag(session, flag_id, lead, "Refunded", NOW)
    make_account(session, "Globex")
    session.commit()
    text = text_of(dispatch(ctx(session, sam), "/account", "acme"))
    assert f"Recently resolved\n• #{flag_id} Acme · billing · normal · resolved by Lena Lead: Refunded" in text
    quiet = text_of(dispatch(ctx(session, sam), "/account", "globex"))
    assert "Open problems\n" not in quiet and "Recently resolved" not in quiet


def test_flags_mine_team_and_account_page_ten_at_a_time(session):
    sam, lead, acme = setup(session)
    for n in range(12):
        raise_flag(session, FlagRequest(acme.id, f"invoice problem {n}", "t", f"r{n}"), sam, NOW, "UTC")
    session.commit()
    first = dispatch(ctx(session, sam), "/tend", "flags")
    assert "Flags you raised or own (1–10)" in first.text
    more = next(b for b in first.buttons() if b.label == "More")
    second = dispatch_action(ctx(session, sam), more.action, more.value)
    assert "(11–12)" in second.text and "More" not in [b.label for b in second.buttons()]
    assert "Your team's flags (1–10)" in dispatch(ctx(session, lead), "/tend", "flags team").text
    assert "don't manage a team" in dispatch(ctx(session, sam), "/tend", "flags team").text
    assert "Flags on Acme (1–10)" in dispatch(ctx(session, sam), "/tend", "flags account acme").text
    assert "none" in dispatch(ctx(session, lead), "/tend", "flags mine").text
    assert "Usage: /tend flags" in dispatch(ctx(session, sam), "/tend", "flags everything").text


def buttons_by_flag(reply) -> dict[int, list[str]]:
    """Each listed flag's buttons, by flag number (every flag line is followed by its row of buttons)."""
    found: dict[int, list[str]] = {}
    for block in reply.blocks:
        if isinstance(block, Actions) and block.buttons[-1].label == "Details":
            found[int(block.buttons[-1].value)] = [b.label for b in block.buttons]
    return found


def test_each_listed_flag_has_the_buttons_its_viewer_may_press(session):
    """Sam (sales) raised it: he may only change its category. Lena manages Billing, which owns it: she may
    take, resolve, reassign or move it, from /tend flags team, the card or the Home tab alike."""
    sam, lead, acme = setup(session)
    flag = raise_flag(session, FlagRequest(acme.id, "invoice charged twice", "t", "r1"), sam, NOW, "UTC")
    done = raise_flag(session, FlagRequest(acme.id, "refund still missing", "t", "r2"), sam, NOW, "UTC")
    resolve_flag(session, done.flag_id, lead, "Refunded", NOW)
    session.commit()
    everything = ["Take it", "Resolve", "Reassign", "Not ours", "Details"]
    mine = buttons_by_flag(dispatch(ctx(session, sam), "/tend", "flags"))
    assert mine == {flag.flag_id: ["Change category", "Details"], done.flag_id: ["Details"]}
    assert buttons_by_flag(dispatch(ctx(session, lead), "/tend", "flags team"))[flag.flag_id] == everything
    assert buttons_by_flag(dispatch(ctx(session, lead), "/account", "acme")) == {flag.flag_id: everything}
    assert buttons_by_flag(dispatch(ctx(session, sam), "/account", "acme")) == {
        flag.flag_id: ["Change category", "Details"]
    }
    home = dispatch(ctx(session, lead), "/tend", "home")
    assert buttons_by_flag(home)[flag.flag_id] == everything

    take = next(b for b in dispatch(ctx(session, lead), "/tend", "flags team").buttons() if b.label == "Take it")
    assert f"You own flag #{flag.flag_id} now" in dispatch_action(ctx(session, lead), take.action, take.value).text
    session.commit()
    after = buttons_by_flag(dispatch(ctx(session, lead), "/tend", "flags team"))[flag.flag_id]
    assert after == ["Resolve", "Reassign", "Not ours", "Details"]  # taken: no Take it


def test_tend_flag_shows_one_flag_its_history_and_the_viewers_buttons(session):
    sam, lead, acme = setup(session)
    flag = raise_flag(session, FlagRequest(acme.id, "invoice charged twice", "t", "r1"), sam, NOW, "UTC")
    take_flag(session, flag.flag_id, lead, NOW)
    session.commit()
    shown = dispatch(ctx(session, sam), "/tend", f"flag {flag.flag_id}")
    assert shown.title == f"Flag #{flag.flag_id}: Acme"
    text = text_of(shown)
    assert "invoice charged twice" in text and "🙋 Taken by Lena Lead" in text
    assert "History\n• Mon 23 Nov, 10:00: raised by Sam Rivera: category billing" in text
    assert "• Mon 23 Nov, 10:00: taken by Lena Lead" in text
    assert [b.label for b in shown.buttons()] == ["Change category"]
    lena = dispatch(ctx(session, lead), "/tend", f"flag #{flag.flag_id}")
    assert [b.label for b in lena.buttons()] == ["Resolve", "Reassign", "Not ours"]
    details = next(b for b in dispatch(ctx(session, sam), "/tend", "flags").buttons() if b.label == "Details")
    assert dispatch_action(ctx(session, sam), details.action, details.value).title == shown.title
    assert "There is no flag #999" in dispatch(ctx(session, sam), "/tend", "flag 999").text
    assert "Usage: /tend flag <number>" in dispatch(ctx(session, sam), "/tend", "flag four").text

"""The command layer without any chat platform: what a person is told, and who may ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.messages import Actions, Section
from bot.people.actors import Access, Actor
from commands.account import SHOW_ACCOUNT
from commands.context import CommandContext
from commands.router import dispatch, dispatch_action
from tests.factories import make_account, make_person

NOW = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)


def ctx(session, actor: Actor | None = None, now: datetime = NOW) -> CommandContext:
    return CommandContext(session, actor or Actor(Access.MEMBER, "Someone"), FixedClock(now))


def text_of(reply) -> str:
    parts = [reply.title or "", reply.text]
    for block in reply.blocks:
        if isinstance(block, Section):
            parts += [block.text] + [f"{f.label}: {f.value}" for f in block.fields]
    return "\n".join(parts)


def test_status_card_has_every_fact_a_csm_needs(session):
    owner = make_person(session, "maya@example.com", name="Maya Patel")
    today = NOW.date()
    make_account(
        session,
        "Acme",
        owner_id=owner.id,
        tier="intimacy",
        arr=240000,
        health_score=72,
        stage="at_risk",
        renewal_date=today + timedelta(days=30),
        last_touch_date=today - timedelta(days=95),
        criteria=("Go live in Berlin",),
        history=((today - timedelta(days=30), 80),),
    )
    reply = dispatch(ctx(session), "/account", "acme")
    text = text_of(reply)
    for expected in (
        "Acme",
        "Maya Patel (maya@example.com)",
        "Intimacy (high touch)",
        "72/100 ▼ −8 in 30 days",
        "240,000",
        "(in 30 days)",
        "At risk",
        "(95 days ago)",
        "Go live in Berlin",
        "Open problems: 0",
    ):
        assert expected in text, expected
    assert reply.private


def test_countdowns_use_the_askers_own_calendar_day(session):
    tokyo = make_person(session, "aiko@example.com", timezone="Asia/Tokyo")
    make_account(session, "Acme", renewal_date=NOW.date() + timedelta(days=10))
    actor = Actor(Access.MEMBER, "Aiko", "aiko@example.com", tokyo.id, "csm", "Asia/Tokyo")
    # 23:30 UTC is already the next morning in Tokyo: one day less to go.
    assert "(in 9 days)" in text_of(dispatch(ctx(session, actor), "/account", "acme"))
    assert "(in 10 days)" in text_of(dispatch(ctx(session), "/account", "acme"))


def test_overdue_renewal_and_unowned_account_are_plain(session):
    make_account(session, "Initech", renewal_date=NOW.date() - timedelta(days=5), health_score=None)
    text = text_of(dispatch(ctx(session), "/account", "initech"))
    assert "overdue by 5 days" in text and "Unowned" in text and "not scored" in text and "never logged" in text


def test_pick_buttons_show_the_chosen_account(session):
    make_account(session, "Globex Europe")
    americas = make_account(session, "Globex Americas")
    reply = dispatch(ctx(session), "/account", "globex")
    buttons = next(b for b in reply.blocks if isinstance(b, Actions)).buttons
    chosen = next(b for b in buttons if b.value == str(americas.id))
    assert chosen.action == SHOW_ACCOUNT
    assert dispatch_action(ctx(session), chosen.action, chosen.value).title == "Globex Americas"


def test_choosing_among_several_for_a_briefing_shows_the_briefing(session):
    """Seen: `/account globex brief`, then choosing an account, showed its card instead."""
    make_account(session, "Globex Europe")
    americas = make_account(session, "Globex Americas")
    reply = dispatch(ctx(session), "/account", "globex brief")
    assert "Several accounts match “globex”" in reply.text
    chosen = next(b for b in reply.buttons() if b.value == str(americas.id))
    shown = dispatch_action(ctx(session), chosen.action, chosen.value)
    assert shown.title == "Briefing: Globex Americas"


def test_a_stale_button_for_a_removed_account_gets_a_friendly_answer(session):
    reply = dispatch_action(ctx(session), SHOW_ACCOUNT, "999999")
    assert "no longer exists" in reply.text


def test_guests_external_and_unknown_people_get_no_data(session):
    make_account(session, "Acme")
    for access in (Access.GUEST, Access.EXTERNAL):
        reply = dispatch(ctx(session, Actor(access, "Visitor")), "/account", "acme")
        assert "only available to full members" in reply.text and reply.title is None
    unknown = dispatch(ctx(session, Actor(Access.UNKNOWN, "?")), "/account", "acme")
    assert "couldn't confirm who you are" in unknown.text
    assert dispatch_action(ctx(session, Actor(Access.GUEST, "V")), SHOW_ACCOUNT, "1").title is None


def test_empty_account_command_lists_the_askers_accounts(session):
    owner = make_person(session, "maya@example.com")
    make_account(session, "Mine", owner_id=owner.id)
    actor = Actor(Access.MEMBER, "Maya", "maya@example.com", owner.id, "csm", "UTC")
    text = text_of(dispatch(ctx(session, actor), "/account", ""))
    assert "Usage: /account" in text and "Your accounts (1)" in text and "Mine" in text


def test_help_lists_every_command_and_unknown_commands_are_explained(session):
    text = text_of(dispatch(ctx(session), "/tend", "help"))
    assert "/account" in text and "/flag" in text and "/tend" in text
    assert "don't know" in dispatch(ctx(session), "/nope", "").text
    assert "don't know “/tend frobnicate”" in text_of(dispatch(ctx(session), "/tend", "frobnicate"))


def test_a_query_that_matches_nothing_says_so_briefly_and_suggests_nothing_unrelated(session):
    for name in ("Café Zürich", "Acme Corporation", "Ōtsuka Shōkai"):
        make_account(session, name)
    session.commit()
    for typed in ("zzzzzz", "z" * 100_000):
        reply = dispatch(ctx(session), "/account", typed)
        assert reply.text.startswith("No account matches “zzzzzz") and len(reply.text) < 300, reply.text[:300]
        assert "Nearest" not in reply.text and not any(isinstance(b, Actions) for b in reply.blocks)
        assert all(len(b.text) < 300 for b in reply.blocks if isinstance(b, Section))

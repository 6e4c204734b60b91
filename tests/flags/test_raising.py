"""Raising flags: routing by category, the CSM or CS team told, one flag per request, SLA deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.accounts.status import account_status
from bot.clock import FixedClock
from bot.flags.lifecycle import reroute_flag
from bot.flags.raising import FlagRequest, file_new, raise_flag
from bot.gateway import Target
from bot.messages import Section
from bot.models import Flag, FlagEvent, Holiday, Notification, RoutingRule
from bot.people.actors import Access, Actor
from bot.vocab import Category, Severity
from commands.context import CommandContext
from commands.flags.filing import confirmation
from commands.router import dispatch
from tests.factories import make_account, make_person, make_team

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
SAM = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", None, "sales", "UTC", "U0SAM")
TEAMS = {
    "Billing": ("#billing", "billing", 24),
    "Support": ("#support", "support", 8),
    "Sales & Marketing": ("#sales", "sales;marketing", 48),
    "Enablement": ("#enablement", "training", 72),
    "Customer Success": ("#customer-success", "other;executive", 24),
}


@pytest.fixture
def teams(session):
    make_teams(session)


def make_teams(session) -> None:
    manager = make_person(session, "olivia@example.com", timezone="Europe/London")
    for name, (channel, categories, sla) in TEAMS.items():
        team = make_team(session, name=name, channel=channel, manager_id=manager.id, sla_hours=sla)
        session.add(team)
        session.flush()
        session.add_all(RoutingRule(category=c, team_id=team.id) for c in categories.split(";"))
    session.commit()


def raise_(session, account, text, ref="r1", **over):
    raised = raise_flag(session, FlagRequest(account.id, text, "test", ref, **over), SAM, NOW, "UTC")
    session.commit()
    return raised


def outbox(session) -> dict[str, tuple[str, str]]:
    rows = session.execute(select(Notification.dedupe_key, Notification.target_kind, Notification.target_ref))
    return {key: (kind, ref) for key, kind, ref in rows}


@pytest.mark.parametrize(
    ("text", "category", "channel"),
    [
        ("invoice charged twice", Category.BILLING, "#billing"),
        ("can't log in, 500 error", Category.SUPPORT, "#support"),
        ("wants more seats", Category.SALES, "#sales"),
        ("new admins need onboarding", Category.TRAINING, "#enablement"),
        ("wants to be a case study", Category.MARKETING, "#sales"),
        ("CEO threatening to leave", Category.EXECUTIVE, "#customer-success"),
        ("just a feeling they are unhappy", Category.OTHER, "#customer-success"),
    ],
)
def test_each_category_reaches_its_team_and_the_csm(session, teams, text, category, channel):
    maya = make_person(session, "maya@example.com")
    account = make_account(session, "Acme", owner_id=maya.id)
    raised = raise_(session, account, text)
    assert raised.created and raised.category is category and raised.category_source == "rules"
    queued = outbox(session)
    assert queued[f"flag:{raised.flag_id}:team@slack"] == ("channel", channel)
    assert queued[f"flag:{raised.flag_id}:csm"] == ("person", "maya@example.com")
    assert len(queued) == 2


def test_a_chosen_category_wins_over_the_rules(session, teams):
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    raised = raise_(session, account, "invoice charged twice", category=Category.SUPPORT)
    assert (raised.category, raised.category_source) == (Category.SUPPORT, "reporter")
    assert raised.team_channels == (Target("slack", "channel", "#support"),)


def test_the_same_request_never_makes_a_second_flag(session, teams):
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    first = raise_(session, account, "invoice charged twice", ref="same")
    again = raise_(session, account, "invoice charged twice", ref="same")
    assert (again.flag_id, again.created) == (first.flag_id, False)
    assert session.scalar(select(func.count()).select_from(Flag)) == 1
    assert session.scalar(select(func.count()).select_from(FlagEvent)) == 1
    assert session.scalar(select(func.count()).select_from(Notification)) == 2
    assert raise_(session, account, "invoice charged twice", ref="other").flag_id != first.flag_id


def test_a_retry_that_loses_the_race_to_file_adds_nothing_and_finds_the_flag(session, teams):
    """Two deliveries of one request can both find it unraised and both go on to file it: the second insert
    adds nothing, and its reporter hears of the flag the first one filed."""
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    request = FlagRequest(account.id, "invoice charged twice", "test", "raced")
    first = file_new(session, request, SAM, NOW, "UTC")
    second = file_new(session, request, SAM, NOW, "UTC")  # as if it had looked before the first was filed
    session.commit()
    assert second.flag_id == first.flag_id and second.account_name == "Acme"
    assert session.scalar(select(func.count()).select_from(Flag)) == 1
    assert session.scalar(select(func.count()).select_from(FlagEvent)) == 1
    assert session.scalar(select(func.count()).select_from(Notification)) == 2


def test_an_unowned_account_tells_the_customer_success_team(session, teams):
    account = make_account(session, "Initech")
    raised = raise_(session, account, "invoice charged twice")
    assert outbox(session) == {
        f"flag:{raised.flag_id}:team@slack": ("channel", "#billing"),
        f"flag:{raised.flag_id}:cs@slack": ("channel", "#customer-success"),
    }


def test_an_unowned_accounts_cs_problem_is_posted_once(session, teams):
    raised = raise_(session, make_account(session, "Initech"), "they seem unhappy")
    assert outbox(session) == {f"flag:{raised.flag_id}:team@slack": ("channel", "#customer-success")}


def test_without_any_team_the_flag_is_kept_and_the_csm_told(session):
    account = make_account(session, "Acme", owner_id=make_person(session, "maya@example.com").id)
    raised = raise_(session, account, "invoice charged twice")
    assert raised.team_name is None and raised.sla_due_at is None
    assert outbox(session) == {f"flag:{raised.flag_id}:csm": ("person", "maya@example.com")}


def test_a_csm_who_flags_her_own_account_is_not_told_she_flagged_it(session, teams):
    maya = make_person(session, "maya@example.com", name="Maya Chen")
    account = make_account(session, "Acme", owner_id=maya.id)
    me = Actor(Access.MEMBER, "Maya Chen", "maya@example.com", maya.id, "csm", "UTC", "U0MAYA")
    raised = raise_flag(session, FlagRequest(account.id, "invoice charged twice", "test", "m1"), me, NOW, "UTC")
    session.commit()
    assert outbox(session) == {f"flag:{raised.flag_id}:team@slack": ("channel", "#billing")}  # no DM to herself
    assert "you are the account's CSM, so no one else is told" in confirmation(raised, "slack").text


def test_sla_runs_in_business_hours_and_urgent_flags_get_half(session, teams):
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    normal = raise_(session, account, "can't log in", ref="a")
    urgent = raise_(session, account, "can't log in", ref="b", severity=Severity.URGENT)
    # Support: 8 business hours from Monday 10:00 London → Tuesday 10:00; urgent: 4 hours → Monday 14:00.
    assert normal.sla_due_at.astimezone(UTC) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert urgent.sla_due_at.astimezone(UTC) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_the_sla_clock_skips_the_organisations_holidays(session, teams):
    session.add(Holiday(day=date(2026, 12, 25), name="Christmas Day"))
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    christmas_eve = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)  # Thursday 15:00 in London
    raised = raise_flag(
        session, FlagRequest(account.id, "invoice charged twice", "test", "xmas"), SAM, christmas_eve, "UTC"
    )
    # Billing's 24 business hours: 2 on Christmas Eve, none on the 25th (a holiday) nor at the weekend, 8 on
    # Monday, 8 on Tuesday, 6 on Wednesday.
    assert raised.sla_due_at.astimezone(UTC) == datetime(2026, 12, 30, 15, 0, tzinfo=UTC)


def test_open_problems_appear_on_the_status_card(session, teams):
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    raise_(session, account, "invoice charged twice", ref="a")
    raise_(session, account, "can't log in", ref="b")
    assert account_status(session, account.id, NOW.date()).open_problems == 2


OMAR = Actor(Access.MEMBER, "Omar Haddad", "omar@example.com", None, "admin", "UTC", "U0OMAR")


def test_a_reroute_teaches_the_classifier_to_route_a_similar_flag_right(session, teams):
    """Zephyr is this company's billing portal: the rules cannot know that, and route it to Support. Once
    Omar moves it to Billing, the next flag about Zephyr goes to Billing, saying why; others are unchanged."""
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    first = raise_(session, account, "The Zephyr widget on their statements page is broken", ref="z1")
    assert first.category is Category.SUPPORT
    reroute_flag(session, first.flag_id, OMAR, Category.BILLING, "Zephyr is the billing portal", NOW, "UTC")
    session.commit()

    again = raise_(session, account, "Zephyr widget on the statements page is broken again", ref="z2")
    assert (again.category, again.category_source, again.team_name) == (Category.BILLING, "learned", "Billing")
    raised = session.scalar(select(FlagEvent.detail).where(FlagEvent.flag_id == again.flag_id))
    assert raised == (
        f"category billing (learned: like flag #{first.flag_id}, re-routed to Billing by Omar Haddad), severity normal"
    )
    other = raise_(session, account, "the weekly export times out", ref="z3")
    assert (other.category, other.category_source) == (Category.SUPPORT, "rules")
    detail = session.scalar(select(FlagEvent.detail).where(FlagEvent.flag_id == other.flag_id))
    assert detail == "category support (rules: matched 'times out', 'export'), severity normal"

    # The card and /tend admin routing say how each team was chosen.
    ctx = CommandContext(session, OMAR, FixedClock(NOW))
    card = "\n".join(b.text for b in dispatch(ctx, "/account", "acme").blocks if isinstance(b, Section))
    assert f"#{again.flag_id} Acme · billing" in card
    assert f"(routed: like flag #{first.flag_id}, re-routed to Billing by Omar Haddad)" in card
    routing = "\n".join(b.text for b in dispatch(ctx, "/tend", "admin routing").blocks if isinstance(b, Section))
    assert "Routing: 1 flag corrected or confirmed by people so far" in routing
    assert f"• #{first.flag_id} Acme → Billing (billing): moved by Omar Haddad: Zephyr is the billing portal" in routing
    assert f"• #{other.flag_id} Acme → Support (support): matched 'times out', 'export'" in routing


def test_a_flag_no_rule_names_is_routed_by_its_wording_and_says_how(session, teams):
    """No keyword rule knows "takes ages to open"; the phrasebook reads it as a support problem, and the
    flag's history says so (as the card and /tend admin routing do)."""
    account = make_account(session, "Acme", owner_id=make_person(session).id)
    flag = raise_(session, account, "the dashboard takes ages to open every morning", ref="p1")
    assert (flag.category, flag.category_source, flag.team_name) == (Category.SUPPORT, "rules", "Support")
    detail = session.scalar(select(FlagEvent.detail).where(FlagEvent.flag_id == flag.flag_id))
    assert detail.startswith("category support (rules: worded like support problems (")

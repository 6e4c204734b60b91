"""Account briefings: every sentence cites records that exist, what is missing is said, a model's briefing is
kept only when all its citations are real, and ARR and emails never leave by default."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from bot.accounts.briefing import brief
from bot.accounts.briefing_facts import gather
from bot.models import CheckIn, SuccessCriterion
from bot.people.actors import Access, Actor
from commands.briefing import BRIEF
from commands.router import dispatch, dispatch_action
from tests.commands.flags.test_triage import ctx, model_for
from tests.factories import make_account, make_flag, make_person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
MAYA = Actor(Access.MEMBER, "Maya Patel", "maya@example.com", None, "csm", "UTC", "U0MAYA")


@pytest.fixture
def acme(session):
    """Health 80 → 62 over five weeks, an overdue flag, a resolved one, a check-in, a criterion at risk,
    renewal in 60 days, last touch 40 days ago, the last check-in 100 days ago."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    account = make_account(
        session,
        "Acme Corporation",
        domain="acme.example",
        owner_id=maya.id,
        health_score=62,
        arr=Decimal("240000"),
        renewal_date=TODAY + timedelta(days=60),
        last_touch_date=TODAY - timedelta(days=40),
        criteria=("Cut support tickets by 30%", "Roll out to 3 regions"),
        history=((TODAY - timedelta(days=35), 80), (TODAY - timedelta(days=10), 70)),
    )
    session.execute(update(SuccessCriterion).where(SuccessCriterion.position == 0).values(status="at_risk"))
    make_flag(
        session,
        account,
        category="billing",
        description="Invoice charged twice",
        created_at=NOW - timedelta(days=3),
        sla_due_at=NOW - timedelta(days=1),
    )
    make_flag(
        session,
        account,
        category="support",
        status="resolved",
        description="SSO broken",
        created_at=NOW - timedelta(days=20),
        resolved_at=NOW - timedelta(days=12),
        outcome="Fixed the SAML certificate",
        assignee_name="Jonas Weber",
    )
    long_ago = NOW - timedelta(days=100)  # outside the 90 days a briefing looks at
    session.add(CheckIn(account_id=account.id, channel="call", note="QBR moved to January", at=long_ago))
    session.commit()
    return account


def texts(briefing) -> dict[str, list[str]]:
    return {heading: [f"{s.text} {list(s.sources)}" for s in sentences] for heading, sentences in briefing.sections}


def test_the_plain_briefing_cites_a_real_record_for_every_sentence(session, acme):
    briefing = brief(session, None, acme.id, TODAY, NOW)
    known = set(gather(session, acme.id, TODAY, NOW).sources)
    shown = texts(briefing)
    d35 = (TODAY - timedelta(days=35)).isoformat()
    assert shown["What changed"][0] == f"Health fell from 80 to 62 since {d35}. ['health {d35}', 'health {TODAY}']"
    changes = shown["What changed"]
    assert any(line.startswith("Flag #2 was resolved on") and "Fixed the SAML" in line for line in changes)
    assert shown["Open problems"] == [
        "#1 billing (normal), open 3 days, nobody has taken it, past its SLA: “Invoice charged twice” ['flag #1']"
    ]
    assert shown["Risks"] == [  # the card's concerns, in its words and order, then the flags and criteria
        "No touch for 40 days. ['last touch']",
        "Renews in 60 days. ['renewal date']",
        "Past their SLA with nobody on them: #1. ['flag #1']",
        "Success criterion at risk: Cut support tickets by 30%. ['criterion 1']",
    ]
    assert shown["Suggested next step"] == ["Get flag #1 an owner today: it is past its SLA. ['flag #1']"]
    for _heading, sentences in briefing.sections:
        for sentence in sentences:
            assert sentence.sources and set(sentence.sources) <= known
    assert briefing.missing == () and not briefing.by_model  # touched 40 days ago: touches are one history


def test_a_briefing_never_contradicts_the_card(session):
    """Seen: "Not on file: no check-in logged in the last 90 days" beside "Last touch: 20 days ago"."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(
        session,
        "Umbrella Health",
        owner_id=maya.id,
        tier="intimacy",
        health_score=35,
        renewal_date=TODAY - timedelta(days=6),
        last_touch_date=TODAY - timedelta(days=20),
        criteria=("Go live",),
    )
    session.commit()
    card = dispatch(ctx(session, None, actor=MAYA), "/account", "umbrella")
    card_text = "\n".join(b.text for b in card.blocks if getattr(b, "text", None))
    assert "Needs attention: renewal overdue by 6 days, health 35, no touch for 20 days" in card_text
    reply = dispatch(ctx(session, None, actor=MAYA), "/account", "umbrella brief")
    text = " ".join(b.text for b in reply.blocks if hasattr(b, "text"))
    assert "Renewal overdue by 6 days. [renewal date]" in text.replace("'", "")
    assert "Health 35." in text and "No touch for 20 days." in text
    assert "check-in" not in text.split("Not on file")[-1]


def test_an_account_with_little_on_file_says_so_instead_of_guessing(session):
    bare = make_account(session, "Initech", health_score=None, renewal_date=None)
    session.commit()
    reply = dispatch(ctx(session, None, actor=MAYA), "/account", "initech brief")
    assert reply.title == "Briefing: Initech"
    text = " ".join(b.text for b in reply.blocks if hasattr(b, "text"))
    assert "Not on file: no health score; no renewal date; no touch or check-in recorded; no success criteria" in text
    assert "Built by Tend's rules from the records in brackets." in text
    assert "What changed\nNothing on record." in text
    assert bare.id


def test_a_model_briefing_is_kept_when_every_citation_is_real_and_arr_and_emails_stay_in(session, acme, fake_openai):
    fake_openai.answer(
        "BriefingAnswer",
        {
            "what_changed": [
                {"text": "Health dropped from 80 to 62.", "sources": ["health 2026-10-19", "health 2026-11-23"]}
            ],
            "open_problems": [{"text": "A double charge (#1) is past its SLA.", "sources": ["flag #1"]}],
            "risks": [{"text": "Renewal in 60 days at low health.", "sources": ["renewal date", "health 2026-11-23"]}],
            "next_step": [{"text": "Get the billing team onto #1 today.", "sources": ["flag #1"]}],
        },
    )
    reply = dispatch_action(ctx(session, model_for(fake_openai), actor=MAYA), BRIEF, str(acme.id))
    text = " ".join(b.text for b in reply.blocks if hasattr(b, "text"))
    assert "• A double charge (#1) is past its SLA. [flag #1]" in text
    assert "Written by AI from the records in brackets" in text
    [request] = fake_openai.to("BriefingAnswer")
    assert "[flag #1] Flag #1 (billing, normal)" in request.text and "[renewal date]" in request.text
    for private in ("240000", "240,000", "maya@example.com"):
        assert private not in request.text


def test_a_model_briefing_that_cites_a_record_that_does_not_exist_is_set_aside(session, acme, fake_openai, caplog):
    invented = {"text": "The customer asked for a discount.", "sources": ["flag #99"]}
    fine = {"text": "Flag #1 is open.", "sources": ["flag #1"]}
    fake_openai.answer(
        "BriefingAnswer", {"what_changed": [invented], "open_problems": [fine], "risks": [], "next_step": [fine]}
    )
    caplog.set_level(logging.WARNING)
    briefing = brief(session, model_for(fake_openai), acme.id, TODAY, NOW)
    assert not briefing.by_model
    assert "discount" not in str(briefing)
    assert "model briefing set aside: 1 unknown citation(s)" in caplog.text


@pytest.mark.parametrize("failure", ["slow", "500", "not json"])
def test_a_failing_model_gives_the_plain_briefing(session, acme, fake_openai, failure):
    if failure == "slow":
        fake_openai.delay = 2
    elif failure == "500":
        fake_openai.failures = [500, 500]
    else:
        fake_openai.answer("BriefingAnswer", "Acme is doing great!")
    briefing = brief(session, model_for(fake_openai, timeout=0.5), acme.id, TODAY, NOW)
    assert not briefing.by_model and briefing.sections[1][1][0].sources == ("flag #1",)


def test_only_the_allowed_fields_are_sent(session, acme, fake_openai):
    brief(session, model_for(fake_openai, ai_send_fields=("health",)), acme.id, TODAY, NOW)
    [request] = fake_openai.to("BriefingAnswer")
    records = request.body["messages"][1]["content"]
    assert "[health 2026-11-23]" in records
    for hidden in ("Acme", "Invoice charged twice", "Maya", "renewal", "Cut support tickets"):
        assert hidden not in records


def test_the_card_offers_a_briefing(session, acme):
    card = dispatch(ctx(session, None, actor=MAYA), "/account", "acme")
    assert ("Briefing", BRIEF, str(acme.id)) in [(b.label, b.action, b.value) for b in card.buttons()]

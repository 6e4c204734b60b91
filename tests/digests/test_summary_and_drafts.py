"""The digest's AI opening paragraph (only from the digest's own items) and the nudge's "Draft a message"
(text for the CSM to send themselves), each with its plain path when the model is absent or wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from bot.digests.build import send_due
from bot.messages import Reply
from bot.models import Flag
from bot.nudges.actions import NudgeAction
from bot.people.actors import Access, Actor
from commands.router import dispatch_action
from tests.commands.flags.test_triage import ctx, model_for
from tests.digests.test_build import TUESDAY, digests, team
from tests.factories import make_account, make_flag, make_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DRAFT = NudgeAction.DRAFT
MAYA = Actor(Access.MEMBER, "Maya Patel", "maya@example.com", None, "csm", "UTC", "U0MAYA")


def falling_account(session) -> None:
    _manager, csm = team(session, "lena@example.com")
    yesterday = TUESDAY - timedelta(days=1)
    make_account(session, "Falling", owner_id=csm.id, health_score=55, history=((yesterday, 75), (TUESDAY, 55)))
    make_account(session, "Renewing", owner_id=csm.id, renewal_date=TUESDAY + timedelta(days=30))
    session.commit()


def test_the_digest_opens_with_a_summary_that_cites_its_own_items(session, fake_openai):
    falling_account(session)

    def summary(body: dict) -> dict:
        items = body["messages"][1]["content"]
        assert "1. [Health drops] Falling (CSM of Lena): 75 → 55" in items  # the digest's lines, numbered
        return {"sentences": [{"text": "Falling lost 20 points of health overnight.", "items": [1]}]}

    fake_openai.answer("SummaryAnswer", summary)
    send_due(session, NOW, "UTC", model_for(fake_openai))
    session.commit()
    [(_ref, _at, text)] = digests(session)
    assert "Falling lost 20 points of health overnight. [Health drops]\nSummary written by AI from the items" in text
    assert text.index("Falling lost 20") < text.index("Health drops (1)")


def test_a_summary_citing_items_that_do_not_exist_is_left_out(session, fake_openai):
    falling_account(session)
    fake_openai.answer("SummaryAnswer", {"sentences": [{"text": "Globex is about to churn.", "items": [42]}]})
    send_due(session, NOW, "UTC", model_for(fake_openai))
    session.commit()
    [(_ref, _at, text)] = digests(session)
    assert "Globex" not in text and "written by AI" not in text
    assert "Health drops (1)" in text


def test_without_a_model_the_digest_has_no_summary_and_nothing_is_sent(session, fake_openai):
    falling_account(session)
    send_due(session, NOW, "UTC", None)
    session.commit()
    [(_ref, _at, text)] = digests(session)
    assert "written by AI" not in text and fake_openai.requests == []


def acme(session):
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    account = make_account(
        session,
        "Acme Corporation",
        owner_id=maya.id,
        arr=Decimal("240000"),
        renewal_date=NOW.date() + timedelta(days=50),
        criteria=("Cut support tickets by 30%",),
    )
    make_flag(session, account, category="billing", description="Invoice charged twice")
    session.commit()
    return account


def test_the_plain_draft_is_a_template_from_the_records_and_never_sent(session):
    account = acme(session)
    reply = dispatch_action(ctx(session, None, actor=MAYA, at=NOW), DRAFT, str(account.id))
    assert isinstance(reply, Reply)
    assert "Tend never sends anything to customers" in reply.text
    assert "Subject: Checking in: Acme Corporation" in reply.text
    assert "How are things going with “Cut support tickets by 30%”?" in reply.text
    assert "renewal coming up on 13 January 2027" in reply.text
    assert reply.text.endswith("Best regards,\nMaya Patel")
    assert "Invoice charged twice" not in reply.text and "240" not in reply.text  # internal details stay internal
    assert "Log check-in once sent" in [b.label for b in reply.buttons()]
    # Nobody has taken the flag yet: the draft does not say "the team is on it".
    assert "an open issue with us at the moment: I have passed it to the right team" in reply.text
    assert "the team is on it" not in reply.text


def test_the_draft_says_the_team_is_on_it_only_once_someone_has_taken_it(session):
    account = acme(session)
    make_flag(session, account, description="Export slow", status="taken", assignee_name="Priya Shah")
    session.commit()
    untaken = dispatch_action(ctx(session, None, actor=MAYA, at=NOW), DRAFT, str(account.id)).text
    assert "open issues with us at the moment: I have passed them to the right teams" in untaken
    assert "as soon as they are resolved" in untaken
    session.execute(update(Flag).values(status="taken", assignee_name="Priya Shah"))
    session.commit()
    taken = dispatch_action(ctx(session, None, actor=MAYA, at=NOW), DRAFT, str(account.id)).text
    assert "open issues with us at the moment: the teams are on them" in taken


def test_a_model_draft_is_offered_and_a_failing_model_gives_the_template(session, fake_openai):
    account = acme(session)
    fake_openai.answer("DraftAnswer", {"subject": "Quick check-in", "body": "Hi team,\n\nHow is the rollout going?"})
    reply = dispatch_action(ctx(session, model_for(fake_openai), actor=MAYA, at=NOW), DRAFT, str(account.id))
    assert "Subject: Quick check-in" in reply.text and "Written by AI" in str(reply.blocks)
    [request] = fake_openai.to("DraftAnswer")
    assert "240000" not in request.text and "maya@example.com" not in request.text

    fake_openai.answer("DraftAnswer", {"subject": "", "body": ""})  # outside the schema
    again = dispatch_action(ctx(session, model_for(fake_openai), actor=MAYA, at=NOW), DRAFT, str(account.id))
    assert "Subject: Checking in: Acme Corporation" in again.text

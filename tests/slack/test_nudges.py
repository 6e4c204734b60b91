"""Nudges as a CSM meets them in Slack: one DM, buttons that work, delivered once through 429s, and an account
name full of mention syntax that pings no one."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.delivery.deliverer import deliver_due
from bot.models import Account, CheckIn, NudgeEvent
from bot.nudges.rules import plan
from bot.nudges.sending import send_due
from bot.slack.app import make_gateway
from tests.factories import make_account, make_person
from tests.fakes.slack_requests import view_id
from tests.slack.conftest import NOW, slack_settings
from tests.slack.test_flag_command import eventually, posts
from tests.slack.test_flag_ownership import post_buttons

MENTIONS = "<!channel> & Co @here <@U0BOSS>"


def nudge_maya(slack, session, fake_slack) -> None:
    maya = make_person(session, "maya@example.com", name="Maya Patel", timezone="UTC")
    make_account(session, MENTIONS, owner_id=maya.id, last_touch_date=date(2026, 9, 1))
    session.commit()
    slack.fake.add_user("U0MAYA", "maya@example.com", name="Maya Patel")
    plan(session, NOW, NOW.date())
    send_due(session, NOW, "UTC")
    session.commit()


def test_the_nudge_dm_pings_no_one_and_is_sent_once_through_a_429(slack, session, fake_slack):
    nudge_maya(slack, session, fake_slack)
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=30)
    gateway = make_gateway(slack_settings(fake_slack))
    assert deliver_due(slack.factory, gateway, NOW).sent == 0
    assert deliver_due(slack.factory, gateway, NOW + timedelta(seconds=29)).sent == 0  # Retry-After honoured
    assert deliver_due(slack.factory, gateway, NOW + timedelta(seconds=30)).sent == 1
    assert deliver_due(slack.factory, gateway, NOW + timedelta(hours=1)).sent == 0
    dm = posts(slack)[-1]
    assert dm["channel"] == "U0MAYA" and len(fake_slack.calls_to("chat.postMessage")) == 2
    shown = json.dumps(dm, ensure_ascii=False)
    assert "&lt;!channel&gt; &amp; Co @here &lt;@U0BOSS&gt;" in shown and "<!channel>" not in shown
    # The fake's checker also fails the test on any mrkdwn that is not verbatim or holds a control sequence.


def test_log_check_in_from_the_dm_opens_a_form_and_records_the_touch(slack, session, fake_slack):
    nudge_maya(slack, session, fake_slack)
    deliver_due(slack.factory, make_gateway(slack_settings(fake_slack)), NOW)
    log = post_buttons(posts(slack)[-1])["Log check-in"]
    answer = slack.send.block_action(log["action_id"], log["value"], user_id="U0MAYA", ephemeral=False)
    assert answer.status == 200 and answer.seconds < 3
    opened = slack.fake.wait_for("views.open")[0].params
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["title"]["text"] == "Log a check-in"
    assert (
        slack.send.view_submission(view, {"channel": "call", "note": "Renewal call booked"}, user_id="U0MAYA").status
        == 200
    )
    assert eventually(lambda: len(session.scalars(select(CheckIn)).all()) == 1)
    session.expire_all()
    assert session.scalar(select(Account.last_touch_date)) == NOW.date()
    told = slack.fake.wait_for("chat.postMessage", 2)[-1].params
    assert told["channel"] == "U0MAYA" and told["text"].startswith("Logged a call with")


def test_the_snooze_modal_asks_the_date_only_for_until_a_date_and_re_asks_a_past_one(slack, session, fake_slack):
    """Seen: a past date dropped out of the form, and the date field was there for "1 week" too. The date
    appears when "until a date" is chosen, is then required, and a past day is an error inside the modal,
    judged on the CSM's own date; nothing is snoozed until it is right."""
    nudge_maya(slack, session, fake_slack)
    deliver_due(slack.factory, make_gateway(slack_settings(fake_slack)), NOW)
    snooze = post_buttons(posts(slack)[-1])["Snooze"]
    slack.send.block_action(snooze["action_id"], snooze["value"], user_id="U0MAYA", ephemeral=False)
    opened = slack.fake.wait_for("views.open")[0].params
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == ["For", "Why?"]  # a week by default: no date asked
    assert inputs[0]["dispatch_action"] is True and inputs[1]["optional"] is True  # Slack says "(optional)" once

    changed = slack.send.view_choice(view, "for", "date", user_id="U0MAYA")
    assert changed.status == 200 and changed.seconds < 3
    updated = slack.fake.wait_for("views.update")[0].params
    assert updated["view_id"] == view_id(view) and updated["hash"] == "h1"
    view = updated["view"] if isinstance(updated["view"], dict) else json.loads(updated["view"])
    dated = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in dated] == ["For", "Until (YYYY-MM-DD)", "Why?"]
    assert dated[1]["optional"] is False  # asked, so required

    past = (NOW.date() - timedelta(days=2)).isoformat()
    answer = slack.send.view_submission(view, {"for": "date", "until": past, "reason": ""}, user_id="U0MAYA")
    assert json.loads(answer.body) == {
        "response_action": "errors",
        "errors": {"until": f"Choose a day after today ({NOW.date().isoformat()})."},
    }
    missing = slack.send.view_submission(view, {"for": "date", "until": "", "reason": ""}, user_id="U0MAYA")
    assert json.loads(missing.body)["errors"] == {"until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."}
    assert session.scalars(select(NudgeEvent).where(NudgeEvent.kind == "snoozed")).all() == []
    later = (NOW.date() + timedelta(days=10)).isoformat()
    submitted = slack.send.view_submission(view, {"for": "date", "until": later, "reason": ""}, user_id="U0MAYA")
    assert submitted.status == 200
    assert eventually(lambda: len(session.scalars(select(NudgeEvent).where(NudgeEvent.kind == "snoozed")).all()) == 1)

    back = slack.send.view_choice(view, "for", "1w", user_id="U0MAYA")  # and back: the date goes away again
    assert back.status == 200
    again = slack.fake.wait_for("views.update", 2)[1].params
    again_view = again["view"] if isinstance(again["view"], dict) else json.loads(again["view"])
    assert [b["label"]["text"] for b in again_view["blocks"] if b["type"] == "input"] == ["For", "Why?"]

"""The flag modal: opened by /flag, the shortcuts and the card; validated in the modal; filed once."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.models import Flag
from tests.slack.test_flag_command import count, eventually, opened_view, people, posts, seed, statuses


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def acme_id(session) -> str:
    from bot.models import Account

    return str(session.scalar(select(Account.id).where(Account.name == "Acme Corporation")))


def test_flag_alone_opens_the_form_and_the_account_select_searches(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "", user_id="U0SAM")
    view = opened_view(slack)
    assert list(inputs(view)) == ["account", "category", "severity", "description"]
    assert inputs(view)["category"]["initial_option"]["value"] == "auto"
    found = slack.send.options(inputs(view)["account"]["action_id"], "acm", user_id="U0SAM")
    assert found.status == 200 and found.seconds < 3
    assert [o["text"]["text"] for o in json.loads(found.body)["options"]] == ["Acme Corporation"]
    # Someone Tend has not seen as a full member gets no options (no Web API call inside the ack).
    slack.fake.add_user("U0GUEST", "g@partner.example", is_restricted=True)
    assert json.loads(slack.send.options("search:accounts", "acm", user_id="U0GUEST").body) == {"options": []}


def test_errors_come_back_in_the_modal_and_nothing_is_written(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "", user_id="U0SAM")
    view = opened_view(slack)
    answer = slack.send.view_submission(
        view, {"account": "", "category": "auto", "severity": "normal", "description": " "}, user_id="U0SAM"
    )
    assert json.loads(answer.body) == {
        "response_action": "errors",
        "errors": {
            "account": "Choose the account the problem is about.",
            "description": "Say what happened, in a sentence or two.",
        },
    }
    assert count(session, Flag) == 0


def test_a_submitted_form_files_once_even_when_submitted_twice(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "", user_id="U0SAM")
    view = opened_view(slack)
    answers = {
        "account": acme_id(session),
        "category": "support",
        "severity": "urgent",
        "description": "Their admins cannot export reports",
    }
    for _ in range(2):
        assert slack.send.view_submission(view, answers, user_id="U0SAM").status == 200
    assert eventually(lambda: count(session, Flag) == 1 and len(slack.fake.calls_to("chat.postMessage")) >= 3)
    session.expire_all()
    flag = session.scalars(select(Flag)).one()
    assert (flag.category, flag.category_source, flag.severity) == ("support", "reporter", "urgent")
    assert eventually(lambda: statuses(slack) == {"sent"})
    dms = [p for p in posts(slack) if p["channel"] == "U0SAM"]
    assert len(dms) == 1  # the second submission was recognised as the same one: no second confirmation
    assert dms[0]["text"].startswith("Flag #1 filed for Acme Corporation: support (as you chose).")


def test_the_message_shortcut_prefills_the_text_and_links_the_message(slack, session):
    seed(session)
    people(slack)
    slack.send.message_shortcut("flag_message", "Acme says the invoice is wrong &amp; &lt;urgent&gt;", user_id="U0SAM")
    view = opened_view(slack)
    assert inputs(view)["description"]["initial_value"] == "Acme says the invoice is wrong & <urgent>"
    link = "https://tend-test.slack.com/archives/C0SALES/p1700000000123456"
    assert view["private_metadata"] == link
    slack.send.view_submission(
        view,
        {
            "account": acme_id(session),
            "category": "auto",
            "severity": "normal",
            "description": "Acme says the invoice is wrong & <urgent>",
        },
        user_id="U0SAM",
    )
    slack.fake.wait_for("chat.postMessage", 3)
    assert eventually(lambda: statuses(slack) == {"sent"})
    team_post = json.dumps(next(p for p in posts(slack) if p["channel"] == "billing"))
    assert link in team_post and "wrong &amp; &lt;urgent&gt;" in team_post


def test_closing_the_form_writes_nothing(slack, session):
    seed(session)
    people(slack)
    slack.send.shortcut("flag_problem", user_id="U0SAM")
    assert opened_view(slack)["callback_id"] == "form:flag.submit"
    assert count(session, Flag) == 0  # Cancel sends nothing Tend must act on


def test_the_cards_button_opens_the_form_with_the_account_chosen(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/account", "acme", user_id="U0SAM")
    card = slack.fake.wait_for("response_url")[0].params
    button = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Flag a problem"
    )
    slack.send.block_action(button["action_id"], button["value"], user_id="U0SAM")
    view = opened_view(slack)
    assert inputs(view)["account"]["initial_option"]["text"]["text"] == "Acme Corporation"


def test_a_form_slack_no_longer_lets_tend_open_gets_a_try_again(slack, session):
    seed(session)
    people(slack)
    slack.fake.fail("views.open", error="expired_trigger_id")  # Tend took longer than the trigger's 3 seconds
    assert slack.send.slash("/flag", "", user_id="U0SAM").status == 200
    told = slack.fake.wait_for("response_url")[0].params
    assert told["response_type"] == "ephemeral" and "Please try again" in told["text"]
    assert count(session, Flag) == 0

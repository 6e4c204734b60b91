"""Everyday slips, as Slack sends them: a mistyped command, an ambiguous account asked for a briefing, an
admin's impossible number. Each answer arrives privately through response_url and says what to do."""

from __future__ import annotations

from tests.factories import make_person
from tests.slack.test_account_command import CSM, all_text, buttons, header, reply_of, seed


def test_a_mistyped_sub_command_gets_what_was_meant_not_the_whole_help(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    slack.send.slash("/tend", "setings", user_id=CSM)
    answer = reply_of(slack)
    assert answer["text"].startswith("I don't know “/tend setings”. Did you mean /tend settings?")
    assert "What Tend can do" not in all_text(answer)


def test_picking_among_several_accounts_for_a_briefing_shows_the_briefing(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    slack.send.slash("/account", "globex brief", user_id=CSM)
    pick = next(b for b in buttons(reply_of(slack)) if b["text"]["text"] == "Globex Americas")
    slack.send.block_action(pick["action_id"], pick["value"], user_id=CSM)
    assert header(slack.fake.wait_for("response_url", 2)[-1].params) == "Briefing: Globex Americas"


def test_an_admin_is_told_the_allowed_range_and_nothing_changes(slack, session):
    seed(session)
    make_person(session, "alex@example.com", name="Alex Morgan", role="admin")
    session.commit()
    slack.fake.add_user("U0ALEX", "alex@example.com", name="Alex Morgan")
    slack.send.slash("/tend", "admin nudges set health_floor 1000", user_id="U0ALEX")
    assert "health_floor takes a whole number from 0 to 100" in reply_of(slack)["text"]
    slack.send.slash("/tend", "admin nudges", user_id="U0ALEX")
    assert "health_floor = 50: health crossing below this (0–100)" in all_text(
        slack.fake.wait_for("response_url", 2)[-1].params
    )

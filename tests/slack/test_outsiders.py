"""People from another organisation are outsiders whatever their request says: Tend knows its own workspace
from auth.test, never from a request's `team_id` or `enterprise_id`, and an admin's email in an outsider's
profile gives them nothing. Tried on every surface: commands, buttons, shortcuts, forms, Home, option search."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.models import ChatIdentity, Flag, Holiday
from tests.factories import make_person
from tests.slack.conftest import SlackHarness, serving, slack_settings
from tests.slack.test_account_command import all_text, seed

REFUSED = "only available to full members"
OUTSIDER = "U0OUT"
THEIR_TEAM, THEIR_ORG = "T0THEIRS", "E0THEIRS"
THEIRS = {"team_id": THEIR_TEAM, "enterprise_id": THEIR_ORG}  # what their requests say: their own side


def seed_with_admin(session) -> None:
    seed(session)
    make_person(session, "ada@example.com", name="Ada Admin", role="admin")
    session.commit()


def add_outsider(fake, **extra) -> None:
    """A Slack Connect user from another Grid organisation whose profile email is our admin's."""
    fake.add_user(
        OUTSIDER, "ada@example.com", name="Not Ada", team_id=THEIR_TEAM, enterprise_user={"enterprise_id": THEIR_ORG}
    )
    fake.users[OUTSIDER].update(extra)


def said(slack, n: int) -> str:
    return all_text(slack.fake.answers(n)[-1].params)


def views(slack, method: str, n: int = 1) -> str:
    view = slack.fake.wait_for(method, n)[-1].params["view"]
    return json.dumps(view if isinstance(view, dict) else json.loads(view), ensure_ascii=False)


def test_an_outsider_with_an_admins_email_gets_nothing_from_any_command(slack, session):
    seed_with_admin(session)
    add_outsider(slack.fake)
    commands = [
        ("/account", "acme"),
        ("/account", ""),
        ("/tend", "admin outbox"),
        ("/tend", "admin holidays add 2026-12-25 Christmas"),
        ("/tend", "flags"),
        ("/tend", "nudges"),
        ("/tend", "home"),
        ("/flag", "acme invoice charged twice"),
    ]
    for n, (command, text) in enumerate(commands, start=1):
        assert slack.send.slash(command, text, user_id=OUTSIDER, **THEIRS).status == 200
        reply = said(slack, n)
        assert REFUSED in reply, (command, text)
        assert "Acme" not in reply and "240,000" not in reply and "outbox" not in reply.lower()
    assert session.scalar(select(func.count()).select_from(Holiday)) == 0
    assert session.scalar(select(func.count()).select_from(Flag)) == 0
    assert not slack.fake.calls_to("chat.postMessage")  # no team post, no DM to anyone


def test_an_outsider_gets_nothing_from_buttons_shortcuts_forms_home_or_search(slack, session):
    seed_with_admin(session)
    slack.fake.add_user("U0CSM", "maya@example.com", name="Maya Patel")
    add_outsider(slack.fake)
    # A member's card, whose buttons the outsider then presses (they can see a shared message's buttons).
    slack.send.slash("/account", "globex")
    europe = next(
        e
        for b in slack.fake.answers()[0].params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Globex Europe"
    )
    assert slack.send.block_action(europe["action_id"], europe["value"], user_id=OUTSIDER, **THEIRS).status == 200
    assert REFUSED in said(slack, 2) and "Globex" not in said(slack, 2)

    assert slack.send.message_shortcut("flag_message", "acme is unhappy", user_id=OUTSIDER, **THEIRS).status == 200
    assert REFUSED in said(slack, 3)
    assert slack.send.shortcut("flag_problem", user_id=OUTSIDER, **THEIRS).status == 200
    assert REFUSED in views(slack, "views.open")

    # The flag form a member opened, submitted by the outsider: nothing is filed.
    slack.send.slash("/flag", "")
    form = json.loads(views(slack, "views.open", 2))
    assert form["callback_id"].startswith("form:")
    answers = {"account": "1", "category": "billing", "severity": "normal", "description": "charged twice"}
    assert slack.send.view_submission(form, answers, user_id=OUTSIDER, **THEIRS).status == 200
    dm = slack.fake.wait_for("chat.postMessage")[-1].params
    assert dm["channel"] == OUTSIDER and REFUSED in all_text(dm)
    assert session.scalar(select(func.count()).select_from(Flag)) == 0

    home = {"type": "app_home_opened", "user": OUTSIDER, "channel": "D1", "tab": "home", "event_ts": "1.1"}
    assert slack.send.event(home, event_id="Ev0OUT", **THEIRS).status == 200
    home_view = views(slack, "views.publish")
    assert REFUSED in home_view and "Acme" not in home_view

    answer = slack.send.options("search:accounts", "acm", user_id=OUTSIDER, **THEIRS)
    assert answer.status == 200 and json.loads(answer.body)["options"] == []


def test_one_outsider_is_one_cached_identity_whatever_their_requests_say(slack, session):
    seed_with_admin(session)
    add_outsider(slack.fake)
    origins = [THEIRS, {"team_id": THEIR_TEAM}, {"team_id": "T0HOME", "enterprise_id": "E0HOME"}, {}]
    for n, origin in enumerate(origins, start=1):
        slack.send.slash("/account", "acme", user_id=OUTSIDER, **origin)
        assert REFUSED in said(slack, n), origin
    rows = session.execute(select(ChatIdentity.workspace_id, ChatIdentity.access)).all()
    assert rows == [("T0HOME", "external")]


def test_a_user_slack_gives_no_team_for_is_refused(slack, session):
    seed(session)
    slack.fake.add_user("U0NOTEAM", "maya@example.com", team_id="")
    slack.send.slash("/account", "acme", user_id="U0NOTEAM")
    assert REFUSED in said(slack, 1)


@pytest.fixture
def grid(fake_slack, engine, factory) -> Iterator[SlackHarness]:
    """Tend installed on a workspace of the Enterprise Grid organisation E0GRID."""
    fake_slack.auth.update(enterprise_id="E0GRID", team_id="T0HOME")
    with serving(slack_settings(fake_slack), fake_slack, engine, factory) as harness:
        yield harness


def test_on_enterprise_grid_anyone_in_the_organisation_is_a_member_and_no_one_else(grid, session):
    seed(session)
    grid.fake.add_user("U0CSM", "maya@example.com", team_id="T0OTHERWS", enterprise_user={"enterprise_id": "E0GRID"})
    assert grid.send.slash("/account", "globex", enterprise_id="E0GRID").status == 200
    card = grid.fake.answers()[-1].params
    europe = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"] if "Europe" in str(e))
    # Org-wide interactivity payloads carry `team: null`.
    assert (
        grid.send.block_action(europe["action_id"], europe["value"], team_id=None, enterprise_id="E0GRID").status == 200
    )
    assert "Globex Europe" in said(grid, 2)

    # Another organisation, even when its request claims to come from ours.
    grid.fake.add_user("U0OTHERORG", "x@else.example", team_id="T0X", enterprise_user={"enterprise_id": "E0ELSE"})
    grid.send.slash("/account", "acme", user_id="U0OTHERORG", team_id="T0HOME", enterprise_id="E0GRID")
    assert REFUSED in said(grid, 3)
    # No organisation in Slack's answer: compared by team, so our own workspace's member is still a member...
    grid.fake.add_user("U0PLAIN", "maya@example.com", team_id="T0HOME")
    grid.send.slash("/account", "acme", user_id="U0PLAIN")
    assert "Acme Corporation" in said(grid, 4)
    # ... and anyone else is refused.
    grid.fake.add_user("U0ELSEWHERE", "maya@example.com", team_id="T0ELSEWHERE")
    grid.send.slash("/account", "acme", user_id="U0ELSEWHERE", enterprise_id="E0GRID")
    assert REFUSED in said(grid, 5)


def test_the_home_workspace_is_learned_once_at_start_up(slack, session):
    seed(session)
    slack.fake.add_user("U0CSM", "maya@example.com")
    started = len(slack.fake.calls_to("auth.test"))
    for _ in range(3):
        slack.send.slash("/account", "acme")
    slack.fake.answers(3)
    time.sleep(0.1)
    assert len(slack.fake.calls_to("auth.test")) == started  # no request asks again

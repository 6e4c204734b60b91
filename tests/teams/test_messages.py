"""Tend on Microsoft Teams, the way Teams calls it: signed activities to /api/messages, answers as Adaptive
Cards through a fake Bot Connector."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from jwt import jwks_client
from sqlalchemy import func, select

from bot.models import ChatIdentity, Flag, InboundRequest, Notification
from tests.factories import make_account
from tests.fakes import adaptive
from tests.fakes.adaptive import SCHEMA, SCHEMA_ABSENT
from tests.fakes.teams_server import BOT_TOKEN, OTHER_TENANT, TENANT
from tests.stories.company import seed
from tests.teams.conftest import TeamsHarness


def company(teams: TeamsHarness) -> None:
    """The stories' company (tests/stories/company.py), its teams on Teams channels; Maya and Sam are members
    of the organisation, neither has installed Tend yet."""
    with teams.factory() as session:
        seed(session, lambda name: {"teams_channel": f"19:{name}@thread.tacv2"})
    teams.fake.add_member("29:maya", "maya@example.com", name="Maya Patel")
    teams.fake.add_member("29:sam", "sam@example.com", name="Sam Rivera")


def button(activity: dict, title: str) -> dict:
    """A card's button by its title."""
    return next(
        a
        for c in cards_of(activity)
        for b in c["body"]
        if b["type"] == "ActionSet"
        for a in b["actions"]
        if a["title"] == title
    )


def cards_of(activity: dict) -> list[dict]:
    return [a["content"] for a in activity.get("attachments", [])]


def shown(activity: dict) -> str:
    return json.dumps(cards_of(activity), ensure_ascii=False)


def test_an_unsigned_or_wrongly_signed_activity_is_refused_and_never_recorded(teams: TeamsHarness):
    company(teams)
    activity = teams.say("account acme")
    assert teams.post(activity, token=None) == 401
    assert teams.post(activity, token=teams.fake.mint(aud="someone-else")) == 401
    assert teams.post(activity, token=teams.fake.mint(service_url="https://elsewhere.example/")) == 401
    assert teams.post(activity, token=teams.fake.mint(exp=1_000_000)) == 401
    assert teams.post({**activity, "serviceUrl": None}, token=teams.fake.mint()) == 401
    with teams.factory() as session:
        assert session.scalar(select(func.count()).select_from(InboundRequest)) == 0
    assert teams.fake.calls == []


def test_the_signing_keys_are_kept_and_fetched_again_for_a_new_key_id(
    teams: TeamsHarness, monkeypatch: pytest.MonkeyPatch
):
    """Microsoft rotates its signing keys: Tend keeps the keys it fetched, fetches them again for a key id it
    does not know, but at most once per PyJWT's 30-second cooldown (a flood of made-up key ids costs nothing)."""
    company(teams)
    for n in range(3):
        assert teams.post(teams.say("tend help", activity_id=f"k{n}")) == 200
    assert teams.fake.keys_fetched == 1  # kept between requests
    teams.fake.rotate()  # the Bot Framework signs with a new key
    assert teams.post(teams.say("tend help", activity_id="k-soon")) == 401  # within the cooldown: refused…
    assert teams.post(teams.say("tend help", activity_id="k-soon-2")) == 401
    assert teams.fake.keys_fetched == 1  # …and the key server is not asked again and again
    later = time.monotonic() + 31
    monkeypatch.setattr(jwks_client, "time", SimpleNamespace(monotonic=lambda: later, time=time.time))
    assert teams.post(teams.say("tend help", activity_id="k-new")) == 200  # the new key id: fetched once
    assert teams.post(teams.say("tend help", activity_id="k-new-2")) == 200
    assert teams.fake.keys_fetched == 2


def test_account_in_the_personal_chat_answers_with_a_card_there(teams: TeamsHarness):
    company(teams)
    assert teams.post(teams.say("account acme")) == 200
    teams.wait(lambda: teams.fake.posted("a:maya-chat"))
    [answer] = teams.fake.posted("a:maya-chat")
    assert "Acme Corporation" in shown(answer) and "Maya Patel" in shown(answer)
    assert {c.authorization for c in teams.fake.calls} == {f"Bearer {BOT_TOKEN}"}  # Tend's own token, every call
    assert teams.fake.token_requests[0]["grant_type"] == ["client_credentials"]
    assert teams.fake.token_requests[0]["scope"] == ["https://api.botframework.com/.default"]
    with teams.factory() as session:  # the personal chat is kept, to DM her later
        identity = session.scalars(select(ChatIdentity)).one()
        assert identity.email == "maya@example.com" and identity.address["conversation"] == "a:maya-chat"


def test_with_a_slash_or_after_an_at_mention_too(teams: TeamsHarness):
    company(teams)
    teams.post(teams.say("/account acme", activity_id="m1"))
    teams.post(teams.say("<at>Tend</at> account acme", activity_id="m2"))
    teams.wait(lambda: len(teams.fake.posted("a:maya-chat")) == 2)
    assert all("Acme Corporation" in shown(a) for a in teams.fake.posted("a:maya-chat"))
    assert len(teams.fake.token_requests) == 1  # Tend's own token is kept until shortly before it expires


def test_asked_in_a_channel_the_data_goes_to_the_personal_chat_and_the_channel_gets_a_pointer(teams: TeamsHarness):
    company(teams)
    channel = "19:general@thread.tacv2"
    teams.post(teams.say("<at>Tend</at> account acme", conversation=channel, kind="channel"))
    teams.wait(lambda: teams.fake.posted(channel) and teams.fake.posted("a:personal-29:maya"))
    [pointer] = teams.fake.posted(channel)
    assert "120" not in json.dumps(pointer) and "personal chat" in shown(pointer)
    [answer] = teams.fake.posted("a:personal-29:maya")  # the personal chat was opened for her
    assert "Acme Corporation" in shown(answer)
    [opened] = [c for c in teams.fake.calls if c.path == "/v3/conversations"]
    assert opened.body["members"] == [{"id": "29:maya"}] and opened.body["tenantId"] == TENANT


@pytest.mark.parametrize(
    "member",
    [
        {"tenant": OTHER_TENANT},
        {"userRole": "guest"},
        {"userRole": "anonymous"},
        {"userPrincipalName": "maya_example.com#EXT#@home.onmicrosoft.com"},
    ],
)
def test_outsiders_are_refused_whatever_email_they_carry(teams: TeamsHarness, member: dict):
    company(teams)
    teams.fake.add_member("29:eve", "maya@example.com", name="Eve", **member)
    teams.post(teams.say("account acme", user="29:eve", conversation="a:eve-chat"))
    teams.wait(lambda: teams.fake.posted("a:eve-chat"))
    [answer] = teams.fake.posted("a:eve-chat")
    assert "Acme" not in json.dumps(answer) and "120" not in json.dumps(answer)
    assert "Sorry" in json.dumps(answer) or "can't" in json.dumps(answer)


def test_a_rate_limited_reply_waits_as_teams_asks_and_is_sent_once(teams: TeamsHarness):
    company(teams)
    teams.fake.fail("/v3/conversations/a:maya-chat/activities", 429, times=1, retry_after="1")
    teams.post(teams.say("account acme"))
    teams.wait(lambda: teams.fake.posted("a:maya-chat"), seconds=15)

    def statuses() -> list[str]:
        with teams.factory() as session:
            return list(session.scalars(select(Notification.status)))

    teams.wait(lambda: statuses() == ["sent"])
    assert len(teams.fake.posted("a:maya-chat")) == 1


def test_user_text_never_becomes_a_mention_or_markup(teams: TeamsHarness):
    company(teams)
    with teams.factory() as session:
        make_account(session, "<at>Maya</at> **Big** [Co](http://evil.example)", domain="evil.example")
        session.commit()
    teams.post(teams.say("account evil.example"))
    teams.wait(lambda: teams.fake.posted("a:maya-chat"))
    [answer] = teams.fake.posted("a:maya-chat")
    text, card = json.dumps(answer, ensure_ascii=False), shown(answer)
    assert "&lt;at&gt;Maya&lt;/at&gt; \\\\*\\\\*Big" in card  # the name shown as typed, escaped
    assert "<at>" not in text  # nowhere, the plain summary included
    assert "**Big**" not in card and "[Co](" not in card  # no markdown in the card
    assert "mention" not in text  # Tend adds no mention entities


def test_every_card_tend_sends_is_a_valid_adaptive_card_1_5(teams: TeamsHarness):
    """The fake checks every activity it is sent (tests/fakes/adaptive.py); here, one of each kind of answer."""
    if not SCHEMA.exists():
        pytest.skip(SCHEMA_ABSENT)
    company(teams)
    for text in ("account acme", "tend help", "tend home", "flag acme invoice charged twice", "tend flags"):
        teams.post(teams.say(text))
    teams.wait(lambda: len(teams.fake.posted()) >= 6)
    assert teams.fake.violations == []
    assert adaptive.problems_in_card({"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Nope"}]})


def test_installing_tend_in_the_personal_chat_shows_what_needs_you_today(teams: TeamsHarness):
    company(teams)
    installed = {**teams.say(""), "type": "installationUpdate", "action": "add"}
    del installed["text"]
    assert teams.post(installed) == 200
    teams.wait(lambda: teams.fake.posted("a:maya-chat"))
    [welcome] = teams.fake.posted("a:maya-chat")
    assert "Acme Corporation" in shown(welcome) or "needs you" in shown(welcome).lower()
    with teams.factory() as session:  # and her personal chat is kept for nudges and digests
        assert session.scalars(select(ChatIdentity.address)).one()["conversation"] == "a:maya-chat"


def test_other_activities_are_acknowledged_and_left_alone(teams: TeamsHarness):
    company(teams)
    typing = {**teams.say(""), "type": "typing"}
    assert teams.post(typing) == 200
    with teams.factory() as session:
        assert session.scalar(select(func.count()).select_from(InboundRequest)) == 0


def test_flag_from_the_form_card_takes_the_account_by_name(teams: TeamsHarness):
    company(teams)
    teams.post(teams.say("flag", user="29:sam", conversation="a:sam-chat"))
    teams.wait(lambda: teams.fake.posted("a:sam-chat"))
    form = cards_of(teams.fake.posted("a:sam-chat")[-1])[0]
    assert [i["id"] for i in form["body"] if "id" in i] == ["account", "category", "severity", "description"]
    submit = form["actions"][0]["data"]
    answers = {"category": "auto", "severity": "normal", "description": "invoice was charged twice"}
    teams.post(teams.say("", user="29:sam", conversation="a:sam-chat", value={**submit, **answers, "account": "zzz"}))
    teams.wait(lambda: len(teams.fake.posted("a:sam-chat")) == 2)
    assert "Nothing matches “zzz”: nothing was saved yet" in shown(teams.fake.posted("a:sam-chat")[-1])
    teams.post(teams.say("", user="29:sam", conversation="a:sam-chat", value={**submit, **answers, "account": "acme"}))
    teams.wait(lambda: teams.fake.posted("19:billing@thread.tacv2"))
    with teams.factory() as session:
        [flag] = session.scalars(select(Flag)).all()
        assert flag.description == "invoice was charged twice" and flag.category == "billing"

"""/account as Slack sends it: signed HTTP in, an ephemeral status card out, in the ack itself for someone Tend
knows, else through response_url."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.accounts.catalog import mark_changed
from bot.models import ChatIdentity, InboundRequest
from tests.factories import make_account, make_person
from tests.slack.conftest import NOW

TODAY = NOW.date()
CSM = "U0CSM"


def seed(session) -> None:
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(
        session,
        "Acme Corporation",
        domain="acme.example",
        owner_id=maya.id,
        tier="intimacy",
        health_score=72,
        arr=240000,
        renewal_date=TODAY + timedelta(days=84),
        last_touch_date=TODAY - timedelta(days=9),
        criteria=("Cut support tickets by 30%",),
        history=((TODAY - timedelta(days=30), 80),),
    )
    make_account(session, "Café Zürich", domain="cafe-zuerich.example")
    make_account(session, "Ōtsuka Shōkai", domain="otsuka.example")
    make_account(session, "Northwind Traders", domain="northwind.example", owner_id=maya.id)
    make_account(session, "Globex Europe", domain="globex-eu.example")
    make_account(session, "Globex Americas", domain="globex-us.example")
    session.commit()


def reply_of(slack) -> dict:
    call = slack.fake.answers()[-1]
    return call.params


def all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def header(payload: dict) -> str | None:
    return next((b["text"]["text"] for b in payload.get("blocks", []) if b["type"] == "header"), None)


def buttons(payload: dict) -> list[dict]:
    return [e for b in payload.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_exact_name_shows_the_status_card_only_to_the_asker(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    answer = slack.send.slash("/account", "Acme Corporation")
    assert answer.status == 200
    assert answer.seconds < 3
    payload = reply_of(slack)
    assert payload["response_type"] == "ephemeral"
    assert header(payload) == "Acme Corporation"
    text = all_text(payload)
    for expected in (
        "Maya Patel",
        "Intimacy",
        "72/100",
        "▼ −8",
        "240,000",
        f"{(TODAY + timedelta(days=84)).isoformat()} (in 84 days)",
        "Adoption",
        "(9 days ago)",
        "Cut support tickets by 30%",
        "Open problems",
        "Only you can see this",
    ):
        assert expected in text, expected


def test_fuzzy_accent_and_domain_queries_find_the_account(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    for query, name in (
        ("acm", "Acme Corporation"),
        ("cafe zurich", "Café Zürich"),
        ("otsuka", "Ōtsuka Shōkai"),
        ("northwind.example", "Northwind Traders"),
        ("ACME CORP", "Acme Corporation"),
    ):
        count = len(slack.fake.answered())
        assert slack.send.slash("/account", query).status == 200
        payload = slack.fake.answers(count + 1)[-1].params
        assert header(payload) == name, query


def test_two_close_matches_offer_a_pick_list_and_a_click_shows_that_account(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "globex")
    payload = reply_of(slack)
    assert header(payload) is None
    picks = buttons(payload)
    assert sorted(b["text"]["text"] for b in picks) == ["Globex Americas", "Globex Europe"]
    europe = next(b for b in picks if b["text"]["text"] == "Globex Europe")
    answer = slack.send.block_action(europe["action_id"], europe["value"])
    assert answer.status == 200 and answer.seconds < 3
    card = slack.fake.answers(2)[-1].params
    assert card["replace_original"] is True
    assert header(card) == "Globex Europe"


def test_unknown_account_says_so_and_offers_only_names_that_are_alike(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "otska")
    payload = reply_of(slack)
    assert "No account matches “otska”" in all_text(payload)
    assert [b["text"]["text"] for b in buttons(payload)] == ["Ōtsuka Shōkai"]
    slack.send.slash("/account", "zzqx")
    payload = slack.fake.answers(count=2)[-1].params
    assert "No account matches “zzqx”" in all_text(payload) and buttons(payload) == []


def test_no_text_shows_usage_and_the_askers_own_accounts(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "")
    text = all_text(reply_of(slack))
    assert "Usage: /account" in text
    assert "Your accounts (2)" in text
    assert "Acme Corporation" in text and "Northwind Traders" in text
    assert "Globex" not in text


def test_guests_and_external_users_are_refused_without_data(slack, session):
    seed(session)
    slack.fake.add_user("U0GUEST", "guest@partner.example", is_restricted=True)
    slack.fake.add_user("U0SINGLE", "single@partner.example", is_ultra_restricted=True)
    slack.fake.add_user("U0EXT", "ext@other.example", team_id="T0OTHER")
    slack.fake.add_user("U0STRANGER", None, is_stranger=True, team_id="T0OTHER")
    for n, user in enumerate(("U0GUEST", "U0SINGLE", "U0EXT", "U0STRANGER"), start=1):
        assert slack.send.slash("/account", "acme", user_id=user).status == 200
        payload = slack.fake.answers(n)[-1].params
        text = all_text(payload)
        assert "only available to full members" in text, user
        assert "Acme" not in text and "72" not in text, user


def test_the_ack_comes_within_three_seconds_even_when_slack_api_is_slow(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.fake.delay("users.info", 3.5)
    answer = slack.send.slash("/account", "acme")
    assert answer.status == 200
    assert answer.seconds < 1.5
    assert header(slack.fake.answers(timeout=10)[-1].params) == "Acme Corporation"


def test_the_identity_is_cached_between_requests(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "acme")
    slack.fake.answers()
    slack.send.slash("/account", "globex")
    slack.fake.answers(2)
    assert len(slack.fake.calls_to("users.info")) == 1


def test_an_account_name_full_of_mentions_pings_no_one(slack, session):
    make_account(session, "<!channel> & Co @here <@U0BOSS>", criteria=("<https://evil.example|your bank> & more",))
    session.commit()
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "channel co")
    payload = reply_of(slack)
    text = all_text(payload)
    assert "&lt;!channel&gt; &amp; Co @here &lt;@U0BOSS&gt;" in text
    assert "&lt;https://evil.example|your bank&gt; &amp; more" in text
    assert "<!channel>" not in text.replace(header(payload) or "", "")
    # The fake server's checker also failed the test if any mrkdwn lacked verbatim or held a control sequence.


def test_huge_data_stays_within_block_kit_limits(slack, session):
    owner = make_person(session, "maya@example.com")
    long_name = "Ü" * 199 + "&"
    make_account(session, long_name, owner_id=owner.id, criteria=tuple("<&>" * 166 for _ in range(25)))
    for n in range(500):
        make_account(
            session, f"Big Customer {n:03d}", owner_id=owner.id, renewal_date=date(2027, 1, 1) + timedelta(days=n)
        )
    session.commit()
    slack.fake.add_user(CSM, "maya@example.com")
    slack.send.slash("/account", "")
    assert "Your accounts (501)" in all_text(reply_of(slack))
    slack.send.slash("/account", long_name)
    card = slack.fake.answers(2)[-1].params
    assert len(header(card)) <= 150


def test_bad_signatures_are_rejected_with_no_side_effect(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    import time

    now = int(time.time())
    attempts = [
        slack.send.slash("/account", "acme", secret="wrong-secret"),
        slack.send.slash("/account", "acme", timestamp=now - 310),
        slack.send.slash("/account", "acme", timestamp=now + 310),
        slack.send.slash("/account", "acme", signature=""),
        slack.send.slash("/account", "acme", tamper="command=%2Faccount&text=globex&user_id=U0CSM"),
    ]
    assert [a.status for a in attempts] == [401] * 5
    time.sleep(0.3)
    assert [call.method for call in slack.fake.calls] == ["auth.test"]  # made once at start-up, nothing since
    assert session.scalar(select(func.count()).select_from(ChatIdentity)) == 0


def test_unknown_users_are_told_to_try_again_when_slack_cannot_say_who_they_are(slack, session):
    seed(session)
    slack.send.slash("/account", "acme", user_id="U0NOBODY")
    text = all_text(reply_of(slack))
    assert "couldn't confirm who you are" in text
    assert "Acme" not in text


def test_full_members_outside_the_people_list_may_look_accounts_up(slack, session):
    seed(session)
    slack.fake.add_user("U0SALES", "new.hire@example.com", name="New Hire")
    slack.send.slash("/account", "acme", user_id="U0SALES")
    assert header(reply_of(slack)) == "Acme Corporation"
    slack.send.slash("/account", "", user_id="U0SALES")
    assert "not in Tend's people list" in all_text(slack.fake.answers(2)[-1].params)


def test_the_first_request_does_not_wait_for_auth_test(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.fake.delay("auth.test", 5)  # the token was checked when the app started
    answer = slack.send.slash("/account", "acme")
    assert answer.status == 200 and answer.seconds < 1.5
    assert header(reply_of(slack)) == "Acme Corporation"
    assert len(slack.fake.calls_to("auth.test")) == 1


def test_slack_api_429_and_503_are_retried_honouring_retry_after(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    slack.fake.fail("users.info", status=429, error="ratelimited", retry_after=1)
    slack.fake.fail("users.info", status=503, error="service_unavailable")
    assert slack.send.slash("/account", "acme").status == 200
    assert header(slack.fake.answers(timeout=10)[-1].params) == "Acme Corporation"
    tries = slack.fake.calls_to("users.info")
    assert len(tries) == 3
    assert tries[1].at - tries[0].at >= 1.0  # waited out Retry-After before calling again


def test_someone_added_to_the_people_list_is_recognised_without_waiting_for_the_cache(slack, session):
    seed(session)
    slack.fake.add_user("U0NEW", "new.csm@example.com")
    slack.send.slash("/account", "", user_id="U0NEW")
    assert "not in Tend's people list" in all_text(reply_of(slack))
    newcomer = make_person(session, "new.csm@example.com", name="New CSM")
    make_account(session, "Fresh Account", owner_id=newcomer.id)
    session.commit()
    slack.send.slash("/account", "", user_id="U0NEW")
    assert "Your accounts (1)" in all_text(slack.fake.answers(2)[-1].params)
    assert len(slack.fake.calls_to("users.info")) == 1


def test_someone_tend_knows_gets_the_card_in_the_ack_itself(slack, session):
    """The answer is what people wait for: a card that takes milliseconds comes back as the ack's body (no
    queue, no response_url round trip). Only the first request, which must ask Slack who is asking, goes
    through the inbox and response_url."""
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    first = slack.send.slash("/account", "acme")
    assert first.body == "" and header(slack.fake.answers()[-1].params) == "Acme Corporation"
    second = slack.send.slash("/account", "northwind")
    card = json.loads(second.body)
    assert second.status == 200 and second.seconds < 3
    assert card["response_type"] == "ephemeral" and header(card) == "Northwind Traders"
    assert [c.method for c in slack.fake.answered()] == ["response_url", "ack"]
    assert session.scalar(select(func.count()).select_from(InboundRequest)) == 1  # nothing left to finish later


def test_after_an_import_cards_stay_in_the_ack_and_what_the_import_changed_is_found(slack, session):
    """Loading the account catalogue again (~0.4 s at 100k accounts) never holds an ack: a sure find is
    answered from the catalogue as it was while another thread loads the new one; a search the import might
    have changed (here: an account just added) is answered after the ack, from the new catalogue."""
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com", name="Maya Patel")
    slack.send.slash("/account", "acme")
    slack.fake.answers()
    make_account(session, "Zeta Widgets", domain="zeta.example")
    mark_changed(session)  # what every import does
    session.commit()
    known = slack.send.slash("/account", "northwind")
    assert header(json.loads(known.body)) == "Northwind Traders"  # in the ack, from the catalogue as it was
    added = slack.send.slash("/account", "zeta widgets")
    assert added.body == "" or header(json.loads(added.body)) == "Zeta Widgets"  # the new one is loaded by now…
    assert header(slack.fake.answers(3, timeout=10)[-1].params) == "Zeta Widgets"  # …or answers after the ack

"""/flag as Slack sends it: one flag per request, the team channel and the CSM told through the outbox."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.delivery.deliverer import deliver_due
from bot.models import Flag, InboundRequest, Notification, RoutingRule, TeamMember
from bot.slack.app import make_gateway
from tests.factories import make_account, make_person, make_team
from tests.slack.conftest import NOW, slack_settings


def seed(session) -> None:
    """Acme (Maya's) and Initech (unowned); Billing, worked by Jonas and Priya; customer success for the rest."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(session, "Acme Corporation", domain="acme.example", owner_id=maya.id, tier="intimacy")
    make_account(session, "Initech", domain="initech.example")
    billers = [make_person(session, f"{n.lower()}@example.com", name=f"{n} {s}", role="billing") for n, s in BILLERS]
    for name, channel, categories in (("Billing", "#billing", "billing"), ("CS", "#customer-success", "other")):
        team = make_team(session, name=name, channel=channel, sla_hours=24)
        session.add(team)
        session.flush()
        session.add_all(RoutingRule(category=c, team_id=team.id) for c in categories.split(";"))
        if name == "Billing":
            session.add_all(TeamMember(team_id=team.id, person_id=p.id) for p in billers)
    session.commit()


BILLERS = (("Jonas", "Weber"), ("Priya", "Shah"))


def people(slack) -> None:
    slack.fake.add_user("U0SAM", "sam@example.com", name="Sam Rivera")
    slack.fake.add_user("U0MAYA", "maya@example.com", name="Maya Patel")


def posts(slack) -> list[dict]:
    return [call.params for call in slack.fake.calls_to("chat.postMessage")]


def statuses(slack) -> set[str]:
    with slack.factory() as s:
        return set(s.scalars(select(Notification.status)))


def eventually(check, timeout: float = 5.0) -> bool:
    """Delivery finishes just after the post reaches Slack: give its commit a moment."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_flag_files_at_once_and_tells_the_team_and_the_csm(slack, session):
    seed(session)
    people(slack)
    answer = slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    assert answer.status == 200 and answer.seconds < 3
    confirmation = slack.fake.wait_for("response_url")[0].params
    assert confirmation["response_type"] == "ephemeral"
    assert "Flag #1 filed for Acme Corporation: billing" in confirmation["text"]
    slack.fake.wait_for("chat.postMessage", 2)
    team_post, dm = posts(slack)
    assert team_post["channel"] == "billing"
    assert "Flag #1: Acme Corporation" in json.dumps(team_post, ensure_ascii=False)
    assert "Sam Rivera" in json.dumps(team_post) and "ARR" not in json.dumps(team_post)
    assert slack.fake.calls_to("users.lookupByEmail")[0].params["email"] == "maya@example.com"
    assert dm["channel"] == "U0MAYA"
    assert eventually(lambda: statuses(slack) == {"sent"})


def test_a_slow_answer_to_one_person_holds_up_no_one_elses(slack, session):
    """Slack taking its time over one answer (response_url) does not keep a work thread from the next
    request: six flags raised together are all being answered within a second, each team post after its
    own answer."""
    seed(session)
    people(slack)
    slack.fake.delay("response_url", 1.5)
    started = time.monotonic()
    for n in range(6):
        assert slack.send.slash("/flag", f"acme invoice charged twice ({n})", user_id="U0SAM").status == 200
    answers = slack.fake.wait_for("response_url", 6)
    assert max(call.at for call in answers) - started < 1.0, "an answer waited for another to be given"
    slack.fake.wait_for("chat.postMessage", 12, timeout=10)
    first_post = min(call.at for call in slack.fake.calls_to("chat.postMessage"))
    assert first_post - min(call.at for call in answers) >= 1.5  # once its answer was given, not before
    assert eventually(lambda: statuses(slack) == {"sent"})


def test_the_same_request_delivered_three_times_makes_one_flag_and_one_post(slack, session):
    seed(session)
    people(slack)
    for retry in range(3):  # Slack's retries of one request carry its trigger_id
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        answer = slack.send.slash(
            "/flag", "acme invoice charged twice", user_id="U0SAM", headers=headers, trigger_id="1234.5678.retried"
        )
        assert answer.status == 200
    slack.fake.wait_for("chat.postMessage", 2)
    assert eventually(lambda: statuses(slack) == {"sent"})
    assert count(session, Flag) == 1
    assert len([p for p in posts(slack) if p["channel"] == "billing"]) == 1
    assert len(slack.fake.calls_to("response_url")) == 1  # the retries were recognised and dropped: one answer


def test_someone_tend_knows_gets_the_confirmation_in_the_ack_itself(slack, session):
    """What a reporter waits for is the confirmation. Once Tend knows them, a flag the rules can file is
    filed (its messages queued, its request recorded as answered) in one transaction before the ack, and the
    confirmation is the ack's body: no queue, no response_url round trip. A retry of it adds nothing."""
    seed(session)
    people(slack)
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")  # Slack is asked who Sam is
    slack.fake.wait_for("response_url")
    known = slack.send.slash("/flag", "acme refund still missing", user_id="U0SAM", trigger_id="2222.3333.known")
    confirmation = json.loads(known.body)
    assert known.status == 200 and known.seconds < 3
    assert confirmation["response_type"] == "ephemeral"
    assert "Flag #2 filed for Acme Corporation: billing" in confirmation["text"]
    slack.fake.wait_for("chat.postMessage", 4)
    assert eventually(lambda: statuses(slack) == {"sent"})
    second = [p["channel"] for p in posts(slack) if "refund still missing" in json.dumps(p)]
    assert sorted(second) == ["U0MAYA", "billing"]
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    retry = slack.send.slash(
        "/flag", "acme refund still missing", user_id="U0SAM", headers=headers, trigger_id="2222.3333.known"
    )
    assert retry.status == 200
    time.sleep(0.3)
    assert count(session, Flag) == 2 and len(posts(slack)) == 4
    assert len(slack.fake.calls_to("response_url")) == 1  # the first flag's: the second was in its ack
    with slack.factory() as s:
        assert set(s.scalars(select(InboundRequest.status))) == {"done"}  # nothing left to finish later


def test_an_unowned_account_goes_to_the_customer_success_channel(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "initech invoice charged twice", user_id="U0SAM")
    slack.fake.wait_for("chat.postMessage", 2)
    assert sorted(p["channel"] for p in posts(slack)) == ["billing", "customer-success"]


def test_rate_limits_and_server_errors_are_retried_later_and_sent_once(slack, session, fake_slack):
    seed(session)
    people(slack)
    slack.fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=20)
    slack.fake.fail("chat.postMessage", status=500, error="internal_error")
    slack.fake.delay("chat.postMessage", 0.3)  # as slow as Slack: the team post and the DM are under way at once
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    slack.fake.wait_for("chat.postMessage", 2)  # one meets the 429, the other the 500
    assert eventually(lambda: statuses(slack) == {"pending"})
    slack.fake.delay("chat.postMessage", 0)
    gateway = make_gateway(slack_settings(fake_slack))
    # Nothing is sent, by anyone, before the 20-second Retry-After has passed (the 500's 5-second backoff
    # ends inside it).
    assert deliver_due(slack.factory, gateway, NOW + timedelta(seconds=19)).sent == 0
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    assert deliver_due(slack.factory, gateway, NOW + timedelta(seconds=20)).sent == 2
    assert deliver_due(slack.factory, gateway, NOW + timedelta(hours=1)).sent == 0
    delivered = [p["channel"] for p in posts(slack)[-2:]]
    assert sorted(delivered) == ["U0MAYA", "billing"] and len(posts(slack)) == 4


def test_a_missing_channel_is_recorded_not_retried_forever(slack, session, fake_slack):
    seed(session)
    people(slack)
    slack.fake.fail("chat.postMessage", error="channel_not_found")
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    slack.fake.wait_for("chat.postMessage", 2)
    assert eventually(lambda: "failed" in statuses(slack))
    with slack.factory() as s:
        failed = s.scalars(select(Notification).where(Notification.status == "failed")).one()
        assert failed.last_error == "channel_not_found" and failed.target_ref == "#billing"


def test_flag_text_full_of_mentions_pings_no_one(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "acme <!channel> @here <@U0BOSS> <https://evil.example|bank> & invoice", user_id="U0SAM")
    slack.fake.wait_for("chat.postMessage", 2)
    team_post = json.dumps(posts(slack)[0])
    assert "&lt;!channel&gt; @here &lt;@U0BOSS&gt; &lt;https://evil.example|bank&gt; &amp; invoice" in team_post
    # The fake's checker fails the test if any mrkdwn lacked verbatim or carried a control sequence.


def test_an_unclear_account_offers_the_matching_accounts_and_keeps_the_description(slack, session):
    """Two accounts answer to "acme": the form asks which of the two (not a search from scratch), with the
    description as typed minus the account's word; nothing is filed until it is submitted."""
    seed(session)
    people(slack)
    logistics = make_account(session, "Acme Logistics", domain="acme-logistics.example")
    session.commit()
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    view = opened_view(slack)
    assert view["callback_id"] == "form:flag.submit"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["description"]["initial_value"] == "invoice charged twice"
    assert inputs["account"]["type"] == "static_select"
    assert sorted(o["text"]["text"] for o in inputs["account"]["options"]) == ["Acme Corporation", "Acme Logistics"]
    assert count(session, Flag) == 0
    answers = {"account": str(logistics.id), "category": "auto", "severity": "normal"}
    answers["description"] = "invoice charged twice"
    assert slack.send.view_submission(view, answers, user_id="U0SAM").status == 200
    assert eventually(lambda: count(session, Flag) == 1)
    session.expire_all()
    flag = session.scalars(select(Flag)).one()
    assert (flag.account_id, flag.description) == (logistics.id, "invoice charged twice")


def opened_view(slack, n: int = 1) -> dict:
    params = slack.fake.wait_for("views.open", n)[n - 1].params
    return params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])


def test_guests_cannot_flag(slack, session):
    seed(session)
    slack.fake.add_user("U0GUEST", "guest@partner.example", is_restricted=True)
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0GUEST")
    assert "only available to full members" in slack.fake.wait_for("response_url")[0].params["text"]
    assert count(session, Flag) == 0


def test_a_pasted_description_keeps_its_line_breaks(slack, session):
    seed(session)
    people(slack)
    slack.send.slash("/flag", "acme  invoice charged twice:\n- INV-001\n- INV-002", user_id="U0SAM")
    slack.fake.wait_for("response_url")
    with slack.factory() as s:
        assert s.scalar(select(Flag.description)) == "invoice charged twice:\n- INV-001\n- INV-002"


def test_typed_text_arrives_as_typed_control_characters_cleaned_and_symbols_escaped_once(slack, session):
    seed(session)
    people(slack)
    # Slack sends slash-command text with `&`, `<`, `>` escaped; this one also carries a NUL and a bell.
    typed = "acme R&amp;D invoice\x00 charged twice &lt;again&gt;\x07"
    assert slack.send.slash("/flag", typed, user_id="U0SAM").status == 200
    assert "Flag #1 filed for Acme Corporation" in slack.fake.wait_for("response_url")[0].params["text"]
    session.expire_all()
    assert session.scalar(select(Flag.description)) == "R&D invoice charged twice <again>"
    slack.fake.wait_for("chat.postMessage", 2)
    team_post = json.dumps(posts(slack)[0], ensure_ascii=False)
    assert "R&amp;D invoice charged twice &lt;again&gt;" in team_post  # escaped once for mrkdwn...
    assert "&amp;amp;" not in team_post  # ... never twice


def test_a_short_rate_limit_delays_what_it_stopped_by_about_its_retry_after(slack, session):
    """The message that met the 429 goes once its Retry-After is over; the other one goes then too, unless it
    was already under way beside it (each conversation has its own lane)."""
    seed(session)
    people(slack)
    slack.fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    slack.send.slash("/flag", "acme invoice charged twice", user_id="U0SAM")
    limited = slack.fake.wait_for("chat.postMessage")[0]
    calls = slack.fake.wait_for("chat.postMessage", 3, timeout=5)  # no deliver job runs in this test
    delivered = [call for call in calls if call.ok]
    assert sorted(call.params["channel"] for call in delivered) == ["U0MAYA", "billing"]
    retried = next(call for call in delivered if call.params["channel"] == limited.params["channel"])
    other = next(call for call in delivered if call is not retried)
    assert 1.0 <= retried.at - limited.at < 2.5  # Retry-After, and a little
    assert other.at - limited.at < 0.5 or 1.0 <= other.at - limited.at < 2.5
    assert eventually(lambda: statuses(slack) == {"sent"})

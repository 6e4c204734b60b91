"""Bad input at every edge of the HTTP surface: unreadable or oversized bodies, buttons, forms, commands,
shortcuts and events Tend does not (or no longer) know, text far longer than any form allows. Each gets a
clear answer, never a stack trace and never a half-written row."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from bot.models import Flag, InboundRequest
from tests.fakes.slack_requests import sign
from tests.slack.test_account_command import all_text, reply_of, seed

CSM = "U0CSM"


def post_raw(slack, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST exactly these bytes to /slack/events, correctly signed (as a sender holding the secret would)."""
    ts = int(time.time())
    host, port = slack.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/slack/events")
    sent = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(body, ts),
        **(headers or {}),
    }
    for name, value in sent.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body)
    answer = connection.getresponse()
    text = answer.read().decode(errors="replace")
    connection.close()
    return answer.status, text


def nothing_happened(slack, session) -> None:
    time.sleep(0.3)
    assert [call.method for call in slack.fake.calls] == ["auth.test"]  # at start-up, nothing since
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(InboundRequest)) == 0
    assert session.scalar(select(func.count()).select_from(Flag)) == 0


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"command=%2Faccount&text=\xff\xfe&user_id=U0CSM", FORM),  # not UTF-8
        (b"payload=%7Bnot+json", FORM),  # an interaction whose JSON is broken
        (b'{"type": "event_callback", "event": {', "application/json"),  # an event whose JSON is cut off
        (b"payload=%5B1%2C2%5D", FORM),  # JSON, but not an object
        (b"\x00\x01\x02\x03", "application/octet-stream"),
    ],
    ids=["not-utf8", "broken-payload-json", "broken-event-json", "payload-not-an-object", "binary"],
)
def test_unreadable_bodies_get_a_plain_refusal_and_change_nothing(slack, session, body, content_type, caplog):
    status, text = post_raw(slack, body, content_type)
    assert 400 <= status < 500
    assert "Traceback" not in text and "Error" not in text
    assert "Traceback" not in caplog.text  # a warning line, not a stack trace, in the logs too
    nothing_happened(slack, session)


def test_an_oversized_body_is_refused_without_being_read_whole(slack, session):
    status, text = post_raw(slack, b"text=" + b"a" * (2 * 1024 * 1024), FORM)
    assert status == 413 and "too large" in text
    nothing_happened(slack, session)


def test_a_content_length_that_is_not_a_number_is_refused(slack, session):
    status, _ = post_raw(slack, b"", FORM, headers={"Content-Length": "lots"})
    assert status == 400
    nothing_happened(slack, session)


def test_a_button_from_an_older_version_says_so(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    for action_id in ("renamed_in_v2", "no_such_action:0"):  # unknown shape, and a known shape with an unknown name
        assert slack.send.block_action(action_id, "42").status == 200
    answers = [all_text(call.params) for call in slack.fake.answers(2)]
    assert all("That button no longer does anything" in answer for answer in answers)


def test_a_form_from_an_older_version_asks_to_open_it_again(slack, session):
    answer = slack.send.view_submission({"callback_id": "form_from_v1", "type": "modal"}, {"note": "hello"})
    assert answer.status == 200
    update = json.loads(answer.body)
    assert update["response_action"] == "update"
    assert "That form is out of date" in json.dumps(update)
    nothing_happened(slack, session)


def test_an_unknown_command_shortcut_search_or_event_is_answered(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    command = slack.send.slash("/tend-classic", "acme")
    assert command.status == 200 and "I don't know the command /tend-classic" in command.body
    assert slack.send.options("search.unknown", "acm").status == 200
    assert slack.send.event({"type": "member_joined_channel", "user": CSM, "channel": "C1"}).status == 200
    assert slack.send.message_shortcut("summarise_thread", "hello").status == 200
    assert "Tend doesn't know that shortcut" in all_text(slack.fake.answers(2)[-1].params)  # after the command's


def test_text_far_longer_than_any_form_allows_is_declined_politely(slack, session):
    seed(session)
    slack.fake.add_user(CSM, "maya@example.com")
    essay = "The invoice was charged twice. " * 700  # ~21,000 characters
    assert slack.send.slash("/flag", f"acme {essay}").status == 200
    text = all_text(reply_of(slack))
    assert "Nothing was filed" in text and "3,000" in text
    assert session.scalar(select(func.count()).select_from(Flag)) == 0
    assert slack.send.slash("/account", essay).status == 200  # a search for it finds nothing, within limits
    assert len(slack.fake.answers(2)) == 2


def test_a_command_missing_its_fields_is_acknowledged(slack, session):
    body = urllib.parse.urlencode({"command": "/account", "team_id": "T0HOME"})  # no user, text or response_url
    assert slack.send.post(body, FORM).status == 200

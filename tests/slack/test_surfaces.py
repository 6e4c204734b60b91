"""The other Slack surfaces: Home tab, shortcuts, Home-tab buttons, health check, unknown requests."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import create_engine

from bot.db import head_revision
from bot.runtime.web import serve_in_background
from bot.slack.app import build_app
from bot.slack.web import make_wsgi
from tests.factories import make_account, make_person
from tests.slack.conftest import NOW, slack_settings


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def open_home(slack, user: str = "U0CSM") -> str:
    answer = slack.send.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}
    )
    assert answer.status == 200 and answer.seconds < 3
    publish = slack.fake.wait_for("views.publish")[0].params
    assert publish["user_id"] == user
    view = publish["view"] if isinstance(publish["view"], dict) else json.loads(publish["view"])
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return json.dumps(view, ensure_ascii=False)


def test_home_tab_shows_a_csm_what_needs_them_today(slack, session):
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(session, "Acme Corporation", owner_id=maya.id, renewal_date=NOW.date() + timedelta(days=20))
    make_account(session, "Calm Co", owner_id=maya.id, last_touch_date=NOW.date())
    session.commit()
    slack.fake.add_user("U0CSM", "maya@example.com")
    view = open_home(slack)
    assert "Hi Maya Patel: what needs you today" in view
    assert "Your accounts needing attention (1 of 2)" in view and "Acme Corporation: renews in 20 days" in view
    assert "Calm Co" not in view  # on track: not listed
    for button in ("Look up an account", "Flag a problem", "Log a check-in"):
        assert button in view


def test_home_tab_gives_a_manager_their_teams_summary(slack, session):
    lena = make_person(session, "lena@example.com", name="Lena Lead", role="manager")
    for n in range(150):  # a big team: the view still fits in 100 blocks
        csm = make_person(session, f"csm{n}@example.com", name=f"CSM {n:03}", manager_id=lena.id)
        make_account(session, f"Account {n}", owner_id=csm.id, health_score=40)
    session.commit()
    slack.fake.add_user("U0LENA", "lena@example.com")
    view = open_home(slack, "U0LENA")
    assert "Your team (150)" in view and "CSM 000: 1 account, 1 with health under 50" in view
    assert "…and 140 more: /tend digest" in view


def test_home_tab_for_someone_with_no_accounts(slack, session):
    slack.fake.add_user("U0SAM", "sam@example.com", name="Sam Rivera")
    view = open_home(slack, "U0SAM")
    assert "not in Tend's people list" in view and "Look up an account" in view


def test_a_retried_event_publishes_the_home_tab_once(slack, session):
    slack.fake.add_user("U0CSM", "maya@example.com")
    event = {"type": "app_home_opened", "user": "U0CSM", "channel": "D1", "tab": "home", "event_ts": "1.1"}
    for retry in range(3):  # Slack resends an event it thinks was not acknowledged, with the same event_id
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        assert slack.send.event(event, event_id="Ev0RETRY", headers=headers).status == 200
    slack.fake.wait_for("views.publish")
    time.sleep(0.3)  # room for a wrongly repeated publish to arrive
    assert len(slack.fake.calls_to("views.publish")) == 1


def test_home_tab_button_opens_the_card_in_a_modal(slack, session):
    account = make_account(session, "Acme Corporation")
    session.commit()
    slack.fake.add_user("U0CSM", "maya@example.com")
    assert slack.send.block_action("account.show:0", str(account.id), in_view=True).status == 200
    view = slack.fake.wait_for("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "modal" and view["title"]["text"] == "Acme Corporation"


def test_flag_shortcuts_answer_with_a_modal(slack):
    for n, callback in enumerate(("flag_message", "flag_problem"), start=1):
        assert slack.send.shortcut(callback).status == 200
        assert len(slack.fake.wait_for("views.open", n)) == n


def test_healthz_reports_whether_the_database_answers(slack, fake_slack, factory):
    assert get(f"{slack.base_url}/healthz") == (200, {"status": "ok", "database": "ok"})
    broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    server = serve_in_background(make_wsgi(build_app(slack_settings(fake_slack), factory), broken))
    host, port = server.server_address[:2]
    try:
        assert get(f"http://{host}:{port}/healthz") == (503, {"status": "unavailable", "database": "unreachable"})
    finally:
        server.shutdown()
        server.server_close()


def test_readyz_says_whether_the_schema_is_at_the_newest_migration(slack, fake_slack, factory, tmp_path):
    status, report = get(f"{slack.base_url}/readyz")
    assert status == 200 and report["status"] == "ready" and report["schema"] == head_revision()
    never_migrated = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    server = serve_in_background(make_wsgi(build_app(slack_settings(fake_slack), factory), never_migrated))
    host, port = server.server_address[:2]
    try:
        status, report = get(f"http://{host}:{port}/readyz")
        assert status == 503 and report["schema"] == f"never migrated, code needs {head_revision()}: run migrations"
    finally:
        server.shutdown()
        server.server_close()


def test_one_log_line_per_request_without_what_was_typed(slack, session, caplog):
    slack.fake.add_user("U0CSM", "maya@example.com")
    with caplog.at_level(logging.INFO, logger="bot.runtime.lifecycle"):
        slack.send.slash("/account", "secret-customer-name")
        slack.fake.wait_for("response_url")
        deadline = time.monotonic() + 5
        while not any("outcome=done" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    [line] = [r.getMessage() for r in caplog.records if "outcome=" in r.getMessage()]
    assert "team=T0HOME kind=command name=/account outcome=done ms=" in line and line.startswith("request=")
    assert not any("secret-customer-name" in r.getMessage() for r in caplog.records)


def test_other_paths_are_not_found(slack):
    try:
        urllib.request.urlopen(f"{slack.base_url}/admin", timeout=5)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_a_database_outage_gets_a_polite_try_again(fake_slack, tmp_path):
    from bot.db import make_session_factory
    from tests.fakes.slack_requests import SlackSender

    fake_slack.add_user("U0CSM", "maya@example.com")
    broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    app = build_app(slack_settings(fake_slack), make_session_factory(broken))
    server = serve_in_background(make_wsgi(app, broken))
    host, port = server.server_address[:2]
    try:
        answer = SlackSender(f"http://{host}:{port}/slack/events", fake_slack.response_url(), fake_slack).slash(
            "/account", "x"
        )
        assert answer.status == 200 and answer.seconds < 3
        text = json.loads(answer.body)["text"]  # said in the ack itself: nothing was recorded to answer later
        assert "couldn't take this just now" in text and "try again" in text
    finally:
        server.shutdown()
        server.server_close()

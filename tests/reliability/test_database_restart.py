"""PostgreSQL restarting under load (through a proxy the test takes down and brings back): every request
during the outage is answered in time and told politely to try again, /healthz says so, and once the database is
back the app recovers by itself: no restart, no stuck connections, the next request gets its card."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy.engine import make_url

from bot.db import engine_for, make_session_factory
from bot.runtime.web import serve_in_background
from bot.slack.app import build_app
from bot.slack.web import make_wsgi
from tests.fakes.slack_requests import SlackSender
from tests.fakes.tcp_proxy import TcpProxy
from tests.slack.conftest import slack_settings
from tests.slack.test_account_command import seed


def healthz(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_during_a_database_restart_are_told_to_try_again_and_the_app_recovers(engine, session, fake_slack):
    if engine.dialect.name != "postgresql":
        pytest.skip("a database server to restart: PostgreSQL")
    seed(session)
    fake_slack.add_user("U0CSM", "maya@example.com")
    real = make_url(engine.url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = replace(slack_settings(fake_slack), database_url=url, db_pool_timeout=2)
    proxied = engine_for(settings)
    server = serve_in_background(make_wsgi(build_app(settings, make_session_factory(proxied)), proxied))
    base = "http://{}:{}".format(*server.server_address[:2])
    send = SlackSender(f"{base}/slack/events", fake_slack.response_url(), fake_slack)
    try:
        assert send.slash("/account", "acme").status == 200
        assert "Acme Corporation" in fake_slack.wait_for("response_url", 1)[-1].params["text"]

        proxy.down()  # the restart begins: connections cut, new ones refused
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: send.slash("/account", "acme"), range(16)))
        assert all(a.status == 200 and a.seconds < 3 for a in answers)  # every one answered in time...
        replies = [json.loads(a.body)["text"] for a in answers]  # ... in the ack: nothing was recorded
        assert all("couldn't take this just now" in text and "try again" in text for text in replies)
        assert healthz(base) == 503

        proxy.up()  # back: the pool replaces its dead connections on its own
        assert healthz(base) == 200
        assert send.slash("/account", "acme").status == 200
        back = fake_slack.answers(1 + 16 + 1, timeout=10)[-1]  # in the ack: Tend knows who is asking
        assert back.method == "ack" and "Acme Corporation" in back.params["text"]
        assert len(fake_slack.calls_to("response_url")) == 1  # no refused request was answered behind its back
    finally:
        server.shutdown()
        server.server_close()
        proxied.dispose()
        proxy.close()

"""Logs as an operator reads them from the Procfile's web process (gunicorn): one `key=value` line per request
at LOG_LEVEL, and never what people typed, even in a request refused for its signature."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.fakes.slack_requests import SlackSender
from tests.fakes.slack_server import FakeSlack
from tests.processes import free_port, start, tend_env, wait_until_up
from tests.slack.test_account_command import seed


def test_gunicorn_logs_each_request_in_one_line_and_nothing_people_typed(engine: Engine, session, tmp_path):
    seed(session)
    fake = FakeSlack().start()
    fake.add_user("U0CSM", "maya@example.com", name="Maya Patel")
    port = free_port()
    env = {**tend_env(fake, engine.url.render_as_string(hide_password=False), port), "LOG_LEVEL": "INFO"}
    web = start(["-m", "gunicorn", "app:wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env, tmp_path)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", web)
        send = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url(), fake)
        assert send.slash("/account", "acme").status == 200
        assert "Acme Corporation" in fake.wait_for("response_url")[0].params["text"]
        assert send.slash("/account", "the globex merger is secret", secret="not-the-secret").status == 401
    finally:
        web.terminate()
        _out, log = web.communicate(timeout=30)
        fake.stop()
    assert "kind=command name=/account outcome=done ms=" in log  # Tend's own line, at INFO
    assert "invalid signature or timestamp (body not logged)" in log
    assert "globex" not in log.lower() and "acme" not in log.lower()  # neither the refused text nor the asked one
    assert "xoxb" not in log and "unused" not in log  # no token, no start-up noise about one

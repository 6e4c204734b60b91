"""The real servers, as an operator starts them: `python app.py` (HTTP) and `gunicorn app:wsgi`."""

from __future__ import annotations

import pytest

from bot.db import upgrade
from tests.fakes.slack_requests import SlackSender
from tests.fakes.slack_server import FakeSlack
from tests.processes import ROOT, free_port, start, stop, tend_env, wait_until_up


@pytest.mark.parametrize("server", ["python app.py", "gunicorn app:wsgi"])
def test_the_server_answers_signed_slash_commands(server, tmp_path):
    fake = FakeSlack().start()
    fake.add_user("U0CSM", "maya@example.com")
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    port = free_port()
    command = (
        [str(ROOT / "app.py")]
        if server == "python app.py"
        else [
            "-m",
            "gunicorn",
            "app:wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--chdir",
            str(ROOT),
        ]
    )
    process = start(command, tend_env(fake, url, port), tmp_path)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        answer = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url(), fake).slash(
            "/account", "acme"
        )
        assert answer.status == 200 and answer.seconds < 3
        reply = fake.wait_for("response_url", timeout=10)[0].params
        assert "There are no accounts yet" in reply["text"]
        bad = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url(), fake).slash(
            "/account", "acme", secret="wrong"
        )
        assert bad.status == 401
    finally:
        stop(process)
        fake.stop()
    assert not fake.violations


def test_socket_mode_is_used_when_an_app_token_is_set(tmp_path):
    fake = FakeSlack().start()
    env = {**tend_env(fake, f"sqlite:///{tmp_path / 's.db'}"), "SLACK_APP_TOKEN": "xapp-test"}
    env.pop("SLACK_SIGNING_SECRET", None)
    process = start([str(ROOT / "app.py")], env, tmp_path)
    try:
        opened = fake.wait_for("apps.connections.open", timeout=20)[0]
        assert opened.method == "apps.connections.open"  # asked Slack for a websocket: no HTTP server needed
    finally:
        stop(process)
        fake.stop()

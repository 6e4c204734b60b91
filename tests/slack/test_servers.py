"""The real servers, as an operator starts them: `python app.py` (HTTP) and `gunicorn app:wsgi`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.db import upgrade
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


@pytest.mark.parametrize("server", ["python app.py", "gunicorn app:wsgi"])
def test_the_server_answers_signed_slash_commands(server, tmp_path):
    fake = FakeSlack().start()
    fake.add_user("U0CSM", "maya@example.com")
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "PORT": str(port),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = (
        [sys.executable, str(ROOT / "app.py")]
        if server == "python app.py"
        else [
            sys.executable,
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
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        answer = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url()).slash("/account", "acme")
        assert answer.status == 200 and answer.seconds < 3
        reply = fake.wait_for("response_url", timeout=10)[0].params
        assert "There are no accounts yet" in reply["text"]
        bad = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url()).slash(
            "/account", "acme", secret="wrong"
        )
        assert bad.status == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
        fake.stop()
    assert not fake.violations


def test_socket_mode_is_used_when_an_app_token_is_set(tmp_path):
    fake = FakeSlack().start()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": fake.url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        opened = fake.wait_for("apps.connections.open", timeout=20)[0]
        assert opened.method == "apps.connections.open"  # asked Slack for a websocket: no HTTP server needed
    finally:
        process.terminate()
        process.wait(timeout=10)
        fake.stop()

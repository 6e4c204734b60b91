"""Tend's real processes, started as an operator starts them, for tests that must kill or restart them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tend_env(fake: FakeSlack, database_url: str, port: int | None = None) -> dict[str, str]:
    """The environment of a Tend process talking to `fake` instead of Slack (HTTP mode, no app token)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "PYTHONPATH": str(ROOT),
    }
    if port is not None:
        env["PORT"] = str(port)
    env.pop("SLACK_APP_TOKEN", None)
    return env


def start(command: Sequence[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


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


def kill_hard(process: subprocess.Popen) -> None:
    """kill -9: no shutdown hook, no finally block runs — as when a machine or container dies."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.communicate(timeout=10)


def run_job(name: str, now: str, env: dict[str, str], cwd: Path) -> str:
    """`python -m jobs run NAME --now NOW`, as the clock or an operator runs it; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "jobs", "run", name, "--now", now],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout

"""What the benchmarks share: child processes (so that no party steals another's interpreter lock), a fake
Slack Web API in its own process, free ports, scratch folders."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.slack_requests import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[1]


def child(module: str, *args: str, env_extra: dict[str, str] | None = None, **options: object) -> subprocess.Popen:
    """`python -m module args…` from the project root (with `env_extra` added to its environment)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env, **options)  # type: ignore[call-overload]


def scratch(prefix: str) -> Path:
    """A new folder for a benchmark's database, removed when the benchmark exits (each holds ~100 MB at 100k
    accounts, and left behind they filled /tmp run after run)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def median_round(rounds: list[dict]) -> dict:
    """Each figure's median over the rounds (this machine's speed drifts from one minute to the next)."""
    return {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def serve_forever(app: Any, engine: Any, port: int) -> None:
    """Serve a Bolt app on the threaded WSGI server `python app.py` uses, until killed."""
    from bot.runtime.web import serve
    from bot.slack.web import make_wsgi

    serve(make_wsgi(app, engine), "127.0.0.1", port).serve_forever()


def serve_tend(engine: Any, database_url: str, api_url: str, port: int) -> None:
    """Tend itself, talking to the fake Web API at `api_url`, until killed."""
    from bot.accounts import catalog
    from bot.config import Secret, Settings
    from bot.db import make_session_factory
    from bot.slack.app import build_app

    settings = Settings(
        database_url=database_url,
        slack_bot_token=Secret("xoxb-bench"),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_api_url=api_url,
    )
    factory = make_session_factory(engine)
    catalog.warm_soon(factory)  # as app.py does
    serve_forever(build_app(settings, factory), engine, port)


SLOW_METHODS = ("chat.postMessage", "response_url", "conversations.open", "users.info", "users.lookupByEmail")


def start_fake_slack(latency: float = 0.0) -> tuple[subprocess.Popen, str, str]:
    """The fake Web API (with the demo people and U0BENCH = sam@example.com) in a child process; returns the
    process, its API base URL and a response_url on it. With `latency` (seconds), each call Tend makes for a
    command or a message waits that long before its answer, as Slack's servers do (~0.1–0.3 s)."""
    fake = child("benchmarks.harness", str(latency), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    api_url, response_url = fake.stdout.readline().split()
    return fake, api_url, response_url


def stop_fake_slack(fake: subprocess.Popen) -> None:
    fake.stdin.close()
    fake.wait(timeout=10)


def _serve_fake_slack(latency: float) -> None:
    from bot.demo import PEOPLE
    from tests.fakes.slack_server import FakeSlack

    fake = FakeSlack(check=False).start()
    if latency:
        for method in SLOW_METHODS:
            fake.delay(method, latency)
    fake.add_user("U0BENCH", "sam@example.com", name="Sam Rivera")
    for n, (email, name, *_rest) in enumerate(PEOPLE):
        if email != "sam@example.com":
            fake.add_user(f"U0DEMO{n}", email, name=name)
    print(fake.url, fake.response_url(), flush=True)
    for line in sys.stdin:  # "arrivals" or "posts": what arrived since the last ask (then forgotten)
        if line.strip() in ("arrivals", "posts"):
            calls, fake.calls[:] = list(fake.calls), []
        if line.strip() == "arrivals":  # when each response_url post arrived, by token
            print(json.dumps({c.to: c.at for c in calls if c.method == "response_url"}), flush=True)
        elif line.strip() == "posts":  # each posted message: channel, its whole payload as text, when
            posted = [
                (c.params.get("channel", ""), json.dumps(c.params), c.at)
                for c in calls
                if c.method == "chat.postMessage"
            ]
            print(json.dumps(posted), flush=True)


def arrivals(fake: subprocess.Popen) -> dict[str, float]:
    """When each answer reached the fake's response_url (by its token, `time.monotonic()`: comparable across
    processes on one machine), since the last call."""
    fake.stdin.write("arrivals\n")
    fake.stdin.flush()
    return dict(json.loads(fake.stdout.readline()))


def posts(fake: subprocess.Popen) -> list[tuple[str, str, float]]:
    """Every chat.postMessage since the last call: (channel, payload as JSON text, `time.monotonic()` of arrival)."""
    fake.stdin.write("posts\n")
    fake.stdin.flush()
    return [tuple(post) for post in json.loads(fake.stdout.readline())]  # type: ignore[misc]


if __name__ == "__main__":
    _serve_fake_slack(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)

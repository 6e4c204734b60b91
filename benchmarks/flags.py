"""Flags raised per second through the HTTP endpoint, side by side with a bare Bolt app, and outbox delivery.

    python -m benchmarks.flags [--requests 400] [--concurrency 8] [--database-url URL]

Both apps run in their own process on the same threaded WSGI server, with their WebClient pointed at a fake
Slack Web API on 127.0.0.1; this process sends correctly signed `/flag` commands from `concurrency` threads.
- bare: a Bolt app whose listener acks and inserts one row (the floor any Slack app pays);
- tend: Tend itself: identity (cached after the first request), account split, classifier, routing, the
  flag and its outbox rows in one transaction, the reply through response_url, then the team post and the
  CSM's DM delivered at once.
Reported: acks per second as Slack sees them, and completed flags per second (all work done, all messages
sent). Then the outbox alone: messages delivered per second by one deliverer.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.gateway import Target
from bot.messages import Reply, Section
from bot.models import Notification
from bot.services import outbox
from bot.services.delivery import deliver_due
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender
from tests.fakes.slack_server import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def serve(kind: str, database_url: str, api_url: str, port: int) -> None:
    """Runs in the child process: one app, served until killed."""
    from slack_bolt import App  # noqa: TID251 - the bare comparison app is plain Bolt on purpose
    from slack_sdk import WebClient  # noqa: TID251

    from bot.config import Secret, Settings
    from bot.slack.app import build_app
    from bot.slack.web import make_wsgi
    from bot.slack.web import serve as http_serve

    engine = make_engine(database_url)
    if kind == "bare":
        app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=SIGNING_SECRET)

        @app.command("/flag")
        def bare(ack, body) -> None:
            ack()
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO bench_bare (ref) VALUES (:ref)"), {"ref": body["trigger_id"]})
    else:
        settings = Settings(
            database_url=database_url,
            slack_bot_token=Secret("xoxb-bench"),
            slack_signing_secret=Secret(SIGNING_SECRET),
            slack_api_url=api_url,
        )
        app = build_app(settings, make_session_factory(engine))
    http_serve(make_wsgi(app, engine), "127.0.0.1", port).serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(database_url: str) -> None:
    upgrade(database_url)
    from bot import demo

    factory = make_session_factory(make_engine(database_url))
    with session_scope(factory) as session:
        demo.seed(session, datetime.now(UTC).date())
    engine = create_engine(database_url)
    with engine.begin() as connection:
        key = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS bench_bare (id {key}, ref VARCHAR(64))"))
    engine.dispose()


def count(database_url: str, kind: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        if kind == "bare":
            found = connection.scalar(text("SELECT count(*) FROM bench_bare"))
        else:
            found = connection.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "sent")
            )
    engine.dispose()
    return int(found or 0)


def run(kind: str, database_url: str, fake: FakeSlack, requests: int, concurrency: int) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.flags", "serve", kind, database_url, fake.url, str(port)], cwd=ROOT, env=env
    )
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake.response_url())
    from bot.demo import PEOPLE

    fake.add_user("U0BENCH", "sam@example.com", name="Sam Rivera")
    for n, (email, name, *_rest) in enumerate(PEOPLE):
        if email != "sam@example.com":
            fake.add_user(f"U0DEMO{n}", email, name=name)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    sender.slash("/flag", "acme warm-up: invoice charged twice", user_id="U0BENCH")  # warm caches and identity
    time.sleep(1)
    baseline = count(database_url, kind)
    texts = ["invoice charged twice", "users can't log in", "wants more seats", "new admins need onboarding"]
    latencies: list[float] = []
    lock = threading.Lock()

    late: list[int] = []  # requests Bolt could not ack within Slack's 3 seconds (it answers 404)

    def one(n: int) -> None:
        answer = sender.slash("/flag", f"acme {texts[n % 4]} (request {n})", user_id="U0BENCH")
        with lock:
            latencies.append(answer.seconds)
            if answer.status != 200:
                late.append(n)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    acked = time.monotonic() - started
    expected = baseline + (requests - len(late)) * (1 if kind == "bare" else 2)  # tend: team post + CSM DM
    while count(database_url, kind) < expected and time.monotonic() - started < 120:
        time.sleep(0.05)
    done = time.monotonic() - started
    child.terminate()
    child.wait(timeout=10)
    latencies.sort()
    return {
        "acks_per_s": requests / acked,
        "done_per_s": requests / done,
        "late": len(late),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def delivery(database_url: str, fake: FakeSlack, messages: int) -> float:
    from bot.config import Secret, Settings
    from bot.slack.app import make_gateway

    factory = make_session_factory(make_engine(database_url))
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        for n in range(messages):
            outbox.enqueue(
                session,
                f"bench:{n}:{now.timestamp()}",
                Target("channel", "#billing"),
                Reply(f"message {n}", blocks=(Section(f"message {n}"),), private=False),
                now,
            )
    gateway = make_gateway(Settings(slack_bot_token=Secret("xoxb-bench"), slack_api_url=fake.url))
    started = time.monotonic()
    report = deliver_due(factory, gateway, now, limit=messages)
    assert report.sent == messages, report
    return messages / (time.monotonic() - started)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(*sys.argv[2:5], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    fake = FakeSlack().start()
    results = {}
    for kind in ("bare", "tend"):
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix=f'tend-{kind}-')}/bench.db"
        prepare(url)
        results[kind] = run(kind, url, fake, args.requests, args.concurrency)
    rate = delivery(url, fake, args.messages)
    fake.stop()
    print(
        f"/flag over HTTP, {args.requests} requests at concurrency {args.concurrency} "
        f"({(args.database_url or 'sqlite').split(':')[0]})"
    )
    print(f"{'app':6} {'acks/s':>8} {'flags done/s':>13} {'p50 ms':>8} {'p99 ms':>8} {'acks > 3 s':>10}")
    for kind, r in results.items():
        print(
            f"{kind:6} {r['acks_per_s']:8.1f} {r['done_per_s']:13.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['late']:10d}"
        )
    bare, tend = results["bare"], results["tend"]
    acks, done = tend["acks_per_s"] / bare["acks_per_s"], tend["done_per_s"] / bare["done_per_s"]
    print(f"ratio  acks {acks:.2f}x, done {done:.2f}x (target ≥ 0.8x)")
    print(f"outbox delivery: {rate:.0f} messages/s to the fake Web API (one deliverer, {args.messages} messages)")


if __name__ == "__main__":
    main()

"""Flags raised per second through the HTTP endpoint, side by side with a bare Bolt app, and outbox delivery.

    python -m benchmarks.flags [--requests 300] [--concurrency 8] [--rounds 3] [--database-url URL]
                               [--slack-latency MS]

Three kinds of process, so that none steals another's interpreter lock:
- the app under test, on the threaded WSGI server `python app.py` uses, its WebClient and response_url on
- a fake Slack Web API (its own process), while
- this process sends correctly signed `/flag` commands from `concurrency` threads.
The apps, measured in alternating rounds (the median round is reported, as this machine's speed drifts):
- bare: a Bolt app whose listener acks and inserts one row (the floor any Slack app pays);
- tend: Tend itself. For someone it knows (all but the warm-up request here), the listener files the flag
  inside the ack when it gets its turn: it resolves the user, splits account and text, classifies, routes,
  times the SLA, writes the flag, its outbox rows and the request's inbox record (answered) in one
  transaction, and the confirmation is the ack's body; the team post and the CSM's DM are delivered after.
  A request that gets no turn in time is acked once recorded in the inbox (one row) and answered through
  response_url after the ack.
Then, Tend alone at concurrency 1 (`--latency N` requests, one after another): how long after its request a
flag's team post and the CSM's DM reached Slack, with the web process alone and with a long-lived deliverer
(`python -m jobs deliverer`) beside it.
Reported per app: acks/s; "raised/s", requests acked *and* durably recorded per second (from that row on a
flag survives a crash: the `requests` job finishes it; a flag filed inside its ack is committed before it);
"done/s", requests whose work is complete (bare: the same row; tend: both messages delivered); ack and
answer times (the answer: the ack when its body is the confirmation, else its arrival at response_url; the
bare app says nothing after its ack) and the share of confirmations given in the ack. Then the outbox
alone: messages delivered per second, all to one channel (sent in order, one at a time) and spread over 100
(up to 8 channels at once).
With `--slack-latency MS` the fake answers each call a flag makes that much later, as Slack's servers do.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks import harness
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import Target
from bot.messages import Reply, Section
from bot.models import InboundRequest, Notification
from bot.text import plural
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ("invoice charged twice", "users can't log in", "wants more seats", "new admins need onboarding")
METRICS = ("acks", "raised", "done")


def serve(kind: str, database_url: str, api_url: str, port: int) -> None:
    """Runs in a child process: one app, served until killed."""
    from slack_bolt import App  # noqa: TID251 - the bare comparison app is plain Bolt on purpose
    from slack_sdk import WebClient  # noqa: TID251

    engine = make_engine(database_url)
    if kind == "bare":
        app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=SIGNING_SECRET)

        @app.command("/flag")
        def bare(ack, body) -> None:
            ack()
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO bench_bare (ref) VALUES (:ref)"), {"ref": body["trigger_id"]})

        harness.serve_forever(app, engine, port)
    else:
        harness.serve_tend(engine, database_url, api_url, port)


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


def count(database_url: str, kind: str, what: str) -> int:
    """Rows that show progress: requests `raised` (the bare app's one row; Tend's inbox row) or `done` (the
    bare app's row again; Tend's delivered messages)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        if kind == "bare":
            found = connection.scalar(text("SELECT count(*) FROM bench_bare"))
        elif what == "raised":
            found = connection.scalar(select(func.count()).select_from(InboundRequest))
        else:
            found = connection.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "sent")
            )
    engine.dispose()
    return int(found or 0)


def wait_until(database_url: str, kind: str, what: str, expected: int, started: float) -> float:
    while count(database_url, kind, what) < expected and time.monotonic() - started < 300:
        time.sleep(0.02)
    return time.monotonic() - started


def run(kind: str, database_url: str, api_url: str, fake, requests: int, concurrency: int) -> dict:
    port = harness.free_port()
    app = harness.child("benchmarks.flags", "serve", kind, database_url, api_url, str(port))
    origin, app_url = api_url.removesuffix("/api/"), f"http://127.0.0.1:{port}/slack/events"
    harness.wait_for_port(port)
    warm_up = SlackSender(app_url, f"{origin}/response/warm-up")
    warm_up.slash("/flag", "acme warm-up: invoice charged twice", user_id="U0BENCH")  # warm caches and identity
    time.sleep(1)
    harness.arrivals(fake)  # forget the warm-up's calls
    raised_before, done_before = count(database_url, kind, "raised"), count(database_url, kind, "done")
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    in_ack: set[str] = set()
    late: list[int] = []  # requests Bolt could not ack within Slack's 3 seconds (it answers 404)
    lock = threading.Lock()

    def one(n: int) -> None:
        token = f"{kind}{next(_tokens)}"
        sender = SlackSender(app_url, f"{origin}/response/{token}")
        started = time.monotonic()
        answer = sender.slash("/flag", f"acme {TEXTS[n % 4]} (request {n})", user_id="U0BENCH")
        with lock:
            sent[token], acked[token] = started, time.monotonic()
            if answer.body.startswith("{"):  # the confirmation is the ack's body
                in_ack.add(token)
            if answer.status != 200:
                late.append(n)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    acked_all = time.monotonic() - started
    accepted = requests - len(late)
    raised = wait_until(database_url, kind, "raised", raised_before + accepted, started)
    per_flag = 1 if kind == "bare" else 2  # tend: the team post and the CSM's DM
    done = wait_until(database_url, kind, "done", done_before + accepted * per_flag, started)
    time.sleep(0.5 if kind == "tend" else 0)  # the last answers through response_url
    arrived = harness.arrivals(fake)
    app.terminate()
    app.wait(timeout=10)
    # What the person waits for: bare says nothing after its ack; Tend's confirmation is its ack's body, or
    # comes through response_url.
    answered = {t: acked[t] if kind == "bare" or t in in_ack else arrived.get(t) for t in sent}
    waits = sorted(at - sent[t] for t, at in answered.items() if at is not None)
    acks = sorted(acked[t] - sent[t] for t in sent)
    return {
        "acks": requests / acked_all,
        "raised": accepted / raised,
        "done": accepted / done,
        "late": len(late),
        "p50_ms": statistics.median(acks) * 1000,
        "p99_ms": acks[int(len(acks) * 0.99) - 1] * 1000,
        "answer_p50_ms": waits[len(waits) // 2] * 1000 if waits else float("nan"),
        "answer_p99_ms": waits[max(int(len(waits) * 0.99) - 1, 0)] * 1000 if waits else float("nan"),
        "in_ack": len(in_ack) / requests,
        "unanswered": requests - len(waits),
    }


_tokens = itertools.count(1)  # response_url tokens stay unique across rounds


def latency(database_url: str, api_url: str, response_url: str, fake, requests: int, deliverer: bool) -> dict:
    """Seconds from each request to its team post and to the CSM's DM reaching the fake, at concurrency 1."""
    port = harness.free_port()
    app = harness.child("benchmarks.flags", "serve", "tend", database_url, api_url, str(port))
    helper = None
    if deliverer:
        env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": api_url}
        helper = harness.child("jobs", "deliverer", env_extra=env, stderr=subprocess.DEVNULL)
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", response_url)
    harness.wait_for_port(port)
    sender.slash("/flag", "acme warm-up: invoice charged twice", user_id="U0BENCH")
    time.sleep(1)
    harness.posts(fake)
    sent: dict[str, float] = {}
    for n in range(requests):
        marker = f"(latency {n})"
        sent[marker] = time.monotonic()
        sender.slash("/flag", f"acme {TEXTS[n % 4]} {marker}", user_id="U0BENCH")
        time.sleep(0.05)  # a person's pace, not a rush: each request meets an idle process
    time.sleep(GRACE)
    team: list[float] = []
    dm: list[float] = []
    for channel, payload, at in harness.posts(fake):
        marker = next((m for m in sent if m in payload), None)
        if marker is not None:
            (dm if channel[:1] in ("U", "D") else team).append(at - sent[marker])
    app.terminate()
    app.wait(timeout=10)
    if helper is not None:
        helper.terminate()
        helper.wait(timeout=20)
    return {"team": sorted(team), "dm": sorted(dm), "requests": requests}


GRACE = 5.0  # seconds after the last request for its messages to arrive


def delivery(database_url: str, api_url: str, messages: int, conversations: int) -> float:
    """Messages a second one delivery run sends, spread over `conversations` channels (each channel's in
    order, up to 8 channels at once)."""
    from bot.config import Secret, Settings
    from bot.slack.app import make_gateway

    factory = make_session_factory(make_engine(database_url))
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        for n in range(messages):
            outbox.enqueue(
                session,
                f"bench:{n}:{now.timestamp()}",
                Target("slack", "channel", f"#team-{n % conversations}"),
                Reply(f"message {n}", blocks=(Section(f"message {n}"),), private=False),
                now,
            )
    gateway = make_gateway(Settings(slack_bot_token=Secret("xoxb-bench"), slack_api_url=api_url))
    started = time.monotonic()
    report = deliver_due(factory, gateway, now, limit=messages)
    assert report.sent == messages, report
    return messages / (time.monotonic() - started)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(*sys.argv[2:5], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--latency", type=int, default=200, metavar="N", help="requests for the c=1 post latency")
    parser.add_argument("--slack-latency", type=float, default=0, metavar="MS", help="each Web API call's wait")
    args = parser.parse_args()
    fake, api_url, response_url = harness.start_fake_slack(args.slack_latency / 1000)
    urls = {}
    for kind in ("bare", "tend"):
        urls[kind] = args.database_url or f"sqlite:///{harness.scratch(f'tend-{kind}-')}/bench.db"
        prepare(urls[kind])
    rounds: dict[str, list[dict]] = {"bare": [], "tend": []}
    for _ in range(args.rounds):
        for kind in ("bare", "tend"):
            rounds[kind].append(run(kind, urls[kind], api_url, fake, args.requests, args.concurrency))
    latencies = {
        helped: latency(urls["tend"], api_url, response_url, fake, args.latency, helped) for helped in (False, True)
    }
    rates = {spread: delivery(urls["tend"], api_url, args.messages, spread) for spread in (1, 100)}
    harness.stop_fake_slack(fake)
    database = (args.database_url or "sqlite").split(":")[0]
    print(f"/flag over HTTP, {args.requests} requests at concurrency {args.concurrency}, {database}, ", end="")
    print(f"median of {args.rounds} alternating rounds")
    header = ("acks/s", "raised/s", "done/s", "ack p50", "ack p99", "late", "answer p50", "answer p99", "in ack")
    print(f"{'app':6} " + " ".join(f"{h:>10}" for h in header) + "  (ms; bare says nothing after its ack)")
    results = {kind: harness.median_round(r) for kind, r in rounds.items()}
    for kind, r in results.items():
        print(
            f"{kind:6} {r['acks']:10.1f} {r['raised']:10.1f} {r['done']:10.1f} {r['p50_ms']:10.1f} "
            f"{r['p99_ms']:10.1f} {r['late']:10.0f} {r['answer_p50_ms']:10.1f} {r['answer_p99_ms']:10.1f} "
            f"{r['in_ack']:10.0%}" + (f"  {r['unanswered']} unanswered" if r["unanswered"] else "")
        )
    ratios = ", ".join(f"{m} {results['tend'][m] / results['bare'][m]:.2f}x" for m in METRICS)
    print(f"tend/bare: {ratios} (targets: raised ≥ 0.8x, done ≥ 0.5x)")
    by_round = {kind: " ".join(f"{r['raised']:.0f}" for r in rounds[kind]) for kind in rounds}
    print(f"raised/s by round: bare {by_round['bare']}; tend {by_round['tend']}")
    print(f"c=1, {args.latency} flags: request → message at Slack (target: team post p99 ≤ 1 s)")
    for helped, found in latencies.items():
        for what in ("team", "dm"):
            values = found[what]
            setup = "web + deliverer" if helped else "web alone"
            line = f"  {setup:16} {what:5} arrived {len(values)}/{found['requests']}"
            if values:
                p50, p99 = values[len(values) // 2], values[max(int(len(values) * 0.99) - 1, 0)]
                line += f", p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms"
            print(line)
    for spread, rate in rates.items():
        print(
            f"outbox delivery: {rate:.0f} messages/s to the fake Web API (one deliverer, {args.messages} messages "
            f"to {plural(spread, 'channel')})"
        )


if __name__ == "__main__":
    main()

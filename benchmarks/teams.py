"""`account` over Teams' /api/messages: Tend beside a bare Teams SDK bot that answers with a card, one run.

    python -m benchmarks.teams [--accounts 20000] [--requests 1000] [--concurrency 8] [--rounds 3]
                               [--database-url URL]

Processes, so that none steals another's interpreter lock: a fake Bot Connector, token authority and key
server (tests/fakes/teams_server.py) in one; each bot in its own; this process sends signed `account <name>`
messages from `concurrency` threads, each in its own conversation, so that each answer can be timed from
the moment it was sent to the moment the connector received it (what the person waits for).
- bare: the Teams SDK's own App (FastAPI under uvicorn, its JWT validation) whose message handler does one
  indexed read (the account by its folded name) and sends a one-line Adaptive Card: the floor any Teams bot
  built on the SDK pays. It answers before Teams hears 200.
- tend: Tend's web process (its WSGI server, as `python app.py`): verify the JWT, record the activity in the
  inbox, 200; after the ack: who is asking (cached), fuzzy search, the status card, the answer through the
  outbox to the connector.
Columns: "acks/s" and the ack's p50/p99 are what Teams sees; "answer p50/p99" is from sending to the answer's
arrival at the connector; "done/s" counts requests whose answer arrived; "alone p50" is the answer's time for
one person asking at a time (30 lookups, each sent once the previous answer arrived).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import harness
from benchmarks.compare import prepare


def serve(kind: str, database_url: str, origin: str, port: int) -> None:
    """Runs in a child process: one bot, served until killed."""
    from tests.fakes.teams_server import APP_ID, BOT_TOKEN, TENANT

    if kind == "bare":
        _serve_bare(database_url, origin, port)
        return
    from bot.config import Secret, Settings
    from bot.db import make_engine, make_session_factory
    from bot.platforms import gateways
    from bot.runtime.web import make_wsgi
    from bot.runtime.web import serve as serve_wsgi
    from bot.teams import platform
    from bot.teams.auth import IncomingAuth
    from bot.teams.web import PATH, endpoint

    assert BOT_TOKEN
    settings = Settings(
        database_url=database_url,
        teams_app_id=APP_ID,
        teams_app_password=Secret("bench-secret"),
        teams_tenant_id=TENANT,
        teams_openid_metadata_url=f"{origin}/v1/.well-known/openidconfiguration",
        teams_login_url=origin,
        teams_service_url=f"{origin}/",
    )
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    out = gateways(settings, factory, [platform.PLATFORM])
    app = endpoint(platform.runtime(settings, factory, out), IncomingAuth(settings))
    serve_wsgi(make_wsgi(engine, {PATH: app}), "127.0.0.1", port).serve_forever()


def _serve_bare(database_url: str, origin: str, port: int) -> None:
    import asyncio

    from microsoft_teams.api.activities.message.message import MessageActivityInput  # noqa: TID251
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides  # noqa: TID251
    from microsoft_teams.apps import App  # noqa: TID251
    from sqlalchemy import text

    from bot.db import make_engine
    from bot.text import fold
    from tests.fakes.teams_server import APP_ID, BOT_TOKEN

    engine = make_engine(database_url)
    lookup = text("SELECT id, name, health_score FROM account WHERE name_key = :key")
    cloud = with_overrides(PUBLIC, openid_metadata_url=f"{origin}/v1/.well-known/openidconfiguration")
    app = App(
        client_id=APP_ID,
        token=lambda *_args, **_kwargs: BOT_TOKEN,
        cloud=cloud,
        service_url=f"{origin}/",
        dangerously_allow_unauthenticated_requests=False,
    )

    @app.on_message
    async def answer(ctx) -> None:  # type: ignore[no-untyped-def]
        name = (ctx.activity.text or "").partition(" ")[2]
        with engine.connect() as connection:
            row = connection.execute(lookup, {"key": fold(name)}).first()
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": str(row)}]}
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        await ctx.send(MessageActivityInput.model_validate({"type": "message", "attachments": [attachment]}))

    asyncio.run(app.start(port))


def _serve_fake() -> None:
    """Runs in a child process: the fake Microsoft side. Prints its origin and a signed token for the load
    generator; on "dump", prints when each conversation's answer arrived."""
    from tests.fakes.teams_server import FakeTeams

    fake = FakeTeams().start()
    fake.add_member("29:bench", "sam@example.com", name="Sam Rivera")  # a full member in the people list
    print(fake.origin, fake.mint(), flush=True)
    for line in sys.stdin:
        if line.strip() == "dump":
            arrived = {c.path.split("/")[3]: c.at for c in fake.calls if c.path.endswith("/activities")}
            print(json.dumps(arrived), flush=True)


def activity(origin: str, n: int, name: str) -> dict:
    from tests.fakes.teams_server import APP_ID, TENANT

    return {
        "type": "message",
        "id": f"bench-{n}",
        "serviceUrl": f"{origin}/",
        "channelId": "msteams",
        "from": {"id": "29:bench", "name": "Sam Rivera"},
        "conversation": {"id": f"a:bench-{n}", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": f"28:{APP_ID}", "name": "Tend"},
        "text": f"account {name}",
    }


def load(url: str, origin: str, token: str, names: list[str], first: int, count: int, concurrency: int) -> dict:
    sent: dict[str, float] = {}
    acks: list[float] = []
    failed = 0
    lock = threading.Lock()
    rng = random.Random(concurrency)

    def one(n: int) -> None:
        nonlocal failed
        body = json.dumps(activity(origin, n, rng.choice(names))).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {token}")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                ok = answer.status == 200
        except OSError:
            ok = False
        with lock:
            sent[f"a:bench-{n}"] = started
            acks.append(time.monotonic() - started)
            failed += not ok

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(first, first + count)))
    acked = time.monotonic() - started
    return {"sent": sent, "acks": sorted(acks), "acked": acked, "started": started, "failed": failed}


def arrivals(fake: subprocess.Popen) -> dict[str, float]:
    fake.stdin.write("dump\n")
    fake.stdin.flush()
    return dict(json.loads(fake.stdout.readline()))


def paced(url: str, fake: subprocess.Popen, origin: str, token: str, names: list[str], first: int, count: int) -> list:
    """One person at a time: each lookup sent once the previous answer arrived; seconds to each answer."""
    waited = []
    for n in range(first, first + count):
        run = load(url, origin, token, names, n, 1, 1)
        [(conversation, sent)] = run["sent"].items()
        deadline = time.monotonic() + 30
        while conversation not in (arrived := arrivals(fake)) and time.monotonic() < deadline:
            time.sleep(0.002)
        waited.append(arrived.get(conversation, deadline) - sent)
    return waited


def percentile(values: list[float], share: float) -> float:
    return values[max(int(len(values) * share) - 1, 0)] * 1000 if values else float("nan")


def measure(kind: str, url: str, fake: subprocess.Popen, origin: str, token: str, names: list[str], args) -> dict:
    port = harness.free_port()
    bot = harness.child("benchmarks.teams", "serve", kind, url, origin, str(port))
    try:
        harness.wait_for_port(port)
        endpoint = f"http://127.0.0.1:{port}/api/messages"
        first = measure.counter  # type: ignore[attr-defined]
        load(endpoint, origin, token, names, first, 20, 2)  # warm-up: catalogue, identity, connections
        time.sleep(1)
        run = load(endpoint, origin, token, names, first + 20, args.requests, args.concurrency)
        measure.counter += args.requests + 20  # type: ignore[attr-defined]
        deadline = time.monotonic() + 120
        while True:
            arrived = arrivals(fake)
            answered = [arrived[c] - s for c, s in run["sent"].items() if c in arrived]
            if len(answered) == len(run["sent"]) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        last = max((arrived[c] for c in run["sent"] if c in arrived), default=run["started"])
        answered.sort()
        first = measure.counter  # type: ignore[attr-defined]
        alone = sorted(paced(endpoint, fake, origin, token, names, first, 30))
        measure.counter += 30  # type: ignore[attr-defined]
        return {
            "acks/s": args.requests / run["acked"],
            "ack p50": percentile(run["acks"], 0.5),
            "ack p99": percentile(run["acks"], 0.99),
            "answer p50": percentile(answered, 0.5),
            "answer p99": percentile(answered, 0.99),
            "done/s": len(answered) / max(last - run["started"], 1e-9),
            "alone p50": percentile(alone, 0.5),
            "unanswered": len(run["sent"]) - len(answered),
            "failed": run["failed"],
        }
    finally:
        bot.terminate()
        bot.wait(timeout=10)


measure.counter = 0  # type: ignore[attr-defined]  # activity ids stay unique across rounds


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "fake":
        _serve_fake()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
        names = prepare(url, args.accounts)
        fake = harness.child("benchmarks.teams", "fake", stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            origin, token = fake.stdout.readline().split()
            rounds: dict[str, list[dict]] = {"bare": [], "tend": []}
            for _ in range(args.rounds):  # alternating: this machine's speed drifts
                for kind in rounds:
                    rounds[kind].append(measure(kind, url, fake, origin, token, names, args))
        finally:
            fake.stdin.close()
            fake.wait(timeout=10)
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"\n`account` over /api/messages, {args.accounts:,} accounts, {args.requests:,} requests at "
        f"c={args.concurrency}, median of {args.rounds} rounds ({database})\n"
    )
    columns = list(rounds["bare"][0])
    print("| bot | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind, results in rounds.items():
        median = harness.median_round(results)
        print(f"| {kind} | " + " | ".join(f"{median[c]:.1f}" for c in columns) + " |")


if __name__ == "__main__":
    main()

"""Tend against a bare Bolt app, side by side in one run: `/account` over HTTP at concurrency 1, 8 and 32.

    python -m benchmarks.compare [--accounts 100000] [--requests 10000] [--rounds 3] [--levels 1,8,32]
                                 [--database-url URL]

One database with N accounts imported through the real importer serves the three apps, each in its own process on
the threaded WSGI server `python app.py` uses; a fake Slack Web API runs in another process, and this process
is the load generator (correctly signed slash commands from `concurrency` threads).
- bare: a Bolt app whose `/account` listener acks and does one indexed read (the account by its folded name),
  with Bolt's defaults (Slack's answer waits, in 10 ms polling steps, for ack() on Bolt's listener pool);
- bare-inline: the same with `process_before_response=True`, the setting Tend uses (the listener runs on the
  request's thread and Slack's answer goes out when it returns);
- tend: Tend itself (ack, record in the inbox; after the ack: who is asking, fuzzy search, the status card,
  the answer through response_url).
Throughput is acks per second (what Slack sees), latency is the ack's. Tend's resident memory is sampled
every 2,000 requests of the long run at concurrency 8 and once its work has drained.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks import harness
from benchmarks.account_lookup import TODAY, build_files
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.imports import import_csv
from bot.models import InboundRequest
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender


def serve(kind: str, database_url: str, api_url: str, port: int) -> None:
    """Runs in a child process: one app, served until killed."""
    from slack_bolt import App  # noqa: TID251 - the bare comparison app is plain Bolt on purpose
    from slack_sdk import WebClient  # noqa: TID251

    from bot.text import fold

    engine = make_engine(database_url)
    if kind.startswith("bare"):
        app = App(
            client=WebClient(token="xoxb-bench", base_url=api_url),
            signing_secret=SIGNING_SECRET,
            process_before_response=kind == "bare-inline",
        )
        lookup = text("SELECT id, name, health_score FROM account WHERE name_key = :key")

        @app.command("/account")
        def bare(ack, body) -> None:
            ack()
            with engine.connect() as connection:
                connection.execute(lookup, {"key": fold(body.get("text", ""))}).first()

        harness.serve_forever(app, engine, port)
    else:
        harness.serve_tend(engine, database_url, api_url, port)


def prepare(database_url: str, accounts: int) -> list[str]:
    upgrade(database_url)
    people, rows, names = build_files(accounts, random.Random(3))
    factory = make_session_factory(make_engine(database_url))
    with session_scope(factory) as session:
        import_csv(session, "people", people, today=TODAY)
    with session_scope(factory) as session:
        import_csv(session, "accounts", rows, today=TODAY)
    return names


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def inbox_pending(database_url: str) -> int:
    """Tend's requests still being worked on after their ack."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        pending = connection.scalar(
            select(func.count()).select_from(InboundRequest).where(InboundRequest.status == "working")
        )
    engine.dispose()
    return int(pending or 0)


def load(
    sender: SlackSender, names: list[str], requests: int, concurrency: int, every: Callable[[int], None] | None = None
) -> dict:
    latencies: list[float] = []
    failed = 0
    lock = threading.Lock()
    rng = random.Random(concurrency)
    queries = [rng.choice(names) for _ in range(requests)]

    def one(n: int) -> None:
        nonlocal failed
        try:
            answer = sender.slash("/account", queries[n], user_id="U0BENCH")
            seconds, ok = answer.seconds, answer.status == 200
        except OSError:  # refused or reset: counted, not fatal
            seconds, ok = 10.0, False
        with lock:
            latencies.append(seconds)
            failed += not ok
            if every is not None and len(latencies) % 2000 == 0:
                every(len(latencies))

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    seconds = time.monotonic() - started
    latencies.sort()
    return {
        "rps": requests / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000,
        "failed": failed,
    }


def measure(
    kind: str, url: str, api_url: str, response_url: str, names: list[str], long: int, levels: tuple[int, ...]
) -> dict:
    port = harness.free_port()
    app = harness.child("benchmarks.compare", "serve", kind, url, api_url, str(port))
    try:
        return _measure(app, port, kind, url, response_url, names, long, levels)
    finally:
        app.terminate()
        app.wait(timeout=10)


def _measure(
    app, port: int, kind: str, url: str, response_url: str, names: list[str], long: int, levels: tuple[int, ...]
) -> dict:
    """One app through every concurrency level of this run, then its RSS once its work has drained."""
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", response_url)
    harness.wait_for_port(port)
    for name in names[:20]:  # warm-up: the catalogue, the identity cache, connections
        sender.slash("/account", name, user_id="U0BENCH")
    time.sleep(2)
    results: dict = {"rss": []}
    results["rss"].append(("after warm-up", rss_mb(app.pid)))
    for level in levels:
        count = long if level == 8 else max(long // 5, 200)
        sample = (lambda n: results["rss"].append((f"after {n:,} requests", rss_mb(app.pid)))) if level == 8 else None
        results[level] = load(sender, names, count, level, sample)
    if kind == "tend":
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and inbox_pending(url):
            time.sleep(0.5)
        results["drained"] = not inbox_pending(url)
        results["rss"].append(("work drained", rss_mb(app.pid)))
    return results


APPS = ("bare", "bare-inline", "tend")


def median_results(rounds: list[dict], levels: tuple[int, ...]) -> dict:
    return {level: harness.median_round([r[level] for r in rounds]) for level in levels}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10_000, help="requests of the long run at concurrency 8")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; each figure is their median")
    parser.add_argument("--levels", default="1,8,32", help="the concurrency levels to measure, e.g. 1,8")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    levels = tuple(int(level) for level in args.levels.split(","))
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='tend-compare-')}/compare.db"
    names = prepare(url, args.accounts)
    fake, api_url, response_url = harness.start_fake_slack()
    rounds: dict[str, list[dict]] = {kind: [] for kind in APPS}
    try:
        for _ in range(args.rounds):
            for kind in APPS:
                rounds[kind].append(measure(kind, url, api_url, response_url, names, args.requests, levels))
    finally:
        harness.stop_fake_slack(fake)
    report(url, args, rounds, levels)


def report(url: str, args: argparse.Namespace, rounds: dict[str, list[dict]], levels: tuple[int, ...]) -> None:
    results = {kind: median_results(runs, levels) for kind, runs in rounds.items()}
    print(
        f"/account over HTTP on {url.split(':')[0]}, {args.accounts:,} accounts, {datetime.now(UTC):%Y-%m-%d}, "
        f"median of {args.rounds} alternating round(s)"
    )
    print(f"{'c':>3} {'app':<12} {'req/s':>8} {'p50':>8} {'p99':>8} {'failed':>7}   Tend's ratio (req/s, p99)")
    for level in levels:
        tend = results["tend"][level]
        for kind in APPS:
            r = results[kind][level]
            ratio = "" if kind == "tend" else f"   {tend['rps'] / r['rps']:.2f}x, {tend['p99'] / r['p99']:.2f}x"
            print(
                f"{level:>3} {kind:<12} {r['rps']:>8.1f} {r['p50']:>6.1f}ms {r['p99']:>6.1f}ms "
                f"{r['failed']:>7.0f}{ratio}"
            )
    print("targets at c=8 against bare: throughput ≥ 0.8x, p99 ≤ 1.3x; Tend RSS under 150 MB and flat")
    for n, run in enumerate(rounds["tend"], 1):
        drained = "" if run["drained"] else " (work NOT drained after 5 minutes)"
        print(f"tend RSS, round {n}: " + ", ".join(f"{label} {mb:.0f} MB" for label, mb in run["rss"]) + drained)
    worst = max(mb for run in rounds["bare"] for _label, mb in run["rss"])
    print(f"bare RSS: at most {worst:.0f} MB")


if __name__ == "__main__":
    main()

"""Several Tend processes against one PostgreSQL, as production runs them: N web processes behind a
round-robin balancer (the load generator picks each one in turn) and M long-lived deliverers, taking a
`/flag` rush. It checks that nothing is doubled or lost (one flag per request, exactly one team post and one
DM each), and measures what each added process brings on this machine.

    python -m benchmarks.deployment --database-url postgresql+psycopg://… [--requests 600] [--concurrency 8]
                                    [--setups 1x0,2x0,1x1,2x2]

A setup "WxD" is W web processes (each `python app.py`'s threaded server, as in benchmarks.flags) and D
deliverers (`python -m jobs deliverer`). The database is emptied first: never point it at data you keep.
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, text

from benchmarks import harness
from benchmarks.flags import TEXTS, prepare
from bot.db import make_engine
from bot.models import Flag, Notification
from tests.fakes.slack_requests import SlackSender

SETTLE = 120.0  # seconds at most for every message to arrive after the rush


def run(
    url: str, api_url: str, response_url: str, fake, webs: int, deliverers: int, requests: int, concurrency: int
) -> dict:
    ports = [harness.free_port() for _ in range(webs)]
    processes = [harness.child("benchmarks.flags", "serve", "tend", url, api_url, str(port)) for port in ports]
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": api_url}
    processes += [
        harness.child("jobs", "deliverer", env_extra=env, stderr=subprocess.DEVNULL) for _ in range(deliverers)
    ]
    senders = [SlackSender(f"http://127.0.0.1:{port}/slack/events", response_url) for port in ports]
    for port, sender in zip(ports, senders, strict=True):
        harness.wait_for_port(port)
        sender.slash("/flag", f"acme warm-up {port}: invoice charged twice", user_id="U0BENCH")
    time.sleep(2)
    harness.posts(fake)
    flags_before = _count(url, select(func.count()).select_from(Flag))
    tag = f"{webs}x{deliverers}"
    balancer = itertools.cycle(senders)
    lock = threading.Lock()
    refused: list[int] = []

    def one(n: int) -> None:
        with lock:
            sender = next(balancer)
        if sender.slash("/flag", f"acme {TEXTS[n % 4]} [{tag}#{n}]", user_id="U0BENCH").status != 200:
            with lock:
                refused.append(n)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    acked = time.monotonic() - started
    posted: list[tuple[str, str, float]] = []
    expected = 2 * (requests - len(refused))
    while len(posted) < expected and time.monotonic() - started < SETTLE:
        time.sleep(0.25)
        posted += harness.posts(fake)
    time.sleep(2)  # anything sent twice has arrived by now
    posted += harness.posts(fake)
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)
    team, dm = Counter[str](), Counter[str]()
    last = started
    for channel, payload, at in posted:
        marker = _marker(payload, tag)
        if marker is not None:
            (dm if channel[:1] in ("U", "D") else team)[marker] += 1
            last = max(last, at)
    accepted = {f"[{tag}#{n}]" for n in range(requests) if n not in refused}
    return {
        "setup": tag,
        "acks/s": requests / acked,
        "done/s": len(accepted) / (last - started),
        "flags": _count(url, select(func.count()).select_from(Flag)) - flags_before,
        "requests": len(accepted),
        "lost": sum(1 for m in accepted if not team[m] or not dm[m]),
        "doubled": sum(1 for m in accepted if team[m] > 1 or dm[m] > 1),
        "unsent": _count(url, select(func.count()).select_from(Notification).where(Notification.status != "sent")),
    }


def _marker(payload: str, tag: str) -> str | None:
    """The request marker ("[2x2#17]") a post's payload carries, if any."""
    found = re.search(rf"\[{re.escape(tag)}#\d+\]", payload)
    return found.group(0) if found else None


def _count(url: str, statement) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(statement)
    engine.dispose()
    return int(found or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--setups", default="1x0,2x0,1x1,2x2")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    prepare(args.database_url)
    fake, api_url, response_url = harness.start_fake_slack()
    results = []
    for setup in args.setups.split(","):
        webs, deliverers = (int(part) for part in setup.split("x"))
        results.append(
            run(args.database_url, api_url, response_url, fake, webs, deliverers, args.requests, args.concurrency)
        )
    harness.stop_fake_slack(fake)
    print(
        f"/flag rush on PostgreSQL, {args.requests} requests at concurrency {args.concurrency}, "
        "round-robin over the web processes"
    )
    print(f"{'web x deliverers':>16} {'acks/s':>7} {'done/s':>7} {'flags':>6} {'lost':>5} {'doubled':>8} {'unsent':>7}")
    for r in results:
        print(
            f"{r['setup']:>16} {r['acks/s']:7.1f} {r['done/s']:7.1f} {r['flags']:>6} {r['lost']:>5} {r['doubled']:>8} "
            f"{r['unsent']:>7}"
        )


if __name__ == "__main__":
    main()

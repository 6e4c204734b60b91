"""Tend against a bare Bolt app, side by side in one run: `/account` over HTTP, sustained, at concurrency 1, 8
and 32, measuring what people wait for (the answer) beside what Slack sees (the ack).

    python -m benchmarks.compare [--accounts 100000] [--seconds 30] [--rounds 3] [--levels 1,8,32]
                                 [--apps bare,bare-inline,bare-gunicorn,tend,tend-gunicorn] [--database-url URL]

One database with N accounts imported through the real importer serves every app, each in its own process on
the threaded WSGI server `python app.py` uses; a fake Slack Web API (which also takes `response_url` posts and
notes when each arrived) runs in another process, and this process is the load generator: correctly signed
slash commands from `concurrency` threads, each sent as soon as the thread's previous one was acknowledged,
for `--seconds`. Every request has its own response_url, so each answer is timed from the moment its request
was sent to the moment the card arrived there, or to its ack when the ack's body is the answer.
- bare: a Bolt app whose `/account` listener acks, does one indexed read (the account by its folded name) and
  answers through `respond()`, with Bolt's defaults (the ack waits, in 10 ms polling steps, for ack() on
  Bolt's listener pool; the read and the answer follow on that pool);
- bare-inline: the same with `process_before_response=True`, the setting Tend uses (the listener runs on the
  request's thread: the answer is posted before Slack hears the ack);
- bare-gunicorn: the bare app served as Tend's Procfile serves Tend (gunicorn, 2 workers × 8 threads), so that
  Tend as deployed can be set beside a bare app given the same two processes;
- tend: Tend itself, one process on `python app.py`'s server: for someone it knows, the card worked out
  inside the ack and returned as its body; for anyone else (and when the catalogue must be loaded) the
  request recorded in the inbox, then after the ack who is asking, the fuzzy search, the card, through
  response_url;
- tend-gunicorn: Tend as the Procfile serves it (gunicorn, 2 worker processes × 8 threads); on this 2-core
  machine the workers share the cores with the load generator and the fake (its RSS is the master's only).
Answers not arrived 5 s after the load ended are counted as missing (and left out of the latencies). Tend's
resident memory is read every 5 s of the c=8 run and once its work has drained.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

from benchmarks import harness
from benchmarks.account_lookup import TODAY, build_files
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.imports import import_csv
from bot.models import InboundRequest
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender

GRACE = 5.0  # seconds after the load during which answers still count as arrived
APPS = ("bare", "bare-inline", "tend", "tend-gunicorn")  # the default; bare-gunicorn on request
GUNICORN = ("--workers", "2", "--threads", "8")  # as the Procfile serves Tend
# Each figure of an app set against another's, when both were measured.
PAIRS = (("tend", "bare"), ("tend-gunicorn", "bare"), ("tend-gunicorn", "bare-gunicorn"))


def serve(kind: str, database_url: str, api_url: str, port: int) -> None:
    """Runs in a child process: one app, served until killed."""
    if kind.endswith("-gunicorn"):
        os.environ.update(DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_API_URL=api_url)
        os.environ["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        app = "app:wsgi" if kind == "tend-gunicorn" else "benchmarks.compare:bare_wsgi()"
        os.execv(gunicorn, [gunicorn, app, *GUNICORN, "--bind", f"127.0.0.1:{port}"])
    engine = make_engine(database_url)
    if kind.startswith("bare"):
        harness.serve_forever(bare_app(engine, api_url, inline=kind == "bare-inline"), engine, port)
    else:
        harness.serve_tend(engine, database_url, api_url, port)


def bare_app(engine: Engine, api_url: str, inline: bool = False) -> Any:
    """The bare Bolt app: ack, one indexed read, the answer through respond()."""
    from slack_bolt import App  # noqa: TID251 - the bare comparison app is plain Bolt on purpose
    from slack_sdk import WebClient  # noqa: TID251

    from bot.text import fold

    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=inline,
    )
    lookup = text("SELECT id, name, health_score FROM account WHERE name_key = :key")

    @app.command("/account")
    def bare(ack, body, respond) -> None:  # type: ignore[no-untyped-def]
        ack()
        with engine.connect() as connection:
            row = connection.execute(lookup, {"key": fold(body.get("text", ""))}).first()
        respond(response_type="ephemeral", text=f"{row[1]}: health {row[2]}" if row else "no such account")

    return app


def bare_wsgi() -> Any:
    """The bare app for gunicorn (`benchmarks.compare:bare_wsgi()`), configured from the environment."""
    from bot.slack.web import make_wsgi

    engine = make_engine(os.environ["DATABASE_URL"])
    return make_wsgi(bare_app(engine, os.environ["SLACK_API_URL"]), engine)


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


@dataclass
class Run:
    """One sustained load: per request its token, when it was sent, when it was acked, and whether the ack's
    body was the answer."""

    started: float
    ended: float = 0.0
    sent: dict[str, float] = field(default_factory=dict)
    acked: dict[str, float] = field(default_factory=dict)
    in_ack: set[str] = field(default_factory=set)
    failed: int = 0


_tokens = itertools.count(1)  # response_url tokens stay unique across levels and rounds


def load(app_url: str, origin: str, names: list[str], concurrency: int, seconds: float) -> Run:
    rng = random.Random(concurrency)
    run = Run(time.monotonic())
    deadline = run.started + seconds
    lock = threading.Lock()

    def worker() -> None:
        while time.monotonic() < deadline:
            token = f"b{next(_tokens)}"
            sender = SlackSender(app_url, f"{origin}/response/{token}")
            sent = time.monotonic()
            try:
                answer = sender.slash("/account", rng.choice(names), user_id="U0BENCH")
                ok, in_ack = answer.status == 200, answer.body.startswith("{")
            except OSError:  # refused or reset: counted, not fatal
                ok, in_ack = False, False
            acked = time.monotonic()
            with lock:
                run.sent[token], run.acked[token] = sent, acked
                if in_ack:
                    run.in_ack.add(token)
                run.failed += not ok

    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    run.ended = time.monotonic()
    return run


def percentile(values: list[float], share: float) -> float:
    return values[max(int(len(values) * share) - 1, 0)] * 1000 if values else float("nan")


def figures(run: Run, arrived: dict[str, float]) -> dict:
    """What Slack saw (acks) and what people waited for (answers) in one run."""
    acks = sorted(run.acked[t] - run.sent[t] for t in run.sent)
    at = {t: run.acked[t] if t in run.in_ack else arrived[t] for t in run.sent if t in run.in_ack or t in arrived}
    at = {t: when for t, when in at.items() if when <= run.ended + GRACE}
    waits = sorted(at[t] - run.sent[t] for t in at)
    last = max(at.values(), default=run.ended)
    return {
        "acks/s": len(run.sent) / (run.ended - run.started),
        "ack p99": percentile(acks, 0.99),
        "answers/s": len(at) / (max(last, run.ended) - run.started),
        "answer p50": percentile(waits, 0.5),
        "answer p99": percentile(waits, 0.99),
        "missing": len(run.sent) - len(at),
        "in ack": 100 * len(run.in_ack) / max(len(run.sent), 1),
        "failed": run.failed,
    }


def measure(kind: str, url: str, api_url: str, fake, names: list[str], seconds: float, levels: tuple[int, ...]):
    port = harness.free_port()
    arenas = {"MALLOC_ARENA_MAX": "2"} if kind.startswith("tend") else {}  # as the Procfile runs Tend
    app = harness.child("benchmarks.compare", "serve", kind, url, api_url, str(port), env_extra=arenas)
    origin = api_url.removesuffix("/api/")
    app_url = f"http://127.0.0.1:{port}/slack/events"
    results: dict = {"rss": []}
    try:
        harness.wait_for_port(port)
        _warm_up(kind, app_url, origin, names)
        time.sleep(2)
        harness.arrivals(fake)
        results["rss"].append(("after warm-up", rss_mb(app.pid)))
        for level in levels:
            sampling = threading.Event()
            if level == 8:
                threading.Thread(target=_sample, args=(app.pid, results["rss"], sampling), daemon=True).start()
            run = load(app_url, origin, names, level, seconds)
            sampling.set()
            time.sleep(GRACE)
            results[level] = figures(run, harness.arrivals(fake))
            _drain(kind, url)
        results["rss"].append(("work drained", rss_mb(app.pid)))
        return results
    finally:
        app.terminate()
        app.wait(timeout=10)


def _warm_up(kind: str, app_url: str, origin: str, names: list[str]) -> None:
    """The catalogue, the identity cache, connections: Tend is warm once a burst is answered inside the acks
    (every gunicorn worker has loaded its catalogue), or after a minute."""
    deadline = time.monotonic() + 60
    while True:
        run = load(app_url, origin, names[:50], 4, 1.0)
        if not kind.startswith("tend") or len(run.in_ack) == len(run.sent) or time.monotonic() > deadline:
            return


def _sample(pid: int, into: list, stop: threading.Event) -> None:
    started = time.monotonic()
    while not stop.wait(5.0):
        into.append((f"{time.monotonic() - started:.0f} s", rss_mb(pid)))


def _drain(kind: str, url: str) -> None:
    """Let an app finish the work it acknowledged before the next level starts (up to 5 minutes)."""
    deadline = time.monotonic() + 300
    while kind == "tend" and inbox_pending(url) and time.monotonic() < deadline:
        time.sleep(0.5)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each level's load lasts")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; each figure is their median")
    parser.add_argument("--levels", default="1,8,32", help="the concurrency levels to measure, e.g. 1,8")
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    levels = tuple(int(level) for level in args.levels.split(","))
    apps = tuple(args.apps.split(","))
    url = args.database_url or f"sqlite:///{harness.scratch('tend-compare-')}/compare.db"
    names = prepare(url, args.accounts)
    fake, api_url, _response_url = harness.start_fake_slack()
    rounds: dict[str, list[dict]] = {kind: [] for kind in apps}
    try:
        for _ in range(args.rounds):
            for kind in apps:
                rounds[kind].append(measure(kind, url, api_url, fake, names, args.seconds, levels))
    finally:
        harness.stop_fake_slack(fake)
    report(url, args, rounds, levels)


RATIOS = ("acks/s", "ack p99", "answers/s", "answer p99")


def report(url: str, args: argparse.Namespace, rounds: dict[str, list[dict]], levels: tuple[int, ...]) -> None:
    results = {
        kind: {level: harness.median_round([r[level] for r in runs]) for level in levels}
        for kind, runs in rounds.items()
    }
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"\n/account over HTTP, {database}, {args.accounts:,} accounts, {args.seconds:.0f} s per level, "
        f"{datetime.now(UTC):%Y-%m-%d}, median of {args.rounds} alternating round(s)\n"
    )
    columns = list(next(iter(results.values()))[levels[0]])
    print("| c | app | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for level in levels:
        for kind, by_level in results.items():
            print(f"| {level} | {kind} | " + " | ".join(_cell(by_level[level][c]) for c in columns) + " |")
        for app, against in PAIRS:
            if app in results and against in results:
                mine, theirs = results[app][level], results[against][level]
                ratios = {c: mine[c] / theirs[c] if theirs[c] else float("nan") for c in RATIOS}
                print(
                    f"| {level} | **{app} ÷ {against}** | "
                    + " | ".join(f"{ratios[c]:.2f}×" if c in ratios else "" for c in columns)
                    + " |"
                )
    print(
        "\ntargets (sustained, against bare): answers/s ≥ 0.8×, answer p99 ≤ 3×, none missing, ack p99 ≤ 1.3×; "
        "RSS under 150 MB and flat"
    )
    for n, run in enumerate(rounds.get("tend", []), 1):
        print(f"tend RSS, round {n}: " + ", ".join(f"{label} {mb:.0f} MB" for label, mb in run["rss"]))


def _cell(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


if __name__ == "__main__":
    main()

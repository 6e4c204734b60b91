"""One process's cost of an `/account` answer, without HTTP: correctly signed commands handed straight to Tend's
WSGI app (the same one `python app.py` and gunicorn serve: Bolt, the identity, the search, the card, Block
Kit), one after another on one thread, and the interpreter time each took.

    python -m benchmarks.dispatch [--accounts 100000] [--requests 5000] [--rounds 3] [--threads 1] [--profile]

What `benchmarks.compare` measures over HTTP is this plus the HTTP server and the interpreter lock shared by
the server's threads; this figure moves with Tend's own code alone, so a change to the card shows here
first. The fake Slack Web API runs in this process (it is asked once, for the identity). `--threads N` sends
from N threads at once and reports the wall time per answer (what the interpreter lock adds when a process
serves several requests at once, and how many answers went after the ack instead, their turn not come in
time); `--profile` prints cProfile's top functions instead of timing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from benchmarks import harness
from benchmarks.compare import prepare
from bot.accounts import catalog
from bot.config import Secret, Settings
from bot.db import make_engine, make_session_factory
from bot.runtime.requests import INSTANT_TURN_WAIT
from bot.slack.app import build_app
from bot.slack.web import make_wsgi
from tests.fakes.slack_requests import SIGNING_SECRET, sign
from tests.fakes.slack_server import FakeSlack


def environ(text: str, response_url: str, trigger: str) -> dict[str, Any]:
    """A WSGI environ for one signed `/account` command, as the HTTP server would build it."""
    fields = {
        "token": "legacy",
        "team_id": "T0TEND",
        "team_domain": "tend",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "U0BENCH",
        "user_name": "sam",
        "command": "/account",
        "text": text,
        "api_app_id": "A0TEND",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }
    body = urllib.parse.urlencode(fields).encode()
    timestamp = int(time.time())
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
        "HTTP_X_SLACK_SIGNATURE": sign(body.decode(), timestamp),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = f"sqlite:///{harness.scratch('tend-dispatch-')}/dispatch.db"
    names = prepare(url, args.accounts)
    fake = FakeSlack(check=False).start()
    fake.add_user("U0BENCH", "sam@example.com", name="Sam Rivera")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = Settings(
        database_url=url,
        slack_bot_token=Secret("xoxb-bench"),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_api_url=fake.url,
    )
    wsgi = make_wsgi(build_app(settings, factory), engine)
    catalog.warm_soon(factory)
    rng = random.Random(1)
    triggers = iter(range(10**9))
    later: list[None] = []  # answers not in their ack (recorded, answered through response_url)

    def one() -> bytes:
        request = environ(rng.choice(names), fake.response_url(), f"t{next(triggers)}")
        ack = b"".join(wsgi(request, lambda status, headers: None))
        if not ack.startswith(b"{"):
            later.append(None)
        return ack

    _warm_up(one)
    warming = len(later)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(_repeat, one, args.requests)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return
    per_request = [_timed(one, args.requests, args.threads) for _ in range(args.rounds)]
    rounds = ", ".join(f"{ms:.3f}" for ms in per_request)
    threads = "one thread" if args.threads == 1 else f"{args.threads} threads at once"
    what = "interpreter time" if args.threads == 1 else "wall time"
    print(f"/account through Tend's WSGI app, no HTTP, {args.accounts:,} accounts, {threads}")
    print(f"{what} per answer: median {statistics.median(per_request):.3f} ms (rounds: {rounds} ms)")
    turnless = len(later) - warming
    print(f"answered after the ack instead (no turn within {INSTANT_TURN_WAIT} s, or too many waiting): {turnless}")
    fake.answers(len(later), timeout=60)  # let them arrive before the fake goes
    fake.stop()


def _timed(one: Callable[[], bytes], requests: int, threads: int) -> float:
    """Milliseconds per answer: the process's interpreter time on one thread, else the wall time."""
    if threads == 1:
        started = time.process_time()
        _repeat(one, requests)
        return (time.process_time() - started) / requests * 1000
    each = requests // threads
    workers = [threading.Thread(target=_repeat, args=(one, each)) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - started) / (each * threads) * 1000


def _warm_up(one: Callable[[], bytes]) -> None:
    """Until answers come in the ack (the catalogue is loaded, the asker known), then a few hundred more."""
    deadline = time.monotonic() + 60
    while not one().startswith(b"{") and time.monotonic() < deadline:
        time.sleep(0.2)
    _repeat(one, 300)


def _repeat(one: Callable[[], bytes], times: int) -> None:
    for _ in range(times):
        one()


if __name__ == "__main__":
    main()

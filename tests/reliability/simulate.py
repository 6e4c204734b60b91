"""A clock or a deliverer walking through a simulated day in step with others, for the reliability suite.

    python -m tests.reliability.simulate clock|deliver

Reads one ISO-8601 instant per line on stdin, runs its jobs at that instant (a clock: every job, delivery
last, as `python -m jobs run all`; a deliverer: delivery only) and prints "done" — so a test can start
several processes and have them all run each hour of the day at the same moment.
"""

from __future__ import annotations

import sys

from bot.clock import parse_now
from bot.config import Settings
from bot.db import engine_for, make_session_factory
from jobs import JOBS, RUN_ALL, Clockwork, gateway_for


def main(role: str) -> None:
    settings = Settings.from_env()
    factory = make_session_factory(engine_for(settings))
    rt = Clockwork(settings, factory, gateway_for(settings, factory))
    names = RUN_ALL if role == "clock" else ("deliver",)
    print("ready", flush=True)
    for line in sys.stdin:
        now = parse_now(line.strip()).now()
        for name in names:
            JOBS[name].run(rt, now)
        print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

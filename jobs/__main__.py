"""`python -m jobs` runs the clock; `python -m jobs run NAME [--now ISO-8601]` runs one job once;
`python -m jobs deliverer` runs a long-lived deliverer (as many as you like, in any processes)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from datetime import datetime

from dotenv import load_dotenv

from bot.clock import SystemClock, parse_now
from bot.config import ConfigError, Settings
from bot.db import engine_for, make_session_factory
from bot.delivery.worker import Deliverer
from bot.logs import configure, one_line
from jobs import JOBS, NAMES, RUN_ALL, Clockwork, Job, gateway_for

log = logging.getLogger("tend.jobs")


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    parser = argparse.ArgumentParser(prog="python -m jobs", description="Tend's clock process.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run one job once and exit")
    run.add_argument("name", choices=(*NAMES, "all"))
    run.add_argument("--now", metavar="ISO-8601")
    sub.add_parser("deliverer", help="send outgoing messages as soon as they are due, until stopped")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        now = (parse_now(args.now) if getattr(args, "now", None) else SystemClock()).now()
    except (ConfigError, ValueError) as error:
        print(f"tend: {error}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    engine = engine_for(settings)
    factory = make_session_factory(engine)
    rt = Clockwork(settings, factory, gateway_for(settings, factory))
    if args.command == "deliverer":
        return _deliverer(Deliverer(factory, engine, rt.gateway))
    if args.command == "run":
        names = RUN_ALL if args.name == "all" else (args.name,)
        for name in names:
            print(f"{name}: {_run(JOBS[name], rt, now)}")
        return 0
    return _clock(rt)


def _run(job: Job, rt: Clockwork, now: datetime) -> str:
    """Run a job once and log one line about it (what it did, or that it failed, and how long it took)."""
    with one_line(log, job=job.name) as line:
        line["summary"] = summary = job.run(rt, now)
    return summary


def _tick(job: Job, rt: Clockwork) -> None:
    with contextlib.suppress(Exception):  # logged by _run; the clock keeps ticking
        _run(job, rt, SystemClock().now())


def _stop(*_: object) -> None:
    raise SystemExit(0)


def _clock(rt: Clockwork) -> int:
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    )
    for job in JOBS.values():
        scheduler.add_job(
            _tick, "interval", seconds=job.every_seconds, id=job.name, replace_existing=True, args=(job, rt)
        )
    # SIGTERM: stop scheduling; a job already running finishes (its thread is joined at exit), then we stop.
    # The handler is installed inside the block, so a SIGTERM right after "clock started" still says stopped.
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        signal.signal(signal.SIGTERM, _stop)
        log.info("clock started with %d job(s): %s", len(JOBS), ", ".join(JOBS) or "none yet")
        scheduler.start()
    log.info("clock stopped: no more jobs will start (one already running has finished)")
    return 0


def _deliverer(deliverer: Deliverer) -> int:
    """Until SIGTERM or Ctrl-C: a message being sent then is finished and recorded before the process ends."""
    signal.signal(signal.SIGTERM, lambda *_: deliverer.stop())
    log.info("deliverer started: woken by the outbox, and whenever a retry falls due")
    try:
        deliverer.run()
    except KeyboardInterrupt:
        deliverer.stop()
    log.info("deliverer stopped after %d look(s) at the outbox", deliverer.looks)
    return 0


if __name__ == "__main__":
    sys.exit(main())

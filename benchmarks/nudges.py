"""Nudge planning at scale: one full planning run (every rule, set-based) and how it grows with the accounts.

    python -m benchmarks.nudges --accounts 100000 --csms 2000 [--database-url URL]

For each size (a tenth, a third and all of --accounts) a fresh database gets CSMs in three time zones and
accounts spread over tiers, renewal dates, last touches, health histories (a tenth of them dropping) and
two success criteria each. Then, timed: the first planning run (which finds everything due), a second run an
hour later (which finds nothing new: the steady state), queueing the DMs for every CSM in working hours,
and writing those DMs out as the deliverer does when it sends them (the words are written, and the
nudges told, at sending).
A --database-url (PostgreSQL) is emptied for each size: never point it at data you want to keep.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks import harness
from bot.db import bulk_insert, make_engine, make_session_factory, session_scope, upgrade
from bot.delivery import composed
from bot.delivery.deliverer import CLAIM
from bot.models import Account, HealthSnapshot, Notification, Nudge, Person, SuccessCriterion
from bot.nudges.rules import plan_due
from bot.nudges.sending import send_due

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # a Tuesday: 09:00 in New York, 14:00 Berlin, 22:00 Tokyo
TODAY = NOW.date()
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")


def fresh_database(url: str | None, workdir: Path, size: int) -> str:
    if url is None:
        url = f"sqlite:///{workdir / f'nudges-{size}.db'}"
    else:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


def populate(factory: Any, accounts: int, csms: int, rng: random.Random) -> None:
    with session_scope(factory) as session:
        bulk_insert(
            session,
            Person.__table__,
            [
                {"email": f"csm{n}@example.com", "name": f"CSM {n}", "role": "csm", "timezone": ZONES[n % 3]}
                for n in range(csms)
            ],
        )
        person_ids = list(session.scalars(select(Person.id)))
        rows = []
        for n in range(accounts):
            rows.append(
                {
                    "name": f"Account {n}",
                    "name_key": f"account {n}",
                    "domain": f"a{n}.example",
                    "owner_id": rng.choice(person_ids) if rng.random() > 0.01 else None,
                    "tier": rng.choice(("intimacy", "engagement", "service")),
                    "arr": rng.randint(1, 500) * 1000,
                    "renewal_date": TODAY + timedelta(days=rng.randint(-30, 400)),
                    "health_score": rng.randint(20, 100),
                    "stage": rng.choice(("onboarding", "adoption", "expansion", "renewal", "churned")),
                    "last_touch_date": TODAY - timedelta(days=rng.randint(0, 120)),
                }
            )
        bulk_insert(session, Account.__table__, rows)
        ids_scores = session.execute(select(Account.id, Account.health_score)).all()
        criteria, history = [], []
        for account_id, score in ids_scores:
            for position in range(2):
                criteria.append(
                    {
                        "account_id": account_id,
                        "position": position,
                        "text": f"Criterion {position}",
                        "status": "on_track",
                        "updated_on": TODAY - timedelta(days=rng.randint(0, 60)),
                    }
                )
            earlier = score + (rng.randint(10, 30) if rng.random() < 0.1 else rng.randint(0, 5))
            history.append({"account_id": account_id, "taken_on": TODAY - timedelta(days=7), "score": earlier})
            history.append({"account_id": account_id, "taken_on": TODAY, "score": score})
        bulk_insert(session, SuccessCriterion.__table__, criteria)
        bulk_insert(session, HealthSnapshot.__table__, history)


def timed(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def queue_messages(factory: Any) -> Any:
    with session_scope(factory) as session:
        return send_due(session, NOW + timedelta(hours=1), "UTC")


def write_messages(factory: Any) -> int:
    """Write out every queued DM as the deliverer does when it sends them (a claimed batch at a time, its
    nudges told), without sending or keeping anything: the cost moved from queueing to sending."""
    with factory() as session:
        rows = session.execute(select(Notification.id, Notification.payload).order_by(Notification.id)).all()
        written = 0
        for start in range(0, len(rows), CLAIM):
            batch = rows[start : start + CLAIM]
            written += sum(1 for payload in composed.write(session, batch).values() if payload)
        session.rollback()
    return written


def measure(url: str | None, workdir: Path, accounts: int, csms: int, seed: int) -> dict[str, Any]:
    database = fresh_database(url, workdir, accounts)
    engine = make_engine(database)
    factory = make_session_factory(engine)
    populate(factory, accounts, csms, random.Random(seed))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    first, added = timed(lambda: plan_due(factory, NOW, TODAY))
    second, again = timed(lambda: plan_due(factory, NOW + timedelta(hours=1), TODAY))
    queue, report = timed(lambda: queue_messages(factory))
    write, written = timed(lambda: write_messages(factory))
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(Nudge))
    engine.dispose()
    return {
        "accounts": accounts,
        "first": first,
        "second": second,
        "queue": queue,
        "write": write,
        "written": written,
        "nudges": total,
        "added_again": sum(again.values()),
        "messages": report.messages,
        "by_reason": {str(k): v for k, v in added.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--csms", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    workdir = harness.scratch("tend-nudges-")
    sizes = sorted({max(args.accounts // 10, 1), max(args.accounts // 3, 1), args.accounts})
    kind = (args.database_url or "sqlite").split(":")[0]
    print(f"nudge planning on {kind}, {args.csms:,} CSMs (first run finds everything due; target < 1 s at 100k)")
    print(
        f"{'accounts':>9} {'first run':>10} {'per 10k':>8} {'again':>7} {'queue DMs':>10} {'nudges':>8} {'DMs':>6} "
        f"{'write DMs (when sent)':>22}"
    )
    results = [measure(args.database_url, workdir, n, args.csms, args.seed) for n in sizes]
    for r in results:
        print(
            f"{r['accounts']:>9,} {r['first']:>9.3f}s {r['first'] / r['accounts'] * 10_000:>7.3f}s "
            f"{r['second']:>6.3f}s {r['queue']:>9.3f}s {r['nudges']:>8,} {r['messages']:>6,} "
            f"{r['write']:>9.3f}s ({r['write'] / max(r['written'], 1) * 1000:.1f} ms each)"
        )
    smallest, largest = results[0], results[-1]
    growth = (largest["first"] / smallest["first"]) / (largest["accounts"] / smallest["accounts"])
    print(f"growth of the first run, {smallest['accounts']:,} → {largest['accounts']:,}: {growth:.2f}× linear")
    print(f"added per reason at {largest['accounts']:,}: {largest['by_reason']}")
    print(f"the second run added {largest['added_again']} (nothing is planned twice)")


if __name__ == "__main__":
    main()

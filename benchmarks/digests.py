"""Every manager's digest for one morning, at scale: build time and peak memory.

    python -m benchmarks.digests --accounts 100000 --managers 200 [--database-url URL]

A fresh database gets `managers` managers with ten CSMs each, the accounts spread over the CSMs, a two-point
health history (a tenth dropping), stage changes yesterday for 2 %, 5,000 open flags (some past their SLA)
and 1,000 resolved yesterday. Then, timed: one run of the digests job at 08:30 for every manager (all in
one time zone, so all are due at once): gathering the facts, building 200 digests and queueing them.
A --database-url (PostgreSQL) is emptied first: never point it at data you want to keep.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from benchmarks import harness
from benchmarks.nudges import fresh_database
from bot.db import bulk_insert, make_engine, make_session_factory, session_scope
from bot.digests.build import send_due
from bot.models import Account, Flag, HealthSnapshot, Notification, Person, StageChange, Team

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
TODAY = NOW.date()
STAGES = ("onboarding", "adoption", "expansion", "renewal", "at_risk")


def populate(factory: Any, accounts: int, managers: int, rng: random.Random) -> None:
    with session_scope(factory) as session:
        bulk_insert(
            session,
            Person.__table__,
            [
                {"email": f"m{n}@example.com", "name": f"Manager {n}", "role": "manager", "timezone": "UTC"}
                for n in range(managers)
            ],
        )
        manager_ids = list(session.scalars(select(Person.id).order_by(Person.id)))
        bulk_insert(
            session,
            Person.__table__,
            [
                {
                    "email": f"csm{n}@example.com",
                    "name": f"CSM {n}",
                    "role": "csm",
                    "timezone": "UTC",
                    "manager_id": manager_ids[n // 10],
                }
                for n in range(managers * 10)
            ],
        )
        csm_ids = list(session.scalars(select(Person.id).where(Person.role == "csm")))
        bulk_insert(
            session,
            Account.__table__,
            [
                {
                    "name": f"Account {n}",
                    "name_key": f"account {n}",
                    "domain": f"a{n}.example",
                    "owner_id": rng.choice(csm_ids),
                    "tier": rng.choice(("intimacy", "engagement", "service")),
                    "arr": rng.randint(1, 500) * 1000,
                    "renewal_date": TODAY + timedelta(days=rng.randint(-30, 400)),
                    "health_score": rng.randint(20, 100),
                    "stage": rng.choice(STAGES),
                    "last_touch_date": TODAY - timedelta(days=rng.randint(0, 120)),
                }
                for n in range(accounts)
            ],
        )
        rows = session.execute(select(Account.id, Account.health_score, Account.stage)).all()
        history, moves = [], []
        for account_id, score, stage in rows:
            earlier = score + (rng.randint(10, 30) if rng.random() < 0.1 else rng.randint(0, 5))
            history += [
                {"account_id": account_id, "taken_on": TODAY - timedelta(days=1), "score": earlier},
                {"account_id": account_id, "taken_on": TODAY, "score": score},
            ]
            if rng.random() < 0.02:
                moves.append(
                    {"account_id": account_id, "from_stage": "adoption", "to_stage": stage, "changed_on": TODAY}
                )
        bulk_insert(session, HealthSnapshot.__table__, history)
        bulk_insert(session, StageChange.__table__, moves)
        session.add(Team(name="Support", sla_hours=8))
        session.flush()
        team_id = session.scalar(select(Team.id))
        ids = [r[0] for r in rows]
        flags = []
        for n in range(6000):
            resolved = n >= 5000
            flags.append(
                {
                    "account_id": rng.choice(ids),
                    "category": "support",
                    "category_source": "rules",
                    "severity": "normal",
                    "description": "Users cannot log in",
                    "status": "resolved" if resolved else rng.choice(("open", "taken")),
                    "team_id": team_id,
                    "reporter_name": "Sam",
                    "source_platform": "bench",
                    "source_ref": f"bench-{n}",
                    "sla_due_at": NOW + timedelta(hours=rng.randint(-48, 48)),
                    "resolved_at": NOW - timedelta(hours=rng.randint(1, 20)) if resolved else None,
                    "outcome": "Fixed the SSO configuration" if resolved else None,
                    "assignee_name": "Jonas" if resolved else None,
                }
            )
        bulk_insert(session, Flag.__table__, flags)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--managers", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    url = fresh_database(args.database_url, harness.scratch("tend-digests-"), args.accounts)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    populate(factory, args.accounts, args.managers, random.Random(args.seed))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    started = time.perf_counter()
    with session_scope(factory) as session:
        report = send_due(session, NOW, "UTC")
        seconds = time.perf_counter() - started
        session.rollback()  # measured; now again under tracemalloc (which slows Python down) for the memory
    tracemalloc.start()
    with session_scope(factory) as session:
        send_due(session, NOW, "UTC")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    with factory() as session:
        queued = session.scalar(select(func.count()).select_from(Notification))
        sizes = [len(str(p)) for p in session.scalars(select(Notification.payload))]
    again_started = time.perf_counter()
    with session_scope(factory) as session:
        again = send_due(session, NOW + timedelta(minutes=5), "UTC")
    again_seconds = time.perf_counter() - again_started
    kind = url.split(":")[0]
    print(f"digests on {kind}: {args.accounts:,} accounts, {args.managers} managers, {args.managers * 10:,} CSMs")
    print(f"one morning's run   {seconds:6.2f} s  ({len(report.sent)} digests, {queued} queued; target < 3 s)")
    print(f"peak memory         {peak:6.1f} MiB traced during the same run (Python objects)")
    print(f"digest size         {min(sizes):,}–{max(sizes):,} characters of payload")
    print(f"a rerun 5 min later {again_seconds:6.2f} s  ({len(again.sent)} sent: each manager once a day)")


if __name__ == "__main__":
    main()

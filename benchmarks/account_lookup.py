"""`/account` at scale: import time for N accounts, then p50/p99 of the command path in-process.

    python -m benchmarks.account_lookup --accounts 100000 [--lookups 2000] [--database-url URL]

The command path is what Slack and the console run after the ack: fuzzy search, status card (owner,
criteria, health history) and the neutral reply. Without --database-url a fresh SQLite file is used.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from benchmarks import harness
from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.imports import import_csv
from bot.imports.accounts import HEADER as ACCOUNT_HEADER
from bot.people.actors import Access, Actor
from commands.context import CommandContext
from commands.router import dispatch

WORDS = [
    "alpine",
    "blue",
    "cedar",
    "delta",
    "echo",
    "fjord",
    "granite",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "lumen",
    "maple",
    "nova",
    "orchid",
    "pine",
    "quartz",
    "river",
    "summit",
    "tidal",
    "umber",
    "vertex",
    "willow",
    "xenon",
    "yarrow",
    "zephyr",
    "atlas",
    "beacon",
    "cobalt",
    "dune",
    "ember",
    "falcon",
]
SUFFIXES = ("Inc", "GmbH", "Ltd", "Labs", "Group", "Systems", "Health", "Logistics", "Foods", "Energy", "Bank")
ACCENTED = ("Café", "Zürich", "Ōtsuka", "Søren", "Łódź", "Müller", "Nuñez", "Français")
TODAY = date(2026, 11, 23)


def company_names(count: int, rng: random.Random) -> list[str]:
    names = set()
    while len(names) < count:
        first = rng.choice(WORDS + list(ACCENTED)).capitalize() if rng.random() < 0.2 else rng.choice(WORDS).title()
        name = f"{first} {rng.choice(WORDS).title()} {rng.choice(SUFFIXES)}"
        if name in names:
            name = f"{name} {len(names)}"
        names.add(name)
    return sorted(names)


def build_files(accounts: int, rng: random.Random) -> tuple[bytes, bytes, list[str]]:
    people = io.StringIO()
    writer = csv.writer(people)
    writer.writerow(["email", "name", "role", "manager_email", "timezone"])
    csms = [f"csm{n}@example.com" for n in range(200)]
    for n, email in enumerate(csms):
        writer.writerow([email, f"CSM {n}", "csm", "", "Europe/Berlin"])
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(ACCOUNT_HEADER)
    names = company_names(accounts, rng)
    for n, name in enumerate(names):
        writer.writerow(
            [
                name,
                f"c{n}.example",
                rng.choice(csms),
                rng.choice(("intimacy", "engagement", "service")),
                rng.randint(1, 500) * 1000,
                (TODAY + timedelta(days=rng.randint(-30, 400))).isoformat(),
                rng.randint(10, 100),
                rng.choice(("onboarding", "adoption", "expansion", "renewal")),
                (TODAY - timedelta(days=rng.randint(0, 120))).isoformat(),
                "Adoption by all teams;Executive sponsor engaged",
            ]
        )
    return people.getvalue().encode(), rows.getvalue().encode(), names


def queries(names: list[str], count: int, rng: random.Random) -> list[str]:
    """A realistic mix: exact names, fragments, typos, domains, lower-case folds and misses."""
    out = []
    for _ in range(count):
        name = rng.choice(names)
        kind = rng.random()
        if kind < 0.25:
            out.append(name)
        elif kind < 0.45:
            out.append(" ".join(name.split()[:2]).lower())
        elif kind < 0.6:
            i = rng.randrange(1, len(name) - 1)
            out.append(name[:i] + name[i + 1 :])  # a typo: one letter dropped
        elif kind < 0.75:
            out.append(f"c{rng.randrange(len(names))}.example")
        elif kind < 0.9:
            out.append(name.split()[0][:4].lower())
        else:
            out.append(rng.choice(("zzqx", "nothing like it", "xylophone corp")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = harness.scratch("tend-bench-")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    people, accounts, names = build_files(args.accounts, rng)
    with session_scope(factory) as session:
        import_csv(session, "people", people, today=TODAY)

    started = time.perf_counter()
    with session_scope(factory) as session:
        report = import_csv(session, "accounts", accounts, today=TODAY)
    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(factory) as session:
        again = import_csv(session, "accounts", accounts, today=TODAY)
    reimport_seconds = time.perf_counter() - started

    actor = Actor(Access.MEMBER, "Bench", "csm1@example.com", None, "csm", "Europe/Berlin")
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    samples = queries(names, args.lookups, rng)
    kinds: dict[str, int] = {}

    def lookup(query: str) -> float:
        begun = time.perf_counter()
        with session_scope(factory) as session:
            reply = dispatch(CommandContext(session, actor, clock), "/account", query)
        kind = "card" if reply.title else "pick list" if "Which one" in reply.text else "no match"
        kinds[kind] = kinds.get(kind, 0) + 1
        return (time.perf_counter() - begun) * 1000

    started = time.perf_counter()
    lookup(samples[0])  # the first lookup loads the process's catalogue
    first_ms = (time.perf_counter() - started) * 1000
    kinds.clear()
    tracemalloc.start()
    timings = sorted(lookup(q) for q in samples)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"database            {url.split(':')[0]}  ({args.accounts:,} accounts, 200 CSMs)")
    print(f"import              {import_seconds:6.2f} s  ({report.created:,} created; target < 10 s)")
    print(f"re-import (no-op)   {reimport_seconds:6.2f} s  ({again.unchanged:,} unchanged)")
    print(f"first lookup        {first_ms:6.1f} ms (loads the in-process catalogue)")
    print(
        f"/account lookups    {len(timings):,}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {timings[-1]:.1f} ms "
        f"(target p99 < 50 ms)"
    )
    print(f"answers             {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}")
    print(f"lookup peak memory  {peak:.1f} MiB traced during lookups")


if __name__ == "__main__":
    main()

"""Flag triage accuracy on labelled sets: with no AI (the keyword rules alone, and the rules with the
phrasebook, which is what Tend does), with a model when one is configured, and as corrections teach it.

    python -m benchmarks.triage [--file benchmarks/data/triage_flags.csv]

The sets (benchmarks/data/*.csv: text, category, severity[, part]) were written apart from the rules and the
phrasebook, in the ways people really write flags (terse, indirect, misspelt); see benchmarks/README.md for
which were written when, and which the rules were tuned on. "with model" is what a flag is filed as when the
reporter accepts Tend's first suggestion: the model's category when it answered, else the no-AI one. With
OPENAI_API_KEY (and optionally OPENAI_BASE_URL, OPENAI_MODEL) in the environment or .env, each row of --file
is sent once through the same code Tend uses (bot.flags.routing.triage); without a key the model is not measured.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from benchmarks import harness
from bot.ai.client import Model, make_model
from bot.config import Settings
from bot.flags.routing.classifier import classify
from bot.flags.routing.triage import triage
from bot.vocab import Category

DATA = Path(__file__).parent / "data" / "triage_flags.csv"
PHRASINGS = Path(__file__).parent / "data" / "triage_phrasings.csv"  # written before the rules' rewrite
FRESH = Path(__file__).parent / "data" / "triage_fresh.csv"  # written before the phrasebook, never tuned on
ORG_LANGUAGE = Path(__file__).parent / "data" / "triage_org_language.csv"  # one company's own product names
CHECKPOINTS = (0, 10, 25, 50)  # flags raised (and corrected where wrong) before each measurement


def learning_curve() -> None:
    """Accuracy after 0, 10, 25 and 50 flags, each raised as Tend routes it (`raise_flag`) and, when the team
    is wrong, moved by an admin ("Not ours", `reroute_flag`), which keeps it as an example: how many
    corrections it took, and what they taught. Measured on the company's own words held aside (`evaluate`), and on the
    held-aside phrasings above (which must not get worse)."""
    import random

    from bot.db import make_engine, make_session_factory, session_scope, upgrade
    from bot.flags.lifecycle import reroute_flag
    from bot.flags.raising import FlagRequest, raise_flag
    from bot.flags.routing import examples as routing_examples
    from bot.models import Account, RoutingRule, Team
    from bot.people.actors import Access, Actor

    rows = list(csv.DictReader(ORG_LANGUAGE.open(encoding="utf-8")))
    pool = [r for r in rows if r["part"] == "correction"]
    random.Random(7).shuffle(pool)  # corrections arrive in no particular order
    evaluate = [r for r in rows if r["part"] == "evaluate"]
    held = [r for r in csv.DictReader(PHRASINGS.open(encoding="utf-8")) if r["part"] == "held_out"]
    url = f"sqlite:///{harness.scratch('tend-triage-')}/learn.db"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    admin = Actor(Access.MEMBER, "Omar Haddad", "omar@example.com", None, "admin", "UTC", "U0OMAR")
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    with session_scope(factory) as session:
        for category in Category:
            team = Team(name=category.value.capitalize(), sla_hours=24)
            session.add(team)
            session.flush()
            session.add(RoutingRule(category=category.value, team_id=team.id))
        account = Account(name="Acme", name_key="acme", tier="engagement", stage="adoption")
        session.add(account)
        session.flush()
        account_id = account.id

    def accuracy(session: Any, phrasings: list[dict[str, str]]) -> str:
        examples = routing_examples.examples(session)
        right = sum(classify(r["text"], examples).category.value == r["category"] for r in phrasings)
        return f"{right}/{len(phrasings)} {right / len(phrasings):>4.0%}"

    print(f"\nLearning from corrections ({ORG_LANGUAGE.name}: a company's own product names; {len(pool)} flags")
    print("raised in turn, each one Tend routes wrong moved by an admin through 'Not ours', the real re-route path)")
    print(f"{'flags raised':>12} {'corrections':>11} {'own words held aside':>21} {'phrasings held aside':>21}")
    corrections = 0
    with session_scope(factory) as session:
        for n, row in enumerate(pool):
            if n in CHECKPOINTS:
                print(f"{n:>12} {corrections:>11} {accuracy(session, evaluate):>21} {accuracy(session, held):>21}")
            request = FlagRequest(account_id, row["text"], "benchmark", f"learn-{n}")
            flag = raise_flag(session, request, admin, now, "UTC")
            if flag.category.value != row["category"]:
                reroute_flag(session, flag.flag_id, admin, Category(row["category"]), "not ours", now, "UTC")
                corrections += 1
        print(f"{len(pool):>12} {corrections:>11} {accuracy(session, evaluate):>21} {accuracy(session, held):>21}")


# (name, file, part or None for all rows): every labelled set, routed with no AI.
NO_AI_SETS = (
    ("fresh, held aside", FRESH, None),
    ("phrasings held aside", PHRASINGS, "held_out"),
    ("phrasings rules tuned on", PHRASINGS, "tune"),
    ("flags rules tuned on", DATA, None),
)


def no_ai_report() -> None:
    """Every labelled set routed as with no AI, by the keyword rules alone and by the rules with the
    phrasebook (what Tend does), per category; and how often the words' severity matched the label. None
    of these sets was read to write the phrasebook; the rules were tuned on two of them."""
    sets = []
    for label, path, part in NO_AI_SETS:
        rows = [r for r in csv.DictReader(path.open(encoding="utf-8")) if part is None or r["part"] == part]
        total: Counter[str] = Counter(r["category"] for r in rows)
        rules: Counter[str] = Counter()
        both: Counter[str] = Counter()
        for row in rows:
            rules[row["category"]] += classify(row["text"], use_phrasebook=False).category.value == row["category"]
            both[row["category"]] += classify(row["text"]).category.value == row["category"]
        sets.append((f"{label} ({len(rows)})", total, rules, both))
    print("\nRouting with no AI: the keyword rules alone -> the rules with the phrasebook (what Tend does)")
    print(f"{'category':<10}" + "".join(f" {name:>31}" for name, *_ in sets))

    def cell(n: int, rules: int, both: int) -> str:
        return f"{rules / max(n, 1):>4.0%} -> {both}/{n} {both / max(n, 1):>4.0%}"

    for category in [c.value for c in Category]:
        print(f"{category:<10}" + "".join(f" {cell(t[category], r[category], b[category]):>31}" for _, t, r, b in sets))
    print(
        f"{'all':<10}"
        + "".join(f" {cell(sum(t.values()), sum(r.values()), sum(b.values())):>31}" for _, t, r, b in sets)
    )
    rows = [r for path in (FRESH, PHRASINGS) for r in csv.DictReader(path.open(encoding="utf-8"))]
    urgent = sum((classify(r["text"]).severity.value == "urgent") == (r["severity"] == "urgent") for r in rows)
    print(f"urgent or not, read from the words: {urgent}/{len(rows)} as labelled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DATA)
    args = parser.parse_args()
    load_dotenv()
    settings = Settings.from_env()
    model = make_model(settings)
    if model is None:
        print("Flag triage with a model: not measured (set OPENAI_API_KEY, and OPENAI_BASE_URL / OPENAI_MODEL)")
    else:
        model_report(model, args.file)
    no_ai_report()
    learning_curve()


def model_report(model: Model, path: Path) -> None:
    """Each flag of `path` through the model, as Tend triages it, beside the no-AI reading."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    total: Counter[str] = Counter(row["category"] for row in rows)
    no_ai: Counter[str] = Counter()
    model_right: Counter[str] = Counter()
    at_once = at_once_right = answered = 0
    seconds: list[float] = []
    for row in rows:
        expected = row["category"]
        no_ai[expected] += classify(row["text"]).category.value == expected
        started = time.monotonic()
        result = triage(model, row["text"], None)
        seconds.append(time.monotonic() - started)
        answered += result.by_model
        model_right[expected] += result.category.value == expected
        if result.file_now and result.by_model:
            at_once += 1
            at_once_right += result.category.value == expected
    print(f"Flag triage on {len(rows)} labelled flags ({path.name})")
    print(f"{'category':<10} {'flags':>5} {'no AI':>7} {'with model':>11}")
    for category in [c.value for c in Category]:
        if n := total[category]:
            print(f"{category:<10} {n:>5} {no_ai[category] / n:>7.0%} {model_right[category] / n:>11.0%}")
    n = len(rows)
    print(f"{'all':<10} {n:>5} {sum(no_ai.values()) / n:>7.0%} {sum(model_right.values()) / n:>11.0%}")
    print(
        f"model {model.name}: answered {answered}/{n} (the rest fell back to the no-AI reading); "
        f"filed at once {at_once} ({at_once_right} right), the rest waited for the reporter's click; "
        f"latency p50 {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

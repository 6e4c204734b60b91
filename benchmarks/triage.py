"""Flag triage accuracy on a labelled set: the keyword rules alone, and rules + model when one is configured.

    python -m benchmarks.triage [--file benchmarks/data/triage_flags.csv]

The set (benchmarks/data/triage_flags.csv: text, category, severity) was written apart from the rules, in
the ways people really write flags (terse, indirect, misspelt). "rules + model" is what a flag is filed as
when the reporter accepts Tend's first suggestion: the model's category when it answered, else the rules'.
With OPENAI_API_KEY (and optionally OPENAI_BASE_URL, OPENAI_MODEL) in the environment or .env, each row is
sent once through the same code Tend uses (bot.services.triage); without a key only the rules are measured.
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

from bot.ai import make_model
from bot.config import Settings
from bot.services.classifier import classify
from bot.services.triage import triage
from bot.vocab import Category

DATA = Path(__file__).parent / "data" / "triage_flags.csv"
PHRASINGS = Path(__file__).parent / "data" / "triage_phrasings.csv"  # written before the rules' rewrite
ORG_LANGUAGE = Path(__file__).parent / "data" / "triage_org_language.csv"  # one company's own product names
CHECKPOINTS = (0, 10, 25, 50)  # flags raised (and corrected where wrong) before each measurement


def learning_curve() -> None:
    """Accuracy after 0, 10, 25 and 50 flags, each raised as Tend routes it (`raise_flag`) and, when the team
    is wrong, moved by an admin ("Not ours", `reroute_flag`), which keeps it as an example: how many
    corrections it took, and what they taught. Measured on the company's own words held aside (`evaluate`), and on the
    held-aside phrasings above (which must not get worse)."""
    import random
    import tempfile

    from bot.db import make_engine, make_session_factory, session_scope, upgrade
    from bot.models import Account, RoutingRule, Team
    from bot.services import routing_examples
    from bot.services.flag_lifecycle import reroute_flag
    from bot.services.flags import FlagRequest, raise_flag
    from bot.services.people import Access, Actor

    rows = list(csv.DictReader(ORG_LANGUAGE.open(encoding="utf-8")))
    pool = [r for r in rows if r["part"] == "correction"]
    random.Random(7).shuffle(pool)  # corrections arrive in no particular order
    evaluate = [r for r in rows if r["part"] == "evaluate"]
    held = [r for r in csv.DictReader(PHRASINGS.open(encoding="utf-8")) if r["part"] == "held_out"]
    url = f"sqlite:///{tempfile.mkdtemp(prefix='tend-triage-')}/learn.db"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    admin = Actor(Access.MEMBER, "Omar Haddad", "omar@example.com", None, "admin", "UTC", "U0OMAR")
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    with session_scope(factory) as session:
        for category in Category:
            team = Team(name=category.value.capitalize(), channel=f"#{category.value}", sla_hours=24)
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


def phrasings_report(path: Path = PHRASINGS) -> None:
    """The rules alone on the phrasings written before they were rewritten: the part they were tuned on and
    the part held aside, per category, and how often the words' severity matched the label."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    parts = ("tune", "held_out")
    total: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    severity_right = 0
    for row in rows:
        judged = classify(row["text"])
        key = (row["part"], row["category"])
        total[key] += 1
        right[key] += judged.category.value == row["category"]
        severity_right += (judged.severity.value == "urgent") == (row["severity"] == "urgent")
    counts = Counter(row["part"] for row in rows)
    print(
        f"\nRules alone on {len(rows)} phrasings ({path.name}: "
        f"{counts['tune']} tuned on, {counts['held_out']} held aside)"
    )
    print(f"{'category':<10} {'tuned on':>12} {'held aside':>12}")
    for category in [c.value for c in Category]:
        cells = [
            f"{right[(p, category)]}/{total[(p, category)]} {right[(p, category)] / max(total[(p, category)], 1):>4.0%}"
            for p in parts
        ]
        print(f"{category:<10} {cells[0]:>12} {cells[1]:>12}")
    sums = [(sum(right[k] for k in total if k[0] == p), sum(total[k] for k in total if k[0] == p)) for p in parts]
    cells = [f"{r}/{n} {r / max(n, 1):>4.0%}" for r, n in sums]
    print(f"{'all':<10} {cells[0]:>12} {cells[1]:>12}")
    print(f"urgent or not, read from the words: {severity_right}/{len(rows)} as labelled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DATA)
    args = parser.parse_args()
    load_dotenv()
    settings = Settings.from_env()
    model = make_model(settings)
    rows = list(csv.DictReader(args.file.open(encoding="utf-8")))
    total: Counter[str] = Counter(row["category"] for row in rows)
    rules_right: Counter[str] = Counter()
    model_right: Counter[str] = Counter()
    at_once = at_once_right = answered = 0
    seconds: list[float] = []
    for row in rows:
        expected = row["category"]
        rules_right[expected] += classify(row["text"]).category.value == expected
        if model is None:
            continue
        started = time.monotonic()
        result = triage(model, row["text"], None)
        seconds.append(time.monotonic() - started)
        answered += result.by_model
        model_right[expected] += result.category.value == expected
        if result.file_now and result.by_model:
            at_once += 1
            at_once_right += result.category.value == expected
    print(f"Flag triage on {len(rows)} labelled flags ({args.file.name})")
    print(f"{'category':<10} {'flags':>5} {'rules':>7} {'rules + model':>14}")
    for category in [c.value for c in Category]:
        n = total[category]
        if n:
            with_model = f"{model_right[category] / n:>13.0%}" if model else f"{'-':>13}"
            print(f"{category:<10} {n:>5} {rules_right[category] / n:>7.0%} {with_model}")
    overall = sum(rules_right.values()) / len(rows)
    if model is None:
        print(f"{'all':<10} {len(rows):>5} {overall:>7.0%} {'-':>13}")
        print("rules + model: not measured (set OPENAI_API_KEY, and OPENAI_BASE_URL / OPENAI_MODEL if needed)")
        phrasings_report()
        learning_curve()
        return
    print(f"{'all':<10} {len(rows):>5} {overall:>7.0%} {sum(model_right.values()) / len(rows):>13.0%}")
    print(
        f"model {model.name}: answered {answered}/{len(rows)} (the rest fell back to the rules); "
        f"filed at once {at_once} ({at_once_right} right), the rest waited for the reporter's click; "
        f"latency p50 {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )
    phrasings_report()


if __name__ == "__main__":
    main()

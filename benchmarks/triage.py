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
from pathlib import Path

from dotenv import load_dotenv

from bot.ai import make_model
from bot.config import Settings
from bot.services.classifier import classify
from bot.services.triage import triage
from bot.vocab import Category

DATA = Path(__file__).parent / "data" / "triage_flags.csv"
PHRASINGS = Path(__file__).parent / "data" / "triage_phrasings.csv"  # written before the rules' rewrite


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

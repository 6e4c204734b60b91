"""`python -m benchmarks.triage` runs without a key and prints routing with no AI on every labelled set."""

from __future__ import annotations

import subprocess
import sys

from tests.processes import ROOT


def test_the_triage_benchmark_measures_routing_without_a_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": ""}  # a .env key is not used
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.triage"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    assert "Flag triage with a model: not measured" in done.stdout
    no_ai, learning = done.stdout.split("Learning from corrections", 1)
    assert "the keyword rules alone -> the rules with the phrasebook" in no_ai
    header = next(line for line in no_ai.splitlines() if line.startswith("category"))
    for name in ("fresh, held aside (175)", "phrasings held aside (61)", "phrasings rules tuned on (100)"):
        assert name in header
    rows = {line.split()[0]: line for line in no_ai.splitlines() if "% -> " in line}
    assert len(rows) == 8  # seven categories and the total
    assert rows["all"].count("->") == 4  # every set: rules alone, then with the phrasebook
    curve = [line.split() for line in learning.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in curve] == ["0", "10", "25", "50", "60"]  # flags raised before each measurement
    own_words = [int(row[3].rstrip("%")) for row in curve]
    assert own_words[-1] > own_words[0] + 30  # corrections taught it the company's own words

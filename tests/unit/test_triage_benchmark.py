"""`python -m benchmarks.triage` runs without a key and prints the rules' accuracy on the labelled set."""

from __future__ import annotations

import subprocess
import sys

from tests.processes import ROOT


def test_the_triage_benchmark_measures_the_rules_without_a_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": ""}  # a .env key is not used
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.triage"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Flag triage on 97 labelled flags (triage_flags.csv)" in done.stdout
    assert "rules + model: not measured" in done.stdout
    first, phrasings = done.stdout.split("Rules alone on", 1)
    assert first.count("%") == 8  # seven categories and the total
    assert "161 phrasings (triage_phrasings.csv: 100 tuned on, 61 held aside)" in phrasings
    phrasings, learning = phrasings.split("Learning from corrections", 1)
    assert phrasings.count("%") == 16  # both parts, seven categories and the total each
    curve = [line.split() for line in learning.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in curve] == ["0", "10", "25", "50", "60"]  # flags raised before each measurement
    own_words = [int(row[3].rstrip("%")) for row in curve]
    assert own_words[-1] > own_words[0] + 30  # corrections taught it the company's own words

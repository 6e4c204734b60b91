#!/usr/bin/env bash
# Sets up Tend in .venv and runs it: Slack and/or Teams when .env has credentials, else the seeded local demo console.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"  # flat memory under sustained load (README: Slack, step 2)
exec .venv/bin/python app.py "$@"

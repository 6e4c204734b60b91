"""The clock process: the only scheduler. Each job is planned work that is safe to run any number of times.

Jobs register in `JOBS` as they arrive (nudges, digests, escalations, deliver); the registry is empty until
the issues that build them land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.db import SessionFactory


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[SessionFactory, datetime], str]  # returns a one-line summary of what it did
    every_seconds: int


JOBS: dict[str, Job] = {}
NAMES = ("nudges", "digests", "escalations", "deliver")

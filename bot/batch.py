"""Helpers for the clock's big runs, which hold a whole company's accounts in memory at once."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

CHUNK = 900  # keeps IN (...) lists under SQLite's bound-parameter limit
T = TypeVar("T")
BATCH_THRESHOLD = 200_000  # allocations between young-generation collections inside a batch (default 700)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cycles rarely while a batch builds hundreds of thousands of small, acyclic objects (a digest
    run's facts and assessments): with the default threshold the collector rescans them every 700
    allocations, which measured as two thirds of a 100k-account digest run. Collection still happens, only
    less often; the previous thresholds come back afterwards, also on error."""
    before = gc.get_threshold()
    gc.set_threshold(BATCH_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def chunks(items: list[T], size: int = CHUNK) -> Iterable[list[T]]:
    """`items` in lists of at most `size`, for statements that take a list of ids."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

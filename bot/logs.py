"""One way to log: `key=value` lines a log search can filter on, at the level LOG_LEVEL sets. What people
wrote (commands' text, descriptions, notes) and secrets never go into them at info level."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format=FORMAT)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


def fields(**values: object) -> str:
    """`request=42 team=T0 outcome=done`; values with spaces are quoted."""
    parts = []
    for key, value in values.items():
        text = "-" if value is None or value == "" else str(value)
        parts.append(f'{key}="{text}"' if " " in text or '"' in text else f"{key}={text}")
    return " ".join(parts)


@contextmanager
def one_line(logger: logging.Logger, **values: object) -> Iterator[dict[str, object]]:
    """Log one line for the work inside: `values`, `outcome=done|failed`, `ms`, then anything the work added
    to the yielded dict (a job's summary). A failure is logged with its traceback and raised again."""
    added: dict[str, object] = {}
    started = time.monotonic()
    try:
        yield added
    except Exception:
        logger.exception(fields(**values, outcome="failed", ms=round((time.monotonic() - started) * 1000)))
        raise
    logger.info(fields(**values, outcome="done", ms=round((time.monotonic() - started) * 1000), **added))

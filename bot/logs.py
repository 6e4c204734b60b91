"""One way to log: `key=value` lines a log search can filter on, at the level LOG_LEVEL sets. What people
wrote (commands' text, descriptions, notes) and secrets never go into them at info level."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _NothingPeopleTyped(logging.Filter):
    """Slack's libraries log what arrived: Bolt a badly signed request's whole body (at info), slack_sdk every
    payload it sends or receives (at debug). Those lines hold what people typed, so they are cut or dropped
    before any handler writes them, whatever LOG_LEVEL says."""

    NOISE = ("`token` will be unused",)  # Bolt's start-up warning about a token Tend deliberately gives its client

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("slack_bolt", "slack_sdk")):
            return True
        if record.name == "slack_bolt.RequestVerification":
            record.msg, record.args = "refused a request with an invalid signature or timestamp (body not logged)", ()
            return True
        if record.levelno < logging.INFO:
            return False
        return not any(noise in record.getMessage() for noise in self.NOISE)


def configure(level: str = "INFO") -> None:
    """Log to stderr at `level` (LOG_LEVEL), for every entry point: `python app.py`, gunicorn, the clock."""
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=FORMAT)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, _NothingPeopleTyped) for f in handler.filters):
            handler.addFilter(_NothingPeopleTyped())
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


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

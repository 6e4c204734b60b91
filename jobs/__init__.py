"""The clock process: the only scheduler. Each job is planned work that is safe to run any number of times.

Jobs register in `JOBS` as their features land (nudges, digests and escalations are still to come).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.db import SessionFactory
from bot.gateway import ChatGateway
from bot.services.delivery import deliver_due


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[SessionFactory, ChatGateway, datetime], str]  # returns a one-line summary of what it did
    every_seconds: int


def gateway_for(settings: Settings) -> ChatGateway:
    """Slack when configured; otherwise messages are printed, so the demo shows what would be sent."""
    if settings.has_slack:
        from bot.slack.app import make_gateway

        return make_gateway(settings)
    from bot.console import PrintingGateway

    return PrintingGateway(sys.stdout)


def _deliver(factory: SessionFactory, gateway: ChatGateway, now: datetime) -> str:
    return str(deliver_due(factory, gateway, now))


JOBS: dict[str, Job] = {"deliver": Job("deliver", _deliver, every_seconds=60)}
NAMES = ("nudges", "digests", "escalations", "deliver")

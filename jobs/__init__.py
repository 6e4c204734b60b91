"""The clock process: the only scheduler. Each job is planned work that is safe to run any number of times.

Jobs register in `JOBS` by name; `python -m jobs run NAME` runs one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.ai.client import make_model
from bot.config import Settings
from bot.console import PrintingGateway
from bot.db import SessionFactory, session_scope
from bot.delivery.deliverer import deliver_due
from bot.digests.build import send_due as send_digests
from bot.flags.escalations import escalate_stalled
from bot.flags.proposals import file_expired
from bot.gateway import ChatGateway
from bot.nudges.rules import plan_due
from bot.nudges.sending import send_due
from bot.platforms import configured, gateways
from bot.text import plural


@dataclass(frozen=True)
class Clockwork:
    """What every job needs: the settings, the database and the way out to every configured platform."""

    settings: Settings
    factory: SessionFactory
    gateway: ChatGateway


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Clockwork, datetime], str]  # returns a one-line summary of what it did
    every_seconds: int


def gateway_for(settings: Settings, factory: SessionFactory) -> ChatGateway:
    """Every configured platform's, each message through its own; with none, messages are printed, so the
    demo shows what would be sent."""
    platforms = configured(settings)
    return gateways(settings, factory, platforms) if platforms else PrintingGateway(sys.stdout)


# The clock starts a delivery run every minute (never two at once): one run may use most of that minute to
# wait out short rate limits and carry on.
DELIVER_BUDGET = 50.0


def _deliver(rt: Clockwork, now: datetime) -> str:
    return str(deliver_due(rt.factory, rt.gateway, now, budget=DELIVER_BUDGET))


def _escalations(rt: Clockwork, now: datetime) -> str:
    """Plans only; the messages go out with the next delivery (`run all` delivers last)."""
    with session_scope(rt.factory) as session:
        escalated = escalate_stalled(session, now)
    return f"{plural(len(escalated), 'flag')} escalated" + (
        f": #{', #'.join(map(str, escalated))}" if escalated else ""
    )


def _nudges(rt: Clockwork, now: datetime) -> str:
    """Plan what is newly due (rules, set-based), then queue one message per CSM now in working hours."""
    today = now.astimezone(ZoneInfo(rt.settings.timezone)).date()
    added = plan_due(rt.factory, now, today)
    with session_scope(rt.factory) as session:
        queued = send_due(session, now, rt.settings.timezone)
    planned = ", ".join(f"{count} {reason}" for reason, count in added.items() if count) or "nothing new"
    return f"planned {planned}; {queued}"


def _digests(rt: Clockwork, now: datetime) -> str:
    """Queue the digest of every manager whose morning it is (once per local day)."""
    with session_scope(rt.factory) as session:
        return str(send_digests(session, now, rt.settings.timezone, make_model(rt.settings)))


def _proposals(rt: Clockwork, now: datetime) -> str:
    """File the flags whose AI proposal nobody confirmed in time, as the keyword rules say."""
    with session_scope(rt.factory) as session:
        filed = file_expired(session, now, rt.settings.timezone)
    return f"{plural(len(filed), 'unconfirmed proposal')} filed" + (
        f": #{', #'.join(map(str, filed))}" if filed else ""
    )


def _requests(rt: Clockwork, now: datetime) -> str:
    """Finish chat requests whose web process died between the ack and the answer, on every platform."""
    platforms = configured(rt.settings)
    if not platforms:
        return "no chat platform configured: nothing to finish"
    return "; ".join(f"{p.name}: {p.finish_stranded(rt.settings, rt.factory, rt.gateway, now)}" for p in platforms)


JOBS: dict[str, Job] = {
    "requests": Job("requests", _requests, every_seconds=60),
    "nudges": Job("nudges", _nudges, every_seconds=3600),
    "digests": Job("digests", _digests, every_seconds=300),
    "escalations": Job("escalations", _escalations, every_seconds=300),
    "proposals": Job("proposals", _proposals, every_seconds=60),
    "deliver": Job("deliver", _deliver, every_seconds=60),
}
NAMES = ("requests", "proposals", "nudges", "digests", "escalations", "deliver")
RUN_ALL = (*(n for n in NAMES if n != "deliver"), "deliver")  # `run all`: delivery last, sending what the rest queued

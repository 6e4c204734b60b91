"""Microsoft Teams as one of the platforms Tend serves (see `bot.platforms`): its outbox gateway, its web
endpoint (/api/messages), and how the `requests` job finishes its stranded requests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.ai.client import make_model
from bot.clock import Clock, FixedClock, SystemClock
from bot.config import Settings
from bot.db import SessionFactory
from bot.gateway import ChatGateway
from bot.platforms import Platform, WsgiApp
from bot.runtime import lifecycle
from bot.teams import connector
from bot.teams.auth import IncomingAuth
from bot.teams.gateway import TeamsGateway
from bot.teams.identity import PLATFORM as NAME
from bot.teams.requests import TeamsRuntime
from bot.teams.web import PATH, endpoint


def runtime(
    settings: Settings, factory: SessionFactory, gateway: ChatGateway, clock: Clock | None = None
) -> TeamsRuntime:
    return TeamsRuntime(
        settings=settings,
        session_factory=factory,
        clock=clock or SystemClock(),
        gateway=gateway,
        connector=connector.shared(settings),
        model=make_model(settings),
    )


def endpoints(settings: Settings, factory: SessionFactory, gateway: ChatGateway) -> Mapping[str, WsgiApp]:
    return {PATH: endpoint(runtime(settings, factory, gateway), IncomingAuth(settings))}


def gateway(settings: Settings, factory: SessionFactory) -> ChatGateway:
    return TeamsGateway(settings, factory)


def finish_stranded(settings: Settings, factory: SessionFactory, out: ChatGateway, now: datetime) -> str:
    return lifecycle.finish_stranded(factory, NAME, now, lambda: runtime(settings, factory, out, FixedClock(now)))


def channel_label(ref: str) -> str:
    """A Teams channel id says nothing to a reader: name the place, not the id."""
    return "the team's Teams channel"


PLATFORM = Platform(
    name=NAME,
    gateway=gateway,
    endpoints=endpoints,
    finish_stranded=finish_stranded,
    channel_label=channel_label,
)

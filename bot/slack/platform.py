"""Slack as one of the platforms Tend serves (see `bot.platforms`): its outbox gateway, its web endpoint, and
how the `requests` job finishes its stranded requests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import SessionFactory
from bot.gateway import ChatGateway
from bot.platforms import Platform, WsgiApp
from bot.runtime import lifecycle
from bot.slack.app import build_app, make_client, make_gateway
from bot.slack.identity import PLATFORM as NAME
from bot.slack.identity import learn_home
from bot.slack.listeners import HANDLERS
from bot.slack.requests import Deps
from bot.slack.web import PATH, endpoint


def endpoints(settings: Settings, session_factory: SessionFactory, gateway: ChatGateway) -> Mapping[str, WsgiApp]:
    settings.require_slack_http()
    return {PATH: endpoint(build_app(settings, session_factory, gateway=gateway))}


def gateway(settings: Settings, _factory: SessionFactory) -> ChatGateway:
    return make_gateway(settings)


def finish_stranded(settings: Settings, factory: SessionFactory, gateway: ChatGateway, now: datetime) -> str:
    def start() -> Deps:  # only a run with work to do asks Slack who Tend is
        client = make_client(settings)
        return Deps(
            settings=settings,
            session_factory=factory,
            clock=FixedClock(now),
            gateway=gateway,
            client=client,
            home=learn_home(client),
            handlers=HANDLERS,
        )

    return lifecycle.finish_stranded(factory, NAME, now, start)


def channel_label(ref: str) -> str:
    """A channel by name (`#billing`) or id (`C0123ABCD`), as Slack people write it."""
    return f"#{ref.lstrip('#')}"


PLATFORM = Platform(
    name=NAME,
    gateway=gateway,
    endpoints=endpoints,
    finish_stranded=finish_stranded,
    channel_label=channel_label,
)

"""The chat platforms Tend serves, as the entry points see them: what the web process mounts, what the clock's
`requests` job finishes and what the outbox delivers through. Each adapter package `bot/<name>/` describes
itself in its `platform.py` as a `Platform`; the settings say which are configured. Adding a platform adds
its package and its settings, and nothing here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from bot.config import Settings
from bot.db import SessionFactory
from bot.gateway import ChatGateway, Gateways, Target

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]  # what a platform's endpoint is


@dataclass(frozen=True)
class Platform:
    name: str  # as `Target.platform` and the inbox name it
    # The outbox's way out to this platform (the database, for what it keeps of how to reach a person).
    gateway: Callable[[Settings, SessionFactory], ChatGateway]
    # path → app, for the web process; what its requests queue goes out through the gateways of every platform
    endpoints: Callable[[Settings, SessionFactory, ChatGateway], Mapping[str, WsgiApp]]
    # The `requests` job: finish this platform's requests whose process died after the ack.
    finish_stranded: Callable[[Settings, SessionFactory, ChatGateway, datetime], str]
    # How the platform names one of its channels in a sentence ("#billing" on Slack).
    channel_label: Callable[[str], str] = str


def configured(settings: Settings) -> list[Platform]:
    """Every platform the settings configure, e.g. Slack when SLACK_BOT_TOKEN is set."""
    platforms = [import_module(f"bot.{name}.platform").PLATFORM for name in settings.platforms]
    assert all(isinstance(p, Platform) for p in platforms)
    return platforms


def channel_label(channel: Target) -> str:
    """A team's channel as its own platform writes it in text; the bare reference for a platform Tend has no
    adapter for here (the console, tests)."""
    try:
        module = import_module(f"bot.{channel.platform}.platform")
    except ImportError:
        return channel.ref
    described: Platform = module.PLATFORM
    return described.channel_label(channel.ref)


def pick_channel(channels: Sequence[Target], platform: str) -> Target | None:
    """The channel to point a reader on `platform` to: the one there, else the team's first."""
    return next((c for c in channels if c.platform == platform), channels[0] if channels else None)


def gateways(settings: Settings, factory: SessionFactory, platforms: list[Platform]) -> Gateways:
    """One gateway for the outbox that sends each message through its own platform's."""
    return Gateways({p.name: p.gateway(settings, factory) for p in platforms}, default=platforms[0].name)

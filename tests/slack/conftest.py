"""Slack-level fixtures: Tend's real WSGI app served on 127.0.0.1, its WebClient pointed at a fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config import Secret, Settings
from bot.db import SessionFactory
from bot.slack.app import build_app, make_client
from bot.slack.web import make_wsgi
from tests.fakes.local_server import served
from tests.fakes.slack_requests import SIGNING_SECRET, SlackSender
from tests.fakes.slack_server import FakeSlack

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class SlackHarness:
    fake: FakeSlack
    send: SlackSender
    factory: SessionFactory
    base_url: str


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()
    assert not fake.violations, "outgoing Slack payloads broke Block Kit or mention rules:\n" + "\n".join(
        fake.violations
    )


def slack_settings(fake: FakeSlack, **over: Any) -> Settings:
    return Settings(
        slack_bot_token=Secret("xoxb-test-token"),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_api_url=fake.url,
        **over,
    )


@pytest.fixture
def slack(fake_slack: FakeSlack, engine: Engine, factory: SessionFactory) -> Iterator[SlackHarness]:
    with serving(slack_settings(fake_slack), fake_slack, engine, factory) as harness:
        yield harness


@contextmanager
def serving(
    settings: Settings, fake_slack: FakeSlack, engine: Engine, factory: SessionFactory, now: datetime = NOW
) -> Iterator[SlackHarness]:
    """Tend's WSGI app with `settings`, served on 127.0.0.1 until the block ends."""
    client: WebClient = make_client(settings)
    app = build_app(settings, factory, client=client, clock=FixedClock(now))
    with served(make_wsgi(app, engine)) as base:
        yield SlackHarness(
            fake_slack, SlackSender(f"{base}/slack/events", fake_slack.response_url(), fake_slack), factory, base
        )

"""Teams-level fixtures: Tend's real WSGI app on 127.0.0.1 with Teams configured, talking to a fake Bot
Connector, token authority and key server; activities sent as the Bot Framework sends them, signed."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config import Secret, Settings
from bot.db import SessionFactory
from bot.platforms import gateways
from bot.runtime.web import make_wsgi
from bot.teams import platform as teams_platform
from bot.teams.auth import IncomingAuth
from bot.teams.web import PATH, endpoint
from tests.fakes.local_server import served
from tests.fakes.teams_server import APP_ID, TENANT, FakeTeams

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
_ids = itertools.count(1)


def teams_settings(fake: FakeTeams, **over: Any) -> Settings:
    return Settings(
        teams_app_id=APP_ID,
        teams_app_password=Secret("app-secret"),
        teams_tenant_id=TENANT,
        teams_openid_metadata_url=fake.openid_metadata_url,
        teams_login_url=fake.origin,
        teams_service_url=fake.service_url,
        **over,
    )


@dataclass
class TeamsHarness:
    fake: FakeTeams
    factory: SessionFactory
    url: str
    runtime: teams_platform.TeamsRuntime

    def post(self, activity: dict[str, Any], token: str | None = "mint") -> int:
        """POST an activity as the Bot Framework does; the HTTP status Tend answered."""
        return self.send(activity, token)[0]

    def invoke(self, name: str, value: dict[str, Any], **where: Any) -> tuple[int, Any]:
        """An invoke activity (what a message extension sends); the status and the JSON Tend answered."""
        activity = {**self.say("", **where), "type": "invoke", "name": name, "value": value}
        del activity["text"]
        return self.send(activity)

    def send(self, activity: dict[str, Any], token: str | None = "mint") -> tuple[int, Any]:
        data = json.dumps(activity).encode()
        request = urllib.request.Request(self.url, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        if token == "mint":
            token = self.fake.mint(activity.get("serviceUrl"))
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                body = answer.read()
                return int(answer.status), json.loads(body) if body else None
        except urllib.error.HTTPError as error:
            return int(error.code), None

    def say(
        self,
        text: str,
        *,
        user: str = "29:maya",
        conversation: str = "a:maya-chat",
        kind: str = "personal",
        tenant: str = TENANT,
        value: dict[str, Any] | None = None,
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        """A message activity: typed text, or a card's submit (`value`)."""
        activity: dict[str, Any] = {
            "type": "message",
            "id": activity_id or f"msg-{next(_ids)}",
            "timestamp": NOW.isoformat(),
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": user, "name": user, "aadObjectId": f"aad-{user}"},
            "conversation": {"id": conversation, "conversationType": kind, "tenantId": tenant},
            "recipient": {"id": f"28:{APP_ID}", "name": "Tend"},
            "text": text,
            "channelData": {"tenant": {"id": tenant}},
        }
        if value is not None:
            activity["value"] = value
        return activity

    def wait(self, condition: Callable[[], Any], seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert condition(), "timed out waiting"


@pytest.fixture
def fake_teams() -> Iterator[FakeTeams]:
    fake = FakeTeams().start()
    yield fake
    fake.stop()
    assert not fake.violations, "activities sent to Teams broke the card rules:\n" + "\n".join(fake.violations)


@pytest.fixture
def teams(fake_teams: FakeTeams, engine: Engine, factory: SessionFactory) -> Iterator[TeamsHarness]:
    with serving(teams_settings(fake_teams), fake_teams, engine, factory) as harness:
        yield harness


@contextmanager
def serving(
    settings: Settings, fake: FakeTeams, engine: Engine, factory: SessionFactory, now: datetime = NOW
) -> Iterator[TeamsHarness]:
    """Tend's WSGI app with Teams configured by `settings`, served on 127.0.0.1 until the block ends."""
    out = gateways(settings, factory, [teams_platform.PLATFORM])
    runtime = teams_platform.runtime(settings, factory, out, FixedClock(now))
    try:
        with served(make_wsgi(engine, {PATH: endpoint(runtime, IncomingAuth(settings))})) as base:
            yield TeamsHarness(fake, factory, f"{base}{PATH}", runtime)
    finally:
        runtime.shutdown()

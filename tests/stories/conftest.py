"""Each story runs once per platform: the same people doing the same things, through Slack's driver and
through Teams' driver, each against Tend's real web app and that platform's fake, on every database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.db import SessionFactory
from tests.slack.conftest import fake_slack, slack_settings
from tests.slack.conftest import serving as slack_serving
from tests.stories.driver import Driver
from tests.stories.slack_driver import SlackDriver
from tests.stories.teams_driver import TeamsDriver
from tests.teams.conftest import fake_teams, teams_settings
from tests.teams.conftest import serving as teams_serving

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning
__all__ = ["fake_slack", "fake_teams"]  # the platforms' own fixtures, used through `driver`


@pytest.fixture(params=["slack", "teams"])
def driver(request: pytest.FixtureRequest, engine: Engine, factory: SessionFactory) -> Iterator[Driver]:
    if request.param == "slack":
        fake = request.getfixturevalue("fake_slack")
        with slack_serving(slack_settings(fake), fake, engine, factory, NOW) as slack:
            yield SlackDriver(slack, NOW)
    else:
        fake = request.getfixturevalue("fake_teams")
        with teams_serving(teams_settings(fake), fake, engine, factory, NOW) as teams:
            yield TeamsDriver(teams, NOW)

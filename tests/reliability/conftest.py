"""The reliability suite uses the Slack-level fixtures: a fake Web API that can misbehave on demand, and
Tend's real WSGI app in front of it."""

from tests.slack.conftest import fake_slack, slack  # noqa: F401 - fixtures, used by name
from tests.test_cli import database  # noqa: F401 - a fixture, used by name

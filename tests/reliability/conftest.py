"""The reliability suite uses the Slack-level fixtures: a fake Web API that can misbehave on demand."""

from tests.slack.conftest import fake_slack  # noqa: F401 - a fixture, used by name

"""The platforms Tend serves, as the core sees them: which are configured, and how each names a channel."""

from __future__ import annotations

from bot.config import Secret, Settings
from bot.gateway import Target
from bot.platforms import channel_label, configured, pick_channel


def test_slack_is_served_when_its_token_is_set_and_nothing_otherwise():
    assert configured(Settings()) == []
    [slack] = configured(Settings(slack_bot_token=Secret("xoxb-1")))
    assert slack.name == "slack"


def test_a_channel_is_named_by_its_own_platform():
    assert channel_label(Target("slack", "channel", "billing")) == "#billing"
    assert channel_label(Target("slack", "channel", "#billing")) == "#billing"
    assert channel_label(Target("chat", "channel", "room-7")) == "room-7"  # no adapter here: as stored


def test_a_reader_is_pointed_to_the_teams_channel_on_their_own_platform():
    both = [Target("slack", "channel", "billing"), Target("teams", "channel", "19:b@thread.tacv2")]
    assert pick_channel(both, "teams") == both[1]
    assert pick_channel(both, "console") == both[0]  # elsewhere: the team's first
    assert pick_channel([], "slack") is None

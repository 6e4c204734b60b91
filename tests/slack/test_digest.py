"""A manager's digest as Slack receives it: one DM, within Block Kit's limits for a 500-account team, with
account names that ping no one."""

from __future__ import annotations

import json

from bot.delivery.deliverer import deliver_due
from bot.digests.build import send_due
from bot.slack.app import make_gateway
from tests.factories import make_dropping_team
from tests.slack.conftest import NOW, slack_settings
from tests.slack.test_flag_command import posts


def test_a_big_teams_digest_reaches_the_manager_within_limits_and_pings_no_one(slack, session, fake_slack):
    make_dropping_team(session, 500, "<!channel> @here Account", NOW.date())
    session.commit()
    slack.fake.add_user("U0LENA", "lena@example.com", name="Lena Lead")
    send_due(session, NOW, "UTC")
    session.commit()
    assert deliver_due(slack.factory, make_gateway(slack_settings(fake_slack)), NOW).sent == 1
    [dm] = posts(slack)
    assert dm["channel"] == "U0LENA"
    shown = json.dumps(dm, ensure_ascii=False)
    assert "Health drops (500)" in shown and "…and 492 more: /tend digest all" in shown
    assert "&lt;!channel&gt; @here Account" in shown and "<!channel>" not in shown
    # The fake's checker fails the test on any Block Kit limit broken or any mrkdwn that could ping.

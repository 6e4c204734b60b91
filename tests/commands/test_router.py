"""What Tend answers to: every button the domain puts on a message it sends on its own (team posts, nudge DMs)
has a handler, and no two command modules can claim one name."""

from __future__ import annotations

import pytest

from bot.flags.permissions import FlagAction
from bot.messages import Reply
from bot.nudges.actions import NudgeAction
from commands.router import ROUTES
from commands.routes import Routes


@pytest.mark.parametrize("verb", [*FlagAction, *NudgeAction])
def test_every_verb_the_domain_offers_has_a_handler(verb: str) -> None:
    assert verb in ROUTES.actions, f"a {verb!r} button would do nothing when pressed"


def test_an_old_button_still_finds_its_handler_by_its_posted_name() -> None:
    # Buttons posted by earlier versions carry these names as plain strings.
    for name in ("flag.take", "flag.resolve", "flag.reroute", "flag.reassign", "flag.change_category"):
        assert name in ROUTES.actions
    for name in ("nudge.checkin", "nudge.snooze", "nudge.criteria", "nudge.dismiss", "nudge.draft"):
        assert name in ROUTES.actions


def test_two_modules_claiming_one_name_fail_at_start_up() -> None:
    first, second = Routes(), Routes()
    first.action(FlagAction.TAKE)(lambda ctx, value: Reply("one"))
    second.action("flag.take")(lambda ctx, value: Reply("two"))
    with pytest.raises(ValueError, match="registered twice"):
        Routes.merged(first, second)

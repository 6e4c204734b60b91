"""The flag shortcuts the manifest declares. Flagging arrives with its own issue; until then they explain."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.messages import Reply, Section
from bot.slack.blocks import render
from bot.slack.runtime import Deps

FLAG_CALLBACKS = ("flag_message", "flag_problem")
COMING_SOON = Reply(
    "Flagging customer problems is coming soon.",
    blocks=(
        Section(
            "Flagging customer problems from Slack is coming soon. For now, tell the account's CSM "
            "directly; /account <name> shows who that is."
        ),
    ),
)


def register(app: App, deps: Deps) -> None:
    def coming_soon(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=render.modal(COMING_SOON, "Flag a problem"))

    for callback_id in FLAG_CALLBACKS:
        app.shortcut(callback_id)(coming_soon)

"""Button presses: the pressed action runs through the command layer; the answer replaces the message it was
pressed in, or opens in a modal when pressed on the Home tab (which has no message to replace)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

import commands as command_layer
from bot.slack.blocks import render
from bot.slack.runtime import Deps, run_for_user

ACTION_IDS = re.compile(r"^[a-z_.]+:\d+$")


def register(app: App, deps: Deps) -> None:
    @app.action(ACTION_IDS)
    def button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        name, value = render.parse_action_id(action["action_id"]), action.get("value") or ""
        reply = run_for_user(
            deps, client, context, body["user"]["id"], lambda ctx: command_layer.dispatch_action(ctx, name, value)
        ).reply
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=True, **render.message(reply))
        elif body.get("trigger_id"):
            client.views_open(trigger_id=body["trigger_id"], view=render.modal(reply, reply.title or "Tend"))

"""Events: the Home tab shows how to use Tend and the person's own accounts."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

import commands as command_layer
from bot.slack.blocks import render
from bot.slack.runtime import Deps, run_for_user


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        deps.after_ack(lambda: publish_home(deps, event, client, context))


def publish_home(deps: Deps, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    reply = run_for_user(
        deps, client, context, event["user"], lambda ctx: command_layer.dispatch(ctx, "/account", "")
    ).reply
    client.views_publish(user_id=event["user"], view=render.home(reply))

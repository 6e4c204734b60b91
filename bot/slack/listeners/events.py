"""Events: the Home tab answers "what needs me today?" (commands/home.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

import commands as command_layer
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.runtime import Deps, Inbound, run_for_user


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab") == "home":
            intake.accept(deps, "event", body, context)  # Slack's redeliveries share the event_id: one answer


@intake.handles("event")
def publish_home(deps: Deps, request: Inbound) -> None:
    reply = run_for_user(deps, request, lambda ctx: command_layer.dispatch(ctx, "/tend", "home")).reply
    deps.client.views_publish(user_id=request.user_id, view=render.home(reply))

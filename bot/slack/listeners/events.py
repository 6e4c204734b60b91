"""Events: the Home tab answers "what needs me today?" (commands/home.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.messages import Reply
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.requests import Answer, Deps, Inbound, run_for_user
from commands import router


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> BoltResponse | None:
        if event.get("tab") != "home":
            return None
        return intake.accept(deps, "event", body, ack)  # Slack's redeliveries share the event_id: one answer


def publish_home(deps: Deps, request: Inbound) -> Answer:
    answer = run_for_user(deps, request, lambda ctx: router.dispatch(ctx, "/tend", "home"))
    home = answer.reply if isinstance(answer.reply, Reply) else Reply(answer.reply.title)  # Home is never a form
    deps.client.views_publish(user_id=request.user_id, view=render.home(home))
    return answer

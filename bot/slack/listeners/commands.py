"""Slash commands (/account, /tend, /flag): ack at once, then answer through response_url, only to the asker."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.messages import Form
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.blocks.text import unescape
from bot.slack.requests import Answer, Deps, Inbound, open_view, run_for_user
from commands import router

SLASH_COMMANDS = re.compile(r"^/(account|tend|flag)$")


def register(app: App, deps: Deps) -> None:
    @app.command(SLASH_COMMANDS)
    def slash_command(ack: Ack, body: dict[str, Any]) -> BoltResponse | None:
        return intake.accept(deps, "command", body, ack)  # within Slack's 3 seconds, before any Web API work


def answer_command(deps: Deps, request: Inbound) -> Answer:
    body = request.body
    name, text = body["command"], unescape(body.get("text") or "")  # Slack sends `&`, `<`, `>` escaped
    # Slack's retries of one command carry its trigger_id: anything the command creates is created once.
    answer = run_for_user(
        deps,
        request,
        lambda ctx: router.dispatch(ctx, name, text),
        request_id=f"slash:{body.get('trigger_id') or body.get('response_url')}",
    )
    if isinstance(answer.reply, Form):
        open_view(deps, request, render.form_view(answer.reply))
    else:
        # Always ephemeral: status cards hold ARR, health and renewal terms, for the asker's eyes only.
        request.respond(response_type="ephemeral", **render.message(answer.reply))
    return answer

"""Slash commands (/account, /tend, /flag): ack at once, then answer through response_url, only to the asker."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

import commands as command_layer
from bot.messages import Form
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.runtime import Deps, Inbound, deliver_queued, open_view, run_for_user

SLASH_COMMANDS = re.compile(r"^/(account|tend|flag)$")


def register(app: App, deps: Deps) -> None:
    @app.command(SLASH_COMMANDS)
    def slash_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()  # within Slack's 3 seconds, before any Web API or database work
        intake.accept(deps, "command", body, context)


@intake.handles("command")
def answer_command(deps: Deps, request: Inbound) -> None:
    body = request.body
    name, text = body["command"], body.get("text") or ""
    # Slack's retries of one command carry its trigger_id: anything the command creates is created once.
    answer = run_for_user(
        deps,
        request,
        lambda ctx: command_layer.dispatch(ctx, name, text),
        request_id=f"slash:{body.get('trigger_id') or body.get('response_url')}",
    )
    if isinstance(answer.reply, Form):
        open_view(deps, request, render.form_view(answer.reply))
    else:
        # Always ephemeral: status cards hold ARR, health and renewal terms, for the asker's eyes only.
        request.respond(response_type="ephemeral", **render.message(answer.reply))
    deliver_queued(deps, answer)

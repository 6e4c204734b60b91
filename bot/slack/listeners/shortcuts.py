"""Shortcuts that flag a problem: from any message (the form prefilled with its text and a link to it) or
from anywhere (an empty form)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

import commands as command_layer
from bot.messages import Form
from bot.slack.blocks import render
from bot.slack.runtime import Deps, run_for_user
from commands.flag_form import COMPOSE

MESSAGE_SHORTCUT, GLOBAL_SHORTCUT = "flag_message", "flag_problem"


def unescape(text: str) -> str:
    """Message text arrives escaped once by Slack; the form shows it as the person wrote it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def permalink(body: dict[str, Any]) -> str:
    domain = (body.get("team") or {}).get("domain")
    channel, ts = (body.get("channel") or {}).get("id"), (body.get("message") or {}).get("ts", "")
    if not (domain and channel and ts):
        return ""
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def register(app: App, deps: Deps) -> None:
    def shortcut(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        ack()
        deps.after_ack(lambda: open_form(deps, body, client, context, respond))

    app.shortcut(MESSAGE_SHORTCUT)(shortcut)
    app.shortcut(GLOBAL_SHORTCUT)(shortcut)


def open_form(deps: Deps, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
    given = {}
    if body.get("type") == "message_action":
        given = {"text": unescape((body.get("message") or {}).get("text") or ""), "link": permalink(body)}
    answer = run_for_user(
        deps,
        client,
        context,
        body["user"]["id"],
        lambda ctx: command_layer.dispatch_action(ctx, COMPOSE, json.dumps(given)),
    )
    if isinstance(answer.reply, Form):
        client.views_open(trigger_id=body["trigger_id"], view=render.form_view(answer.reply))
    elif body.get("response_url"):
        respond(response_type="ephemeral", **render.message(answer.reply))
    else:
        client.views_open(trigger_id=body["trigger_id"], view=render.modal(answer.reply, "Tend"))

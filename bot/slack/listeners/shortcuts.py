"""Shortcuts that flag a problem: from any message (the form prefilled with its text and a link to it) or
from anywhere (an empty form)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.messages import Form
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.blocks.text import unescape
from bot.slack.requests import Answer, Deps, Inbound, open_view, run_for_user, tell
from commands import router
from commands.flags.form import COMPOSE

MESSAGE_SHORTCUT, GLOBAL_SHORTCUT = "flag_message", "flag_problem"


def permalink(body: dict[str, Any]) -> str:
    domain = (body.get("team") or {}).get("domain")
    channel, ts = (body.get("channel") or {}).get("id"), (body.get("message") or {}).get("ts", "")
    if not (domain and channel and ts):
        return ""
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def register(app: App, deps: Deps) -> None:
    def shortcut(ack: Ack, body: dict[str, Any]) -> BoltResponse | None:
        return intake.accept(deps, "shortcut", body, ack)

    app.shortcut(MESSAGE_SHORTCUT)(shortcut)
    app.shortcut(GLOBAL_SHORTCUT)(shortcut)


def compose_flag(deps: Deps, request: Inbound) -> Answer:
    body, given = request.body, {}
    if body.get("type") == "message_action":
        given = {"text": unescape((body.get("message") or {}).get("text") or ""), "link": permalink(body)}
    answer = run_for_user(deps, request, lambda ctx: router.dispatch_action(ctx, COMPOSE, json.dumps(given)))
    if isinstance(answer.reply, Form):
        open_view(deps, request, render.form_view(answer.reply))
    elif body.get("response_url"):
        tell(deps, request, answer.reply)
    else:
        open_view(deps, request, render.modal(answer.reply, "Tend"))
    return answer

"""Button presses: the pressed action runs through the command layer; the answer replaces the message it was
pressed in, or opens in a modal when pressed on the Home tab (which has no message to replace)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.messages import Form
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.requests import Answer, Deps, Inbound, open_view, run_for_user
from commands import router

ACTION_IDS = re.compile(r"^[a-z_.]+:\d+$")


def register(app: App, deps: Deps) -> None:
    @app.action(ACTION_IDS)
    def button(ack: Ack, body: dict[str, Any]) -> BoltResponse | None:
        return intake.accept(deps, "action", body, ack)


def answer_button(deps: Deps, request: Inbound) -> Answer:
    body = request.body
    action = body["actions"][0]
    name, value = render.parse_action_id(action["action_id"]), action.get("value") or ""
    answer = run_for_user(deps, request, lambda ctx: router.dispatch_action(ctx, name, value))
    result = answer.reply
    if isinstance(result, Form):
        return replace(answer, give=partial(open_view, deps, request, render.form_view(result)))
    if body.get("response_url"):
        # Our own private messages (pick lists) are replaced; a shared channel post is left alone and the
        # presser gets a private answer (its in-place update goes through the outbox).
        in_place = bool((body.get("container") or {}).get("is_ephemeral"))
        message = render.message(result)
        return replace(
            answer, give=partial(request.respond, response_type="ephemeral", replace_original=in_place, **message)
        )
    if body.get("trigger_id"):
        return replace(answer, give=partial(open_view, deps, request, render.modal(result, result.title or "Tend")))
    return answer

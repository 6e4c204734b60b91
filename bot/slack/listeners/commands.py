"""Slash commands (/account, /tend, /flag), answered only to the asker: in the ack itself when the answer is a
few milliseconds of reads for someone Tend knows (an account's card), else acked at once (recorded in the
inbox) and answered through response_url."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.logs import fields
from bot.messages import Form, Reply
from bot.runtime import requests
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.blocks.text import unescape
from bot.slack.requests import Answer, Deps, Inbound, open_view, run_for_user
from commands import router

log = logging.getLogger(__name__)
SLASH_COMMANDS = re.compile(r"^/(account|tend|flag)$")


def register(app: App, deps: Deps) -> None:
    @app.command(SLASH_COMMANDS)
    def slash_command(ack: Ack, body: dict[str, Any]) -> BoltResponse | None:
        reply = instant_answer(deps, body)
        if reply is not None:  # the answer is the ack: no queue, no response_url round trip
            ack(response_type="ephemeral", **render.message(reply))
            return None
        return intake.accept(deps, "command", body, ack)  # within Slack's 3 seconds, before any Web API work


def instant_answer(deps: Deps, body: dict[str, Any]) -> Reply | None:
    """A read-only command's answer (an account's card) for someone Tend knows already, worked out within
    the ack (bot.instant); None: record it and answer after the ack."""
    name, user_id = str(body.get("command") or ""), str(body.get("user_id") or "")
    if not router.answers_instantly(name) or not user_id:
        return None
    started, text = time.monotonic(), unescape(body.get("text") or "")
    reply = requests.answer_instantly(deps, deps.known(user_id), lambda ctx: router.dispatch(ctx, name, text))
    if reply is not None:
        team = body.get("team_id")
        ms = round((time.monotonic() - started) * 1000)
        log.info(fields(request="-", team=team, kind="command", name=name, outcome="answered in the ack", ms=ms))
    return reply


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
        return replace(answer, give=partial(open_view, deps, request, render.form_view(answer.reply)))
    # Always ephemeral: status cards hold ARR, health and renewal terms, for the asker's eyes only.
    return replace(answer, give=partial(request.respond, response_type="ephemeral", **render.message(answer.reply)))

"""Slash commands (/account, /tend, /flag), answered only to the asker: in the ack itself when the answer is a
few milliseconds of work for someone Tend knows (an account's card; a flag, committed before the ack), else
acked at once (recorded in the inbox) and answered through response_url."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot.instant import Instant
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
    """A quick command's answer (an account's card, a flag the rules file) for someone Tend knows already,
    worked out within the ack (bot.instant); None: record it and answer after the ack."""
    name, user_id = str(body.get("command") or ""), str(body.get("user_id") or "")
    instant = router.answers_instantly(name)
    if instant is None or not user_id:
        return None
    started, text = time.monotonic(), unescape(body.get("text") or "")
    kept = requests.Kept(Inbound("command", body), request_id(body)) if instant is Instant.WRITES else None
    reply = requests.answer_instantly(deps, deps.known(user_id), lambda ctx: router.dispatch(ctx, name, text), kept)
    if reply is not None:
        team = body.get("team_id")
        ms = round((time.monotonic() - started) * 1000)
        log.info(fields(request="-", team=team, kind="command", name=name, outcome="answered in the ack", ms=ms))
    return reply


def request_id(body: dict[str, Any]) -> str:
    """What a command files things under: Slack's retries of one command carry its trigger_id, so anything
    the command creates is created once, whether it was answered in the ack or after it."""
    return f"slash:{body.get('trigger_id') or body.get('response_url')}"


def answer_command(deps: Deps, request: Inbound) -> Answer:
    body = request.body
    name, text = body["command"], unescape(body.get("text") or "")  # Slack sends `&`, `<`, `>` escaped
    answer = run_for_user(deps, request, lambda ctx: router.dispatch(ctx, name, text), request_id=request_id(body))
    if isinstance(answer.reply, Form):
        return replace(answer, give=partial(open_view, deps, request, render.form_view(answer.reply)))
    # Always ephemeral: status cards hold ARR, health and renewal terms, for the asker's eyes only.
    return replace(answer, give=partial(request.respond, response_type="ephemeral", **render.message(answer.reply)))

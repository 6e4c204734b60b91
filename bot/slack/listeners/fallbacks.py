"""Requests no other listener claims: a button or form from an older version of Tend, a command or shortcut
the app's manifest gained before the code did, an event Tend subscribed to but does not use. Each gets an
ack (Slack shows an error, and retries events, when it gets none) and, where a person is waiting, a plain
explanation. Registered last: Bolt runs the first listener that matches."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

from bot.messages import Reply
from bot.slack.blocks import render
from bot.slack.requests import Deps, Inbound, tell
from commands import router

log = logging.getLogger(__name__)

ANYTHING = re.compile(".*")
UNKNOWN_SHORTCUT = "Tend doesn't know that shortcut. Type /tend help to see what it can do."


def register(app: App, deps: Deps) -> None:
    def told(kind: str, body: dict[str, Any], text: str) -> None:
        request = Inbound(kind, body)
        log.warning("an unknown Slack %s (%s) was answered as out of date", kind, request.name)
        deps.after_ack(lambda: tell(deps, request, Reply(text)))

    @app.action(ANYTHING)
    def unknown_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        told("action", body, router.STALE_BUTTON)

    @app.view(ANYTHING)
    def unknown_form(ack: Ack, body: dict[str, Any]) -> None:
        log.warning("a submission of an unknown form (%s) was answered as out of date", body["view"].get("callback_id"))
        ack(response_action="update", view=render.modal(Reply(router.STALE_FORM), "Tend"))

    @app.options(ANYTHING)
    def unknown_search(ack: Ack) -> None:
        ack(options=[])

    @app.shortcut(ANYTHING)
    def unknown_shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        told("shortcut", body, UNKNOWN_SHORTCUT)

    @app.command(ANYTHING)
    def unknown_command(ack: Ack, body: dict[str, Any]) -> None:
        name = str(body.get("command", ""))[:40]
        ack(response_type="ephemeral", text=router.UNKNOWN_COMMAND.format(name=name))

    @app.event(ANYTHING)
    def other_event() -> None:
        """Acknowledged (Bolt acks events itself) and ignored: Slack stops redelivering it."""

"""POST /api/messages: Bot Framework activities from Microsoft Teams. Each is verified by its JWT (401
otherwise), recorded in the inbox before Teams hears "200" (an activity delivered again is answered once),
and worked on after the acknowledgement; the answer goes out through the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from bot.platforms import WsgiApp
from bot.runtime import lifecycle
from bot.runtime.recording import Outcome
from bot.runtime.web import answer, refuse
from bot.teams import dialogs
from bot.teams.auth import IncomingAuth
from bot.teams.requests import Activity, TeamsRuntime

PATH = "/api/messages"
log = logging.getLogger(__name__)


def kind_of(body: dict[str, Any]) -> str | None:
    """Which activities Tend works on: messages (typed or a card's submit) and Tend being installed for
    someone in their personal chat (the welcome); everything else is acknowledged and left."""
    kind = body.get("type")
    if kind == "message":
        return "message"
    personal = (body.get("conversation") or {}).get("conversationType") == "personal"
    if kind == "installationUpdate" and body.get("action") in ("add", "add-upgrade") and personal:
        return "install"
    return None


def endpoint(runtime: TeamsRuntime, auth: IncomingAuth) -> WsgiApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return refuse(start_response, "405 Method Not Allowed", "POST activities here")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return refuse(start_response, "400 Bad Request", "an activity is a JSON object")
        if not auth.verified(environ.get("HTTP_AUTHORIZATION", ""), body):
            return refuse(start_response, "401 Unauthorized", "unauthorized")
        if body.get("type") == "invoke":  # answered in the response: Teams waits for it
            return answer(
                start_response, "200 OK", "application/json", json.dumps(dialogs.invoke(runtime, body)).encode()
            )
        kind = kind_of(body)
        if kind is not None:
            outcome = lifecycle.record(runtime, Activity(kind, body))
            if outcome not in (Outcome.RECORDED, Outcome.REPEAT):
                return refuse(start_response, "503 Service Unavailable", "busy: please try again")
        return answer(start_response, "200 OK", "text/plain; charset=utf-8", b"")

    return app

"""Slack's endpoint: POST /slack/events for Bolt (mounted by `bot.runtime.web` beside the health probes), and
Socket Mode for local development."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import SessionFactory
from bot.platforms import WsgiApp
from bot.runtime import web
from bot.slack.app import build_app

log = logging.getLogger(__name__)

PATH = "/slack/events"


def endpoint(app: App) -> WsgiApp:
    """Every Slack request (commands, events, interactivity, shortcuts) through Bolt."""
    slack = SlackRequestHandler(app, path=PATH)

    def events(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return slack(environ, start_response)
        except Exception as error:
            # Bolt parses the body before it checks the signature or runs a listener (whose errors it
            # handles itself): what escapes is a body no Slack request has (not UTF-8, broken JSON).
            log.warning("refused an unreadable request to %s (%s)", environ.get("PATH_INFO"), type(error).__name__)
            return web.refuse(start_response, "400 Bad Request", "not a Slack request Tend can read")

    return events


def make_wsgi(app: App, engine: Engine) -> WsgiApp:
    """Tend's web app with Slack alone mounted (tests and benchmarks; `app.py` mounts every platform)."""
    return web.make_wsgi(engine, {PATH: endpoint(app)})


def run_socket_mode(settings: Settings, session_factory: SessionFactory) -> None:
    """Serve Slack over a websocket (local development: no public URL, no signing secret)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(build_app(settings, session_factory), settings.slack_app_token.value).start()

"""Tend's entry point.

`python app.py`: with SLACK_BOT_TOKEN + SLACK_APP_TOKEN, Socket Mode; with SLACK_BOT_TOKEN +
SLACK_SIGNING_SECRET, HTTP on PORT; with no Slack credentials, the local demo (seeded SQLite + console).
`gunicorn app:wsgi`: the same HTTP app for production.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from functools import cache
from typing import Any

from dotenv import load_dotenv

from bot.accounts import catalog
from bot.cli import main as cli
from bot.config import ConfigError, Settings
from bot.db import engine_for, make_session_factory
from bot.flags.routing import phrasebook
from bot.logs import configure
from bot.platforms import WsgiApp, configured, gateways
from bot.runtime.web import make_wsgi, serve

load_dotenv()
log = logging.getLogger("tend")


@cache
def _wsgi() -> WsgiApp:
    """The web app: every configured platform's endpoint beside the health probes."""
    settings = Settings.from_env()
    configure(settings.log_level)  # gunicorn imports this, and nothing else configures Tend's logs there
    platforms = configured(settings)
    if not platforms:
        raise ConfigError(
            "no chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or TEAMS_APP_ID and its "
            "password and tenant (see .env.example)"
        )
    phrasebook.warm()
    engine = engine_for(settings)
    factory = make_session_factory(engine)
    catalog.warm_soon(factory)  # so that the first /account cards can be answered inside their ack
    out = gateways(settings, factory, platforms)
    return make_wsgi(
        engine, {path: app for p in platforms for path, app in p.endpoints(settings, factory, out).items()}
    )


def __getattr__(name: str) -> Any:
    """`app.wsgi` is built on first access, so importing this module never needs Slack credentials."""
    if name == "wsgi":
        return _wsgi()
    raise AttributeError(name)


def main() -> int:
    try:
        settings = Settings.from_env()
        if settings.slack_bot_token and settings.slack_app_token and not settings.has_teams:
            return _socket_mode(settings)  # Teams has no socket mode: with Teams, both are served over HTTP
        if settings.platforms:
            return _http(settings)
    except ConfigError as error:
        print(f"tend: {error}", file=sys.stderr)
        return 2
    return _demo()


def _log_to_stderr(settings: Settings) -> None:
    """Servers log their progress; the demo console keeps the screen for the conversation."""
    configure(settings.log_level)


def _socket_mode(settings: Settings) -> int:
    from bot.slack.web import run_socket_mode  # Slack's SDK is imported only where Slack is configured

    _log_to_stderr(settings)
    phrasebook.warm()
    log.info("Tend is connecting to Slack over Socket Mode")
    run_socket_mode(settings, make_session_factory(engine_for(settings)))
    return 0


def _http(settings: Settings) -> int:
    _log_to_stderr(settings)
    server = serve(_wsgi(), "0.0.0.0", settings.port)
    # SIGTERM (a deploy, a scale-down): stop taking requests, finish those in flight and the work after
    # their acks (the work pool is joined at exit), then leave. Anything still claimed by a process that
    # dies harder is taken over once its lease lapses.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    names = ", ".join(settings.platforms)
    log.info("Tend is serving %s on http://0.0.0.0:%s (health: /healthz, /readyz)", names, settings.port)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()  # waits for requests in flight
    log.info("Tend stopped taking requests; finishing the work already acknowledged")
    return 0


def _demo() -> int:
    print("No Slack or Teams credentials found: starting the local demo (a seeded SQLite database and the console).")
    status = cli(["seed-demo"])
    return status or cli(["console"])


if __name__ == "__main__":
    sys.exit(main())

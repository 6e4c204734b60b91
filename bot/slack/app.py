"""The Bolt app factory: settings, a session factory and (for tests) a WebClient in; a wired App out."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.ai.client import make_model
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.db import SessionFactory
from bot.gateway import ChatGateway
from bot.slack.gateway import SlackGateway
from bot.slack.identity import home_of
from bot.slack.listeners import HANDLERS, register_listeners
from bot.slack.requests import Deps

log = logging.getLogger(__name__)
# Seconds a deliverer waits for Slack's answer to a post. Slack may post the message and answer late: giving up
# early makes the outbox post it again, so a deliverer (no person waiting on it) waits long.
DELIVERY_TIMEOUT = 30


def make_client(settings: Settings) -> WebClient:
    """A WebClient on `SLACK_API_URL` that retries connection errors, 429s (after Retry-After) and 500/503:
    for the calls a request makes after its ack (users.info, views.open, response_url)."""
    return _web_client(
        settings,
        10,
        [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def make_gateway(settings: Settings, client: WebClient | None = None) -> SlackGateway:
    """The outbox's way to Slack. Its client retries only lost connections: a 429 or 5xx goes back to the
    outbox, which reschedules the message (after Retry-After) rather than sleeping in a worker."""
    return SlackGateway(
        client or _web_client(settings, DELIVERY_TIMEOUT, [ConnectionErrorRetryHandler(max_retry_count=1)])
    )


def _web_client(settings: Settings, timeout: int, retry_handlers: list[RetryHandler]) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token.value or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=retry_handlers,
    )


def build_app(
    settings: Settings,
    session_factory: SessionFactory,
    client: WebClient | None = None,
    clock: Clock | None = None,
    gateway: ChatGateway | None = None,
) -> App:
    client = client or make_client(settings)
    # Who Tend is, asked once at start-up (a bad token fails fast): the app's own workspace for telling
    # members from outsiders, and Bolt's authorisation of every request. No request ever waits for it.
    try:
        introduction = client.auth_test()
    except SlackApiError as error:
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN (auth.test: {error.response.get('error')})") from error
    authorized = _authorized_as(introduction, client.token)
    app = App(
        # Bolt's own client carries no token: each request's gets it from `authorize`.
        client=WebClient(base_url=client.base_url, timeout=client.timeout, retry_handlers=client.retry_handlers),
        authorize=lambda: AuthorizeResult(**authorized),
        signing_secret=settings.slack_signing_secret.value or None,
        # In Socket Mode there is no signature to check; over HTTP every request must be signed.
        request_verification_enabled=bool(settings.slack_signing_secret),
        # The answer to Slack goes out when the listener returns. Listeners only check, record and hand over
        # (bot/slack/intake.py, bot/runtime/lifecycle.py): with Bolt's default (False) every ack waits in
        # 10 ms polling steps.
        process_before_response=True,
    )
    gateway = gateway or make_gateway(settings)
    home = home_of(introduction)  # no request can say otherwise
    deps = Deps(
        settings=settings,
        session_factory=session_factory,
        clock=clock or SystemClock(),
        gateway=gateway,
        client=client,
        home=home,
        model=make_model(settings),
        handlers=HANDLERS,
    )
    register_listeners(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.exception("unhandled error in a Slack listener (%s)", type(error).__name__, exc_info=error)
        return BoltResponse(status=500, body="")

    return app


def _authorized_as(introduction: SlackResponse, token: str | None) -> dict[str, Any]:
    """What Bolt's authorisation needs to know about Tend's own token, from its auth.test answer."""
    result = AuthorizeResult.from_auth_test_response(auth_test_response=introduction, bot_token=token)
    return {
        "enterprise_id": result.enterprise_id,
        "team_id": result.team_id,
        "bot_id": result.bot_id,
        "bot_user_id": result.bot_user_id,
        "bot_token": result.bot_token,
    }

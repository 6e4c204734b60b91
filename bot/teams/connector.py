"""Tend's calls to the Bot Connector, through the Teams SDK's client: send, redraw, who is this member, open a
personal chat. Every failure becomes a DeliveryError the outbox understands: a 429 (Retry-After honoured:
the SDK does not retry), 5xx and network failures are temporary; what retrying cannot fix is permanent."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from microsoft_teams.api import ApiClient, TeamsChannelAccount
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.common import ClientOptions

from bot.config import Settings
from bot.gateway import DeliveryError
from bot.teams import loop
from bot.teams.auth import BotToken, TokenError

PERMANENT = {400: "the connector refused the message", 403: "Tend may not post there", 404: "no such conversation"}
TIMEOUT = 15.0


class Connector:
    def __init__(self, token: BotToken) -> None:
        self._token = token
        self._clients: dict[str, ApiClient] = {}

    def _client(self, service_url: str) -> ApiClient:
        client = self._clients.get(service_url)
        if client is None:  # one per service URL (a tenant's region), kept for its connections
            client = ApiClient(service_url, ClientOptions(token=self._token, timeout=TIMEOUT))
            self._clients[service_url] = client
        return client

    def send(self, service_url: str, conversation: str, activity: dict[str, Any]) -> str:
        """Post `activity` in `conversation`; the new activity's id."""
        params = MessageActivityInput.model_validate(activity)
        sent = _call(self._client(service_url).conversations.create_activity(conversation, params))
        return str(sent.id)

    def update(self, service_url: str, conversation: str, activity_id: str, activity: dict[str, Any]) -> None:
        params = MessageActivityInput.model_validate(activity)
        _call(self._client(service_url).conversations.update_activity(conversation, activity_id, params))

    def member(self, service_url: str, conversation: str, user_id: str) -> TeamsChannelAccount:
        """Who a conversation member is: their email or UPN, tenant and role (the contract's identity)."""
        return _call(self._client(service_url).conversations.get_member_by_id(conversation, user_id))

    def personal_chat(self, service_url: str, user_id: str, tenant_id: str) -> str:
        """The conversation id of Tend's personal chat with a user (the connector opens it, or finds it)."""
        params = CreateConversationParams.model_validate(
            {"members": [{"id": user_id}], "tenantId": tenant_id, "isGroup": False}
        )
        return str(_call(self._client(service_url).conversations.create(params)).id)


@cache
def shared(settings: Settings) -> Connector:
    """The process's connector for these settings: one token and one set of connections for every thread."""
    return Connector(BotToken(settings))


def _call(work: Any) -> Any:
    try:
        return loop.run(work, TIMEOUT + 5)
    except httpx.HTTPStatusError as error:
        raise delivery_error(error.response) from error
    except TokenError as error:
        raise DeliveryError(str(error)) from error
    except (httpx.HTTPError, OSError, TimeoutError) as error:
        raise DeliveryError(f"could not reach the Bot Connector: {type(error).__name__}") from error


def delivery_error(response: httpx.Response) -> DeliveryError:
    status = response.status_code
    if status == 429:
        try:
            retry_after = float(response.headers.get("Retry-After") or 1)
        except ValueError:
            retry_after = 1.0
        return DeliveryError("rate limited by the Bot Connector", retry_after=retry_after)
    if status == 413:
        return DeliveryError("the message is too large for Teams", permanent=True)
    if status in PERMANENT:
        return DeliveryError(f"{PERMANENT[status]} (HTTP {status})", permanent=True)
    if status == 401:  # Tend's own credentials: an admin must fix them; retrying later is right once they do
        return DeliveryError("the Bot Connector refused Tend's token (HTTP 401): check TEAMS_APP_ID/PASSWORD")
    return DeliveryError(f"the Bot Connector answered HTTP {status}")

"""Delivering outbox messages to Slack. Failures become DeliveryError so the outbox reschedules them
(honouring Retry-After) instead of sleeping inside a request or a job."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.gateway import DeliveryError, Target
from bot.messages import Reply
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM

# Slack answers that retrying will not fix: recorded for admins, not retried.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "users_not_found",
        "user_not_found",
        "account_inactive",
        "invalid_auth",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "cannot_dm_bot",
    }
)


class SlackGateway:
    platform = PLATFORM
    side_by_side = True  # a WebClient makes each call on its own connection

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._user_ids: dict[str, str] = {}

    def send(self, target: Target, reply: Reply) -> str:
        try:
            if target.kind == "message":  # redraw a message already posted ("channel:ts")
                channel, ts = target.ref.split(":", 1)
                answer = self.client.chat_update(channel=channel, ts=ts, **render.message(reply))
            else:
                answer = self.client.chat_postMessage(
                    channel=self._channel(target), unfurl_links=False, unfurl_media=False, **render.message(reply)
                )
            return f"{answer['channel']}:{answer['ts']}"
        except SlackApiError as error:
            raise _delivery_error(error) from error
        except (SlackClientError, OSError) as error:
            raise DeliveryError(f"could not reach Slack: {type(error).__name__}") from error

    def _channel(self, target: Target) -> str:
        if target.kind == "channel":
            return target.ref.lstrip("#")
        if target.kind == "chat_user":
            return target.ref
        if target.ref not in self._user_ids:  # a person, by the email in the people list
            self._user_ids[target.ref] = self.client.users_lookupByEmail(email=target.ref)["user"]["id"]
        return self._user_ids[target.ref]


def _delivery_error(error: SlackApiError) -> DeliveryError:
    status = error.response.status_code
    code = str(error.response.get("error") or f"http_{status}")
    if status == 429:
        retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        return DeliveryError("ratelimited", retry_after=float(retry_after or 1))
    return DeliveryError(code, permanent=code in PERMANENT)

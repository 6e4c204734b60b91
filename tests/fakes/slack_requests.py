"""Signed HTTP requests shaped the way Slack sends them: slash commands, button presses, events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_server import HOME_TEAM, FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
_TRIGGERS = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    seconds: float


def new_trigger_id(kind: str) -> str:
    """Slack gives every interaction its own trigger_id (a retry of one repeats it)."""
    return f"{time.time_ns()}.{next(_TRIGGERS)}.{kind}"


def view_id(view: dict[str, Any]) -> str:
    """Slack's id of an opened modal: the same for every submission of that modal, different between modals."""
    return "V" + hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()[:10].upper()


def sign(body: str | bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    raw = body if isinstance(body, bytes) else body.encode()
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _from(payload: dict[str, Any], user_id: str, team_id: str | None, enterprise_id: str | None) -> dict[str, Any]:
    """Who sent an interactive payload, as Slack says it: the user's own team and, on Enterprise Grid (or from
    a Grid organisation in a shared channel), their organisation."""
    payload["user"] = {"id": user_id, "username": user_id.lower(), "team_id": team_id or HOME_TEAM}
    payload["team"] = {"id": team_id, "domain": "tend-test"} if team_id else None
    payload["enterprise"] = {"id": enterprise_id, "name": "Some Grid"} if enterprise_id else None
    payload["is_enterprise_install"] = False
    return payload


class SlackSender:
    """Posts to the app's /slack/events as Slack would, correctly signed unless told otherwise."""

    def __init__(self, app_url: str, response_url: str, fake: FakeSlack | None = None) -> None:
        self.app_url = app_url
        self.response_url = response_url
        self.fake = fake  # where a message the app answered with in its ack is shown, as Slack shows it

    def _shown(self, response: Response) -> Response:
        """Slack shows a message returned as the ack's body to the person who asked: so does the fake."""
        if self.fake is not None and response.status == 200 and response.body.startswith("{"):
            message = json.loads(response.body)
            if "text" in message or "blocks" in message:
                self.fake.record_ack(message, self.response_url.rsplit("/", 1)[-1])
        return response

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        tamper: str | None = None,
    ) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sent = tamper if tamper is not None else body
        request = urllib.request.Request(
            self.app_url,
            data=sent.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": signature if signature is not None else sign(body, ts, secret),
                **(headers or {}),
            },
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return self._shown(Response(answer.status, answer.read().decode(), time.monotonic() - started))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), time.monotonic() - started)

    def slash(
        self,
        command: str,
        text: str,
        *,
        user_id: str = "U0CSM",
        team_id: str | None = HOME_TEAM,
        enterprise_id: str | None = None,
        trigger_id: str | None = None,
        **options: Any,
    ) -> Response:
        """A slash command; each invocation gets its own trigger_id, as from Slack (a retry repeats one)."""
        fields = {
            "token": "legacy-verification-token",
            "team_id": team_id or "",
            "team_domain": "tend-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0TEND",
            "is_enterprise_install": "false",
            "response_url": self.response_url,
            "trigger_id": trigger_id or new_trigger_id("slash"),
        }
        if enterprise_id:
            fields.update(enterprise_id=enterprise_id, enterprise_name="Tend Grid")
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **options)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U0CSM",
        team_id: str | None = HOME_TEAM,
        enterprise_id: str | None = None,
        in_view: bool = False,
        ephemeral: bool = True,
        **options: Any,
    ) -> Response:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "api_app_id": "A0TEND",
            "token": "legacy-verification-token",
            "trigger_id": new_trigger_id("action"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "type": "button",
                    "value": value,
                    "text": {"type": "plain_text", "text": "pick"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if in_view:
            payload["container"] = {"type": "view", "view_id": "V0HOME"}
            payload["view"] = {"id": "V0HOME", "type": "home", "blocks": []}
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": "1.1",
                "channel_id": "C0GENERAL",
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": "C0GENERAL", "name": "general"}
            payload["response_url"] = self.response_url
        return self._interactive(_from(payload, user_id, team_id, enterprise_id), **options)

    def _interactive(self, payload: dict[str, Any], **options: Any) -> Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def shortcut(
        self, callback_id: str, *, user_id: str = "U0CSM", team_id: str = HOME_TEAM, enterprise_id: str | None = None
    ) -> Response:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": new_trigger_id("shortcut"),
            "token": "t",
            "action_ts": f"{time.time():.6f}",
        }
        return self._interactive(_from(payload, user_id, team_id, enterprise_id))

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev0001",
        team_id: str = HOME_TEAM,
        enterprise_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = json.dumps(
            {
                "token": "t",
                "team_id": team_id,
                **({"enterprise_id": enterprise_id} if enterprise_id else {}),
                "api_app_id": "A0TEND",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team_id, "user_id": "U0BOT", "is_bot": True}],
            }
        )
        return self.post(body, "application/json", headers=headers)

    def view_choice(self, view: dict[str, Any], block_id: str, value: str, *, user_id: str = "U0CSM") -> Response:
        """Choose `value` in the select of input `block_id` of a modal the app opened whose block asks Slack
        to say so at once (dispatch_action): a block_actions payload from inside the view."""
        chosen = {"type": "static_select", "selected_option": {"value": value}}
        payload = {
            "type": "block_actions",
            "api_app_id": "A0TEND",
            "token": "t",
            "trigger_id": new_trigger_id("action"),
            "container": {"type": "view", "view_id": view_id(view)},
            "view": {
                **view,
                "id": view_id(view),
                "hash": "h1",
                "state": {"values": {block_id: {"answer": chosen}}},
            },
            "actions": [{"action_id": "answer", "block_id": block_id, **chosen, "action_ts": f"{time.time():.6f}"}],
        }
        return self._interactive(_from(payload, user_id, HOME_TEAM, None))

    def view_submission(
        self,
        view: dict[str, Any],
        answers: dict[str, str],
        *,
        user_id: str = "U0CSM",
        team_id: str = HOME_TEAM,
        enterprise_id: str | None = None,
    ) -> Response:
        """Submit a modal the app opened, with `answers` typed into its inputs (by block_id)."""
        state = {
            block_id: {"answer": {"type": "plain_text_input", "value": value}} for block_id, value in answers.items()
        }
        payload = {
            "type": "view_submission",
            "api_app_id": "A0TEND",
            "token": "t",
            "trigger_id": new_trigger_id("view"),
            "view": {**view, "id": view_id(view), "team_id": HOME_TEAM, "state": {"values": state}},
        }
        return self._interactive(_from(payload, user_id, team_id, enterprise_id))

    def options(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U0CSM",
        team_id: str = HOME_TEAM,
        enterprise_id: str | None = None,
    ) -> Response:
        """The options request an external_select sends as the person types."""
        payload = {
            "type": "block_suggestion",
            "action_id": action_id,
            "block_id": "account",
            "value": value,
            "api_app_id": "A0TEND",
            "token": "t",
            "view": {"id": "V0MODAL", "type": "modal"},
        }
        return self._interactive(_from(payload, user_id, team_id, enterprise_id))

    def message_shortcut(
        self,
        callback_id: str,
        text: str,
        *,
        user_id: str = "U0CSM",
        ts: str = "1700000000.123456",
        team_id: str = HOME_TEAM,
        enterprise_id: str | None = None,
    ) -> Response:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": new_trigger_id("message"),
            "channel": {"id": "C0SALES", "name": "sales"},
            "token": "t",
            "action_ts": f"{time.time():.6f}",
            "message": {"type": "message", "user": "U0OTHER", "ts": ts, "text": text},
            "response_url": self.response_url,
        }
        return self._interactive(_from(payload, user_id, team_id, enterprise_id))

"""A story's people on Slack: slash commands, button presses, modals and the message shortcut as signed
requests to Tend's /slack/events; what they see read back from the fake Slack (response_url answers, DMs,
channel posts and their updates)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.db import SessionFactory
from bot.delivery.deliverer import deliver_due
from bot.slack.app import make_gateway
from tests.fakes.slack_requests import SlackSender, new_trigger_id
from tests.fakes.slack_server import Call, FakeSlack
from tests.slack.conftest import SlackHarness, slack_settings
from tests.stories.driver import waiting_for
from tests.stories.seen import Form, Seen, shown_slack, strings

THEIR_TEAM, THEIR_ORG = "T0THEIRS", "E0THEIRS"
COMMANDS = ("account", "flag", "tend")
PRIVATE = "ephemeral"  # where a response_url answer is: only its asker sees it


def user_id(email: str) -> str:
    return "U0" + email.split("@")[0].upper()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def seen(payload: dict[str, Any], where: str) -> Seen:
    blocks = _json(payload.get("blocks")) or []
    words = list(strings(blocks, ("text",))) if blocks else [payload.get("text") or ""]
    buttons = {
        element["text"]["text"]: element
        for element in _buttons(blocks)
        if isinstance(element.get("text"), dict) and "action_id" in element
    }
    return Seen(shown_slack("\n".join(words)), buttons, payload, where)


def _buttons(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if value.get("type") == "button" else []
        return found + [b for item in value.values() for b in _buttons(item)]
    if isinstance(value, list):
        return [b for item in value for b in _buttons(item)]
    return []


def form_of(view: dict[str, Any], errors: dict[str, str] | None = None) -> Form:
    fields: dict[str, str | None] = {}
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            element = block["element"]
            chosen = element.get("initial_option") or {}
            fields[block["block_id"]] = element.get("initial_value") or chosen.get("value")
    return Form(view["title"]["text"], fields, errors or {}, view, view)


class SlackDriver:
    name = "slack"

    def __init__(self, harness: SlackHarness, now: datetime) -> None:
        self.harness = harness
        self.fake: FakeSlack = harness.fake
        self.factory: SessionFactory = harness.factory
        self.now = now
        self.outsiders: set[str] = set()

    def channel_of(self, name: str) -> dict[str, str]:
        return {"channel": f"#{name}"}

    def join(self, email: str, name: str, *, outsider: bool = False) -> None:
        if outsider:  # Slack Connect: a user from another Grid organisation
            self.outsiders.add(email)
            self.fake.add_user(
                user_id(email),
                email,
                name=name,
                team_id=THEIR_TEAM,
                enterprise_user={"enterprise_id": THEIR_ORG},
            )
        else:
            self.fake.add_user(user_id(email), email, name=name)

    def _sender(self, email: str) -> SlackSender:
        return SlackSender(self.harness.send.app_url, self.fake.response_url(user_id(email)), self.fake)

    def _theirs(self, email: str) -> dict[str, str]:
        return {"team_id": THEIR_TEAM, "enterprise_id": THEIR_ORG} if email in self.outsiders else {}

    def ask(self, email: str, text: str, *, channel: str | None = None, times: int = 1) -> None:
        command, _, rest = text.partition(" ")
        assert command in COMMANDS, command
        trigger = new_trigger_id("slash")
        for retry in range(times):  # Slack's retries of one request repeat its trigger_id
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
            answer = self._sender(email).slash(
                f"/{command}",
                rest,
                user_id=user_id(email),
                trigger_id=trigger,
                headers=headers,
                **self._theirs(email),
            )
            assert answer.status == 200 and answer.seconds < 3

    def flag_message(self, email: str, text: str) -> Seen | Form:
        before = self._counts(email)
        self._sender(email).message_shortcut("flag_message", text, user_id=user_id(email), **self._theirs(email))
        return self._outcome(email, before, "the flag form")

    def press(self, email: str, seen_: Seen, label: str) -> Seen | Form:
        button = seen_.buttons[label]
        before = self._counts(email)
        answer = self._sender(email).block_action(
            button["action_id"],
            button.get("value", ""),
            user_id=user_id(email),
            ephemeral=seen_.where == PRIVATE,
            **self._theirs(email),
        )
        assert answer.status == 200 and answer.seconds < 3

        return self._outcome(email, before, f"what pressing {label!r} does")

    def _counts(self, email: str) -> tuple[int, int]:
        return len(self.fake.calls_to("views.open")), len(self._answers(email))

    def _outcome(self, email: str, before: tuple[int, int], what: str) -> Seen | Form:
        """The modal that opened since `before`, or the person's newest private answer."""

        def found() -> Seen | Form | None:
            views = self.fake.calls_to("views.open")
            if len(views) > before[0]:
                return form_of(_json(views[-1].params["view"]))
            answers = self._answers(email)
            return seen(answers[-1].params, PRIVATE) if len(answers) > before[1] else None

        return waiting_for(found, what)

    def submit(self, email: str, form: Form, answers: dict[str, str]) -> Form | None:
        view: dict[str, Any] = form.handle
        sender = self._sender(email)
        asked = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
        for block in view["blocks"] if set(answers) - asked else ():  # a choice that shows more fields
            chosen = answers.get(block.get("block_id", ""))
            if block.get("dispatch_action") and chosen:
                updates = len(self.fake.calls_to("views.update"))
                sender.view_choice(view, block["block_id"], chosen, user_id=user_id(email))
                view = _json(self.fake.wait_for("views.update", updates + 1)[-1].params["view"])
        typed = {**answers}
        for block in view["blocks"]:
            element = block.get("element", {})
            name = block.get("block_id", "")
            if element.get("type") == "external_select" and typed.get(name):  # type, then pick the first match
                found = sender.options(element["action_id"], typed[name], user_id=user_id(email))
                options = json.loads(found.body)["options"]
                typed[name] = options[0]["value"] if options else ""
        answer = sender.view_submission(view, typed, user_id=user_id(email), **self._theirs(email))
        assert answer.status == 200 and answer.seconds < 3
        said = json.loads(answer.body) if answer.body else {}
        if said.get("response_action") == "errors":
            return form_of(view, said["errors"])
        if said.get("response_action") == "update":
            return form_of(said["view"])
        return None

    def _answers(self, email: str) -> list[Call]:
        return [c for c in self.fake.answered() if c.to == user_id(email)]

    def private(self, email: str) -> list[Seen]:
        me = user_id(email)
        shown = []
        for call in list(self.fake.calls):
            if call.method in ("response_url", "ack") and call.to == me:
                shown.append(seen(call.params, PRIVATE))
            elif call.ok and call.method in ("chat.postMessage", "chat.update") and call.params.get("channel") == me:
                shown.append(seen(call.params, me))
            elif call.ok and call.method == "chat.postEphemeral" and call.params.get("user") == me:
                shown.append(seen(call.params, PRIVATE))
            elif call.method == "views.publish" and call.params.get("user_id") == me:  # the Home tab
                shown.append(seen(_json(call.params["view"]), "home"))
        return shown

    def channel(self, name: str) -> list[Seen]:
        ids = (name, f"C0{name.upper()}")  # by name (a team's channel) or by id (where a request came from)
        return [
            seen(call.params, name)
            for call in list(self.fake.calls)
            if call.ok and call.method in ("chat.postMessage", "chat.update") and call.params.get("channel") in ids
        ]

    def deliver(self, now: datetime) -> int:
        return deliver_due(self.factory, make_gateway(slack_settings(self.fake)), now).sent

    def throttle_dms(self, email: str, retry_after: int) -> None:
        self.fake.fail("chat.postMessage", status=429, error="ratelimited", retry_after=retry_after)

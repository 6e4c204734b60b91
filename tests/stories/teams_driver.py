"""A story's people on Microsoft Teams: messages typed in the personal chat or after an @mention in a channel,
card buttons and dialogs as invokes, "Flag this message" as the message extension, all signed activities to
Tend's /api/messages; what they see read back from the fake Bot Connector (personal chats, channel posts and
their updates in place)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from bot.db import SessionFactory
from bot.delivery.deliverer import deliver_due
from bot.platforms import gateways
from bot.teams import platform as teams_platform
from tests.fakes import adaptive
from tests.fakes.teams_server import OTHER_TENANT, FakeTeams
from tests.stories.driver import settled
from tests.stories.seen import Form, Seen, shown_teams, strings
from tests.teams.conftest import TeamsHarness, teams_settings

LINK = "https://teams.microsoft.com/l/message/19:sales@thread.tacv2/1700000000000"
_ids = itertools.count(1)


def user_id(email: str) -> str:
    return "29:" + email.split("@")[0]


def personal_chats(email: str) -> tuple[str, str]:
    """The chat Teams made when Tend was installed for them, and the one Tend opens itself when none is known."""
    return f"a:{email.split('@')[0]}-chat", f"a:personal-{user_id(email)}"


def channel_id(name: str) -> str:
    return f"19:{name}@thread.tacv2"


def where(email: str, conversation: str) -> dict[str, Any]:
    kind = "channel" if conversation.startswith("19:") else "personal"
    return {"user": user_id(email), "conversation": conversation, "kind": kind}


def seen(activity: dict[str, Any], conversation: str) -> Seen:
    cards = [a["content"] for a in activity.get("attachments") or []]
    words = list(strings(cards, ("text", "title", "value"), skip=("data",))) or [activity.get("summary") or ""]
    buttons = {a["title"]: a for a in _actions(cards)}
    return Seen(shown_teams("\n".join(words)), buttons, activity, conversation)


def _actions(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if str(value.get("type", "")).startswith("Action.") else []
        return found + [a for item in value.values() for a in _actions(item)]
    if isinstance(value, list):
        return [a for item in value for a in _actions(item)]
    return []


def form_of(answer: dict[str, Any], conversation: str, submit_as: str) -> Form:
    card = answer["task"]["value"]["card"]["content"]
    items = [i for i in card["body"] if "id" in i]
    fields = {i["id"]: i.get("value") for i in items}
    errors = {i["id"]: i["errorMessage"] for i in items if i.get("errorMessage")}
    return Form(answer["task"]["value"].get("title", ""), fields, errors, card, (conversation, submit_as))


class TeamsDriver:
    name = "teams"

    def __init__(self, harness: TeamsHarness, now: datetime) -> None:
        self.harness = harness
        self.fake: FakeTeams = harness.fake
        self.factory: SessionFactory = harness.factory
        self.now = now

    def channel_of(self, name: str) -> dict[str, str]:
        return {"teams_channel": channel_id(name)}

    def join(self, email: str, name: str, *, outsider: bool = False) -> None:
        if outsider:  # a guest from another organisation's tenant
            self.fake.add_member(user_id(email), email, name=name, tenant=OTHER_TENANT)
            return
        self.fake.add_member(user_id(email), email, name=name)
        installed = {**self.harness.say("", **where(email, personal_chats(email)[0])), "type": "installationUpdate"}
        installed["action"] = "add"
        del installed["text"]
        assert self.harness.post(installed) == 200
        self.harness.wait(lambda: self.fake.posted(personal_chats(email)[0]))  # the welcome
        settled(self)

    def ask(self, email: str, text: str, *, channel: str | None = None, times: int = 1) -> None:
        conversation = channel_id(channel) if channel else personal_chats(email)[0]
        typed = f"<at>Tend</at> {text}" if channel else text
        activity = self.harness.say(typed, activity_id=f"story-{next(_ids)}", **where(email, conversation))
        for _ in range(times):  # the Bot Framework delivers the same activity again
            assert self.harness.post(activity) == 200

    def flag_message(self, email: str, text: str) -> Seen | Form:
        payload = {"body": {"contentType": "html", "content": f"<p>{text}</p>"}, "linkToMessage": LINK}
        value = {"commandId": "flagMessage", "commandContext": "message", "messagePayload": payload}
        status, answer = self.harness.invoke("composeExtension/fetchTask", value, **where(email, channel_id("sales")))
        assert status == 200
        return self._outcome(answer, channel_id("sales"), "composeExtension/submitAction")

    def _outcome(self, answer: dict[str, Any], conversation: str, submit_as: str) -> Seen | Form:
        task = answer["task"]
        if task["type"] == "continue":  # a dialog: its card is checked as the fake checks what is posted
            form = form_of(answer, conversation, submit_as)
            self.fake.violations += [f"dialog: {p}" for p in adaptive.problems_in_card(form.raw)]
            return form
        return Seen(shown_teams(str(task["value"])), {}, answer, conversation)

    def press(self, email: str, seen_: Seen, label: str) -> Seen | Form:
        action = seen_.buttons[label]
        status, answer = self.harness.invoke("task/fetch", {"data": action["data"]}, **where(email, seen_.where))
        assert status == 200
        return self._outcome(answer, seen_.where, "task/submit")

    def submit(self, email: str, form: Form, answers: dict[str, str]) -> Form | None:
        conversation, submit_as = form.handle
        value: dict[str, Any] = {"data": {**form.raw["actions"][0]["data"], **answers}}
        if submit_as.startswith("composeExtension/"):
            value["commandId"] = "flagMessage"
        status, answer = self.harness.invoke(
            submit_as, value, activity_id=f"submit-{next(_ids)}", **where(email, conversation)
        )
        assert status == 200
        if not answer:
            return None
        outcome = self._outcome(answer, conversation, submit_as)
        return outcome if isinstance(outcome, Form) else None

    def private(self, email: str) -> list[Seen]:
        chats = personal_chats(email)
        return [seen(body, conversation) for conversation, body in self._shown() if conversation in chats]

    def channel(self, name: str) -> list[Seen]:
        return [
            seen(body, channel_id(name)) for conversation, body in self._shown() if conversation == channel_id(name)
        ]

    def _shown(self) -> list[tuple[str, dict[str, Any]]]:
        """Each post and each update in place, with its conversation, in the order they reached Teams."""
        shown = []
        for call in list(self.fake.calls):
            parts = call.path.split("/")  # /v3/conversations/{id}/activities[/{activityId}]
            if call.status == 200 and len(parts) >= 5 and parts[4] == "activities" and call.method in ("POST", "PUT"):
                shown.append((parts[3], call.body))
        return shown

    def deliver(self, now: datetime) -> int:
        out = gateways(teams_settings(self.fake), self.factory, [teams_platform.PLATFORM])
        return deliver_due(self.factory, out, now).sent

    def throttle_dms(self, email: str, retry_after: int) -> None:
        for chat in personal_chats(email):
            self.fake.fail(f"/v3/conversations/{chat}/activities", 429, retry_after=str(retry_after))

"""Answering one Teams activity through the neutral runtime: what was typed (`account acme`, `/flag …`,
`tend nudges`, after an @mention or not) or pressed (a card's button, a card form's submit), run for the
person behind it, and the answer sent where only they see it: in their personal chat; asked in a channel or
a group chat, the answer goes to their personal chat and the conversation sees only a short pointer."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import COMMANDS, Form, Reply, Section
from bot.people.actors import Access, Actor
from bot.runtime import requests
from bot.runtime.requests import Answer, Runtime
from bot.teams import cards, conversations
from bot.teams.connector import Connector
from bot.teams.forms import answers_of, form_problems
from bot.teams.gateway import SEPARATOR
from bot.teams.identity import PLATFORM, resolve_actor
from commands import router
from commands.context import CommandContext

log = logging.getLogger(__name__)

POINTER = "I've sent you the answer in our personal chat."
_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Activity:
    """An activity as the inbox keeps it: its kind (`message`, `install`) and the Bot Framework body."""

    kind: str
    body: dict[str, Any]

    @property
    def key(self) -> str:
        """The same for an activity delivered again (same id in the same conversation); short enough to keep."""
        where = f"{self.conversation}\n{self.body.get('id') or ''}\n{self.kind}"
        return "teams:" + hashlib.sha256(where.encode()).hexdigest()[:40]

    @property
    def name(self) -> str:
        words = typed(self.body).split(" ", 1)
        return words[0][:40] if self.kind == "message" else self.kind

    @property
    def team(self) -> str | None:
        return str((self.body.get("conversation") or {}).get("tenantId") or "") or None

    @property
    def conversation(self) -> str:
        return str((self.body.get("conversation") or {}).get("id") or "")

    @property
    def here(self) -> Target:
        """The conversation the activity came from, as the gateway addresses it."""
        return Target(PLATFORM, "conversation", SEPARATOR.join((self.body["serviceUrl"], self.conversation)))

    @property
    def personal(self) -> bool:
        return (self.body.get("conversation") or {}).get("conversationType") == "personal"

    @property
    def sender(self) -> str:
        return str((self.body.get("from") or {}).get("id") or "")

    def to_payload(self) -> dict[str, Any]:
        return {"body": self.body}


def typed(body: dict[str, Any], field: str = "text") -> str:
    """What the person typed, without Tend's @mention, markup or a leading slash."""
    text = _MENTION.sub(" ", str(body.get(field) or ""))
    text = html.unescape(_TAGS.sub(" ", text))
    return " ".join(text.split()).lstrip("/").strip()


def command_of(text: str) -> tuple[str, str]:
    """`account acme` → ("/account", "acme"); anything else is asked of `/tend` (its help, or a did-you-mean)."""
    word, _, rest = text.partition(" ")
    if word.lower() in COMMANDS:
        return f"/{word.lower()}", rest.strip()
    return ("/tend", text) if text else ("/tend", "help")


def pressed(body: dict[str, Any]) -> dict[str, Any] | None:
    """What a card's button or form sent (Action.Submit arrives as a message carrying `value`)."""
    value = body.get("value")
    tend = value.get("tend") if isinstance(value, dict) else None
    return tend if isinstance(tend, dict) else None


@dataclass(frozen=True, kw_only=True)
class TeamsRuntime(Runtime):
    platform: str = PLATFORM
    connector: Connector
    conversations: dict[str, str] = field(default_factory=dict)  # what this process wrote: bot.teams.conversations

    def request_of(self, kind: str, payload: dict[str, Any]) -> Activity:
        return Activity(kind, payload["body"])

    def handle(self, request: requests.Request) -> Answer | None:
        assert isinstance(request, Activity)
        body = request.body

        def answered(ctx: CommandContext) -> Reply | Form:
            result = self._run(ctx, request)
            if isinstance(result, Reply):
                self._queue(ctx, request, result)
            return result

        answer = requests.run_for(self, self.who(body), answered, request.key, request.key)
        if isinstance(answer.reply, Form):
            self._show_form(request, answer.reply)
        elif not answer.queued:  # a polite failure (the database, a bug): said straight to the conversation
            self._say(request, answer.reply)
        return answer

    def _run(self, ctx: CommandContext, request: Activity) -> Reply | Form:
        if request.kind == "install":
            return router.dispatch(ctx, "/tend", "home")
        button = pressed(request.body)
        if button is None:
            name, text = command_of(typed(request.body))
            return router.dispatch(ctx, name, text)
        if "form" in button:
            return self._submitted(ctx, request, button)
        return router.dispatch_action(ctx, str(button.get("action") or ""), str(button.get("value") or ""))

    def _submitted(self, ctx: CommandContext, request: Activity, button: dict[str, Any]) -> Reply | Form:
        name, value = str(button["form"]), str(button.get("value") or "")
        answers = answers_of(request.body.get("value"))
        problems = form_problems(ctx, button, answers)
        if problems:  # the form stays above in the chat, filled in: fix and submit it again
            return Reply(
                "Please check the form: nothing was saved yet.",
                blocks=(
                    Section("Nothing was saved yet. Please fix this in the form and submit it again:"),
                    *(Section(problem) for problem in problems.values()),
                ),
            )
        return router.dispatch_form(ctx, name, value, answers)

    def who(self, body: dict[str, Any]) -> Callable[[Session], Actor]:
        """The way from this activity's sender to a Tend actor, for `bot.runtime.requests.run_for`."""

        def who(session: Session) -> Actor:
            now = self.clock.now()
            if conversations.changed(body, self.conversations):  # its own unit of work: kept whatever happens next
                with session_scope(self.session_factory) as own:
                    conversations.remember(own, body, now, self.conversations)
            return resolve_actor(self.connector, session, body, self.settings.teams_tenant_id, now)

        return who

    def _queue(self, ctx: CommandContext, request: Activity, reply: Reply) -> None:
        """The answer through the outbox (sent once, however often Teams delivers the activity)."""
        now = self.clock.now()
        here = request.here
        if request.personal or ctx.actor.access is not Access.MEMBER or not reply.private:
            outbox.enqueue(ctx.session, f"reply:{request.key}", here, reply, now)
            return
        outbox.enqueue(ctx.session, f"reply:{request.key}", Target(PLATFORM, "chat_user", request.sender), reply, now)
        outbox.enqueue(ctx.session, f"pointer:{request.key}", here, Reply(POINTER, private=False), now)

    def _say(self, request: Activity, reply: Reply) -> None:
        try:
            with session_scope(self.session_factory) as session:
                outbox.enqueue(session, f"reply:{request.key}", request.here, reply, self.clock.now())
            requests.deliver_soon(self)
        except Exception:
            log.exception("could not tell a Teams user that their request failed")

    def _show_form(self, request: Activity, form: Form) -> None:
        """A form as a card in the conversation (its submit comes back as a message). Not through the outbox:
        a form is a prompt, and the inbox already answers each activity once."""
        try:
            shown = cards.form_activity(form)
            self.connector.send(request.body["serviceUrl"], request.conversation, shown)
        except Exception:
            log.exception("could not show a form in Teams")

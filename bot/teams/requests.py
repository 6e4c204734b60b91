"""Answering one Teams activity through the neutral runtime: what was typed (`account acme`, `/flag …`,
`tend nudges`, after an @mention or not) or pressed (a card's button, a card form's submit), run for the
person behind it, and the answer sent where only they see it: in their personal chat; asked in a channel or
a group chat, the answer goes to their personal chat and the conversation sees only a short pointer."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import COMMANDS, Form, Reply, Section
from bot.people.actors import Access, Actor
from bot.runtime import requests
from bot.runtime.requests import Answer, Runtime
from bot.teams import cards
from bot.teams.connector import Connector
from bot.teams.gateway import SEPARATOR
from bot.teams.identity import PLATFORM, resolve_actor
from commands import router
from commands.context import CommandContext
from commands.flags.form import COMPOSE

log = logging.getLogger(__name__)

POINTER = "I've sent you the answer in our personal chat."
MAX_CHOICES = 8
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

        answer = requests.run_for(self, self._who(body), answered, request.key, request.key)
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

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        """An invoke, answered in its HTTP response: a card button (task/fetch: a form opens as a dialog,
        anything else is said in a short dialog and in the chat), a dialog's submit (task/submit), and the
        message extension "Flag this message" (its dialog, then its submit). Not recorded in the inbox: Teams
        waits for the answer and shows a failure itself; what a submit creates is created once (the
        activity's key), in one unit of work."""
        request = Activity("invoke", body)
        name = body.get("name")
        value = _object(body.get("value"))
        data = _object(value.get("data"))
        if name == "composeExtension/fetchTask":
            message = _object(value.get("messagePayload"))
            text = typed(_object(message.get("body")), "content")
            given = json.dumps({"text": text, "link": message.get("linkToMessage") or ""})
            return self._dialog(request, (COMPOSE, given), lambda ctx: router.dispatch_action(ctx, COMPOSE, given))
        if name == "task/fetch":
            button = _object(data.get("tend"))
            pressed_as = (str(button.get("action") or ""), str(button.get("value") or ""))
            return self._dialog(request, pressed_as, lambda ctx: router.dispatch_action(ctx, *pressed_as))
        if name in ("composeExtension/submitAction", "task/submit"):
            return self._dialog(request, None, lambda ctx: self._dialog_submit(ctx, data))
        return {}

    def _dialog(
        self,
        request: Activity,
        opened_by: tuple[str, str] | None,
        call: Callable[[CommandContext], Reply | Form | DialogAgain],
    ) -> dict[str, Any]:
        shown: dict[str, Any] = {}

        def answered(ctx: CommandContext) -> Reply | Form:
            result = call(ctx)
            if isinstance(result, DialogAgain):
                shown.update(cards.dialog(result.form, result.problems, result.answers, result.opened_by))
                return result.form
            if isinstance(result, Form):
                shown.update(cards.dialog(result, {}, {}, opened_by or ("", "")))
                return result
            if ctx.actor.access is not Access.MEMBER or opened_by is not None:  # said in the dialog
                shown.update(cards.dialog_message(result.text))
            if ctx.actor.access is Access.MEMBER:  # and kept in the chat, where only the asker sees it
                target = Target(PLATFORM, "chat_user", request.sender)
                outbox.enqueue(ctx.session, f"reply:{request.key}", target, result, self.clock.now())
            return result

        answer = requests.run_for(self, self._who(request.body), answered, request.key, request.key)
        if not shown and not answer.queued:  # a polite failure: said in the dialog
            return cards.dialog_message(answer.reply.text if isinstance(answer.reply, Reply) else "")
        if answer.queued:
            self.after_ack(lambda: requests.deliver_queued(self, answer))
        return shown

    def _dialog_submit(self, ctx: CommandContext, data: dict[str, Any]) -> Reply | Form | DialogAgain:
        button = data.get("tend")
        if not isinstance(button, dict) or "form" not in button:
            return Reply("That form is from an older version of Tend: please open it again.")
        answers = answers_of(data)
        problems = form_problems(ctx, button, answers)
        opened_by = button.get("opened_by")
        if problems and isinstance(opened_by, list) and len(opened_by) == 2:
            again = (str(opened_by[0]), str(opened_by[1]))
            form = router.dispatch_action(ctx, *again)
            if isinstance(form, Form):  # shown again as it was submitted, with what was wrong
                return DialogAgain(replace(form, value=str(button.get("value") or "")), problems, answers, again)
        if problems:
            return Reply(" ".join(problems.values()))
        return router.dispatch_form(ctx, str(button["form"]), str(button.get("value") or ""), answers)

    def _who(self, body: dict[str, Any]) -> Callable[[Session], Actor]:
        def who(session: Session) -> Actor:
            return resolve_actor(self.connector, session, body, self.settings.teams_tenant_id, self.clock.now())

        return who

    def _queue(self, ctx: CommandContext, request: Activity, reply: Reply) -> None:
        """The answer through the outbox (sent once, however often Teams delivers the activity)."""
        now = self.clock.now()
        here = Target(PLATFORM, "conversation", SEPARATOR.join((request.body["serviceUrl"], request.conversation)))
        if request.personal or ctx.actor.access is not Access.MEMBER or not reply.private:
            outbox.enqueue(ctx.session, f"reply:{request.key}", here, reply, now)
            return
        outbox.enqueue(ctx.session, f"reply:{request.key}", Target(PLATFORM, "chat_user", request.sender), reply, now)
        outbox.enqueue(ctx.session, f"pointer:{request.key}", here, Reply(POINTER, private=False), now)

    def _say(self, request: Activity, reply: Reply) -> None:
        try:
            with session_scope(self.session_factory) as session:
                here = SEPARATOR.join((request.body["serviceUrl"], request.conversation))
                outbox.enqueue(
                    session, f"reply:{request.key}", Target(PLATFORM, "conversation", here), reply, self.clock.now()
                )
            requests.deliver_now(self)
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


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def answers_of(data: Any) -> dict[str, str]:
    """A submitted card's answers by input id (Tend's own data left out)."""
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k != "tend" and isinstance(v, str | int | float)}


def form_problems(ctx: CommandContext, button: dict[str, Any], answers: dict[str, str]) -> dict[str, str]:
    """What keeps a submitted form from being filed, by field: a name typed for a search that names no one
    thing, then the form's own checks. A name that names one thing is replaced by its value in `answers`."""
    searches = button.get("search")
    for field, search in (searches if isinstance(searches, dict) else {}).items():
        unclear = _choose(ctx, answers, str(field), str(search))
        if unclear is not None:
            return {str(field): unclear}
    return router.check_form(str(button["form"]), answers, ctx.today)


def _choose(ctx: CommandContext, answers: dict[str, str], field: str, search: str) -> str | None:
    """A name typed where a live search would have offered choices: the one it names, else what to type."""
    typed = answers.get(field, "").strip()
    if not typed or typed.isdigit():
        return None
    options = router.run_search(ctx, search, typed)
    exact = [o for o in options if o.label.casefold() == typed.casefold()]
    chosen = exact[:1] or (options if len(options) == 1 else [])
    if chosen:
        answers[field] = chosen[0].value
        return None
    if not options:
        return f"Nothing matches “{typed}”: nothing was saved yet. Type another part of the name."
    names = ", ".join(o.label for o in options[:MAX_CHOICES])
    return f"“{typed}” could be several: {names}. Type more of the name."


@dataclass(frozen=True)
class DialogAgain:
    """A dialog's form shown again, with what was wrong beside its fields and the answers kept."""

    form: Form
    problems: dict[str, str]
    answers: dict[str, str]
    opened_by: tuple[str, str]

"""Invokes, answered in their HTTP response (Teams waits for them): a card button (task/fetch: a form opens as
a dialog, anything else is said in a short dialog and kept in the personal chat), a dialog's submit
(task/submit), and the message extension "Flag this message" (its dialog, then its submit). Not recorded in
the inbox: Teams shows a failure itself; what a submit creates is created once (the activity's key), in one
unit of work."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.delivery import outbox
from bot.gateway import Target
from bot.messages import Form, Reply
from bot.people.actors import Access
from bot.runtime import requests
from bot.teams import cards
from bot.teams.forms import answers_of, as_object, form_problems
from bot.teams.identity import PLATFORM
from bot.teams.requests import Activity, TeamsRuntime, typed
from commands import router
from commands.context import CommandContext
from commands.flags.form import COMPOSE


@dataclass(frozen=True)
class DialogAgain:
    """A dialog's form shown again, with what was wrong beside its fields and the answers kept."""

    form: Form
    problems: dict[str, str]
    answers: dict[str, str]
    opened_by: tuple[str, str]


def invoke(runtime: TeamsRuntime, body: dict[str, Any]) -> dict[str, Any]:
    """The invoke's answer: a dialog, a dialog's short message, or {} (close it / nothing to say)."""
    request = Activity("invoke", body)
    name = body.get("name")
    value = as_object(body.get("value"))
    data = as_object(value.get("data"))
    if name == "composeExtension/fetchTask":
        message = as_object(value.get("messagePayload"))
        text = typed(as_object(message.get("body")), "content")
        given = json.dumps({"text": text, "link": message.get("linkToMessage") or ""})
        return _dialog(runtime, request, (COMPOSE, given), lambda ctx: router.dispatch_action(ctx, COMPOSE, given))
    if name == "task/fetch":
        button = as_object(data.get("tend"))
        pressed_as = (str(button.get("action") or ""), str(button.get("value") or ""))
        return _dialog(runtime, request, pressed_as, lambda ctx: router.dispatch_action(ctx, *pressed_as))
    if name in ("composeExtension/submitAction", "task/submit"):
        return _dialog(runtime, request, None, lambda ctx: _dialog_submit(ctx, data))
    return {}


def _dialog(
    runtime: TeamsRuntime,
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
            outbox.enqueue(ctx.session, f"reply:{request.key}", target, result, runtime.clock.now())
        return result

    answer = requests.run_for(runtime, runtime.who(request.body), answered, request.key, request.key)
    if not shown and not answer.queued:  # a polite failure: said in the dialog
        return cards.dialog_message(answer.reply.text if isinstance(answer.reply, Reply) else "")
    if answer.queued:
        runtime.after_ack(lambda: requests.hand_over(runtime, answer))
    return shown


def _dialog_submit(ctx: CommandContext, data: dict[str, Any]) -> Reply | Form | DialogAgain:
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

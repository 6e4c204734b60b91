"""Form (modal) submissions: answers checked inside the ack (errors shown in the modal), then handled."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

import commands as command_layer
from bot.messages import Form
from bot.slack.blocks import render
from bot.slack.runtime import Deps, deliver_queued, known_member_search, run_for_user


def register(app: App, deps: Deps) -> None:
    @app.view(re.compile(f"^{render.FORM_PREFIX}"))
    def submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        name = view["callback_id"].removeprefix(render.FORM_PREFIX)
        answers = render.form_answers(view)
        problems = command_layer.check_form(name, answers)  # no database: safe inside the 3-second ack
        if problems:
            ack(response_action="errors", errors=problems)
            return
        ack()
        deps.after_ack(lambda: handle_submission(deps, body, view, name, answers, client, context))


def handle_submission(
    deps: Deps,
    body: dict[str, Any],
    view: dict[str, Any],
    name: str,
    answers: dict[str, str],
    client: WebClient,
    context: BoltContext,
) -> None:
    user_id = body["user"]["id"]
    answer = run_for_user(
        deps,
        client,
        context,
        user_id,
        lambda ctx: command_layer.dispatch_form(ctx, name, view.get("private_metadata") or "", answers),
        request_id=f"view:{view.get('id')}",  # a double-submitted modal is one request
    )
    # A modal has nowhere to answer in: the submitter gets the result as a direct message.
    if not isinstance(answer.reply, Form):
        client.chat_postMessage(channel=user_id, **render.message(answer.reply))
    deliver_queued(deps, answer)


def register_searches(app: App, deps: Deps) -> None:
    """Options for searchable selects, answered inside the ack: so only the cached identity is used (a
    full member seen recently), never a Web API call."""

    @app.options(re.compile(f"^{render.SEARCH_PREFIX}"))
    def search(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        name = body["action_id"].removeprefix(render.SEARCH_PREFIX)
        found = known_member_search(deps, context, body["user"]["id"], name, body.get("value") or "")
        ack(**render.options(found))

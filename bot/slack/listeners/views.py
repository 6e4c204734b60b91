"""Form (modal) submissions: answers checked inside the ack (errors shown in the modal), then handled."""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.gateway import Target
from bot.messages import Reply
from bot.slack import intake
from bot.slack.blocks import render
from bot.slack.identity import PLATFORM
from bot.slack.requests import Answer, Deps, Inbound, known_member_search, local_today, run_for_user, tell
from commands import router

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.view(re.compile(f"^{render.FORM_PREFIX}"))
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> BoltResponse | None:
        name = view["callback_id"].removeprefix(render.FORM_PREFIX)
        # The person's own date only for a check that reads it (one indexed read): others cost no query here.
        today = local_today(deps, body["user"]["id"]) if router.needs_today(name) else deps.clock.now().date()
        problems = router.check_form(name, render.form_answers(view), today)
        if problems:
            ack(response_action="errors", errors=problems)
            return None
        return intake.accept(deps, "view", body, ack)  # a double-submitted modal shares its view id: one answer


def handle_submission(deps: Deps, request: Inbound) -> Answer:
    view = request.body["view"]
    name = view["callback_id"].removeprefix(render.FORM_PREFIX)
    answers = render.form_answers(view)
    answer = run_for_user(
        deps,
        request,
        lambda ctx: router.dispatch_form(ctx, name, render.form_value(view), answers),
        request_id=f"view:{view.get('id')}",
        # A modal has nowhere to answer in: the submitter gets the result as a direct message, queued with
        # the change it reports (sent once).
        reply_to=Target(PLATFORM, "chat_user", request.user_id),
    )
    if not answer.replied_by_outbox and isinstance(answer.reply, Reply):  # the database was unreachable: say so
        tell(deps, request, answer.reply)
    return answer


def register_changes(app: App, deps: Deps) -> None:
    """A choice in a modal that shows or hides another field (snooze: "until a date" asks for the date):
    acknowledged at once, the modal redrawn right after (views.update, guarded by the view's hash)."""

    @app.action(render.INPUT_ACTION)
    def changed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        view = body.get("view") or {}
        again = render.redrawn(view)
        if again is not None:
            deps.after_ack(partial(_update_view, deps, view.get("id"), view.get("hash"), again))


def _update_view(deps: Deps, view_id: str | None, view_hash: str | None, view: dict[str, Any]) -> None:
    try:
        deps.client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:  # the person changed it again meanwhile (hash_conflict), or closed it
        log.info("modal not redrawn: %s", error.response.get("error"))


def register_searches(app: App, deps: Deps) -> None:
    """Options for searchable selects, answered inside the ack: so only the cached identity is used (a
    full member seen recently), never a Web API call."""

    @app.options(re.compile(f"^{render.SEARCH_PREFIX}"))
    def search(ack: Ack, body: dict[str, Any]) -> None:
        name = body["action_id"].removeprefix(render.SEARCH_PREFIX)
        found = known_member_search(deps, body["user"]["id"], name, body.get("value") or "")
        ack(**render.options(found))

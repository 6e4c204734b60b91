"""From ack to answer on Slack: Slack hears "got it" only for a request durably recorded in the inbox (the
neutral lifecycle in `bot.runtime.lifecycle`); a request that cannot be recorded in time is refused in the
way each kind of Slack request can show it, so that the person knows."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltResponse

from bot.messages import Reply
from bot.runtime import lifecycle
from bot.runtime.recording import Outcome
from bot.slack.blocks import render
from bot.slack.requests import Deps, Inbound, tell

NOT_TAKEN = (
    "Tend couldn't take this just now (its database didn't answer in time), so nothing was read or changed. "
    "Please try again in a minute."
)
NOT_TAKEN_IN_FORM = (
    "Tend couldn't save this just now; nothing was lost here. Please press the button again in a minute."
)


def accept(deps: Deps, kind: str, body: dict[str, Any], ack: Ack) -> BoltResponse | None:
    """Call from a listener instead of ack(): acknowledge the request once it is in the inbox (then work on it
    after the ack), or refuse it, visibly, when the database cannot record it within Slack's deadline.
    Return what this returns from the listener (Bolt sends it as the answer)."""
    request = Inbound(kind, body)
    if lifecycle.record(deps, request) in (Outcome.RECORDED, Outcome.REPEAT):
        ack()
        return None
    return _refuse(deps, request, ack)


def _refuse(deps: Deps, request: Inbound, ack: Ack) -> BoltResponse | None:
    """Tell the person the request was not taken, in the way each kind of request can show it."""
    if request.kind == "command":
        ack(response_type="ephemeral", text=NOT_TAKEN)
        return None
    if request.kind == "view":  # the form stays open with what was typed, the reason beside its first field
        field = next(
            (b.get("block_id") for b in request.body["view"].get("blocks") or () if b.get("type") == "input"), None
        )
        if field:
            ack(response_action="errors", errors={field: NOT_TAKEN_IN_FORM})
        else:
            ack(response_action="update", view=render.modal(Reply(NOT_TAKEN), "Tend"))
        return None
    if request.body.get("response_url"):  # a button or message shortcut: a word where it was pressed too
        deps.after_ack(lambda: tell(deps, request, Reply(NOT_TAKEN)))
    # Slack shows the person that the app failed (and redelivers an event later).
    return BoltResponse(status=503, body="")

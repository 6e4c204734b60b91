"""Owning a flag from its team-channel post: Take it, and Resolve (with a one-line outcome)."""

from __future__ import annotations

from bot.errors import BadInput
from bot.messages import Form, Input, Reply
from bot.services.flag_messages import RESOLVE, TAKE
from bot.services.flags import MAX_OUTCOME, resolve_flag, take_flag
from commands import action, form
from commands.context import CommandContext

RESOLVED = "flag.resolved"


def _flag_id(value: str) -> int:
    if not value.isdigit():
        raise BadInput("That button is out of date.")
    return int(value)


@action(TAKE)
def take(ctx: CommandContext, value: str) -> Reply:
    change = take_flag(ctx.session, _flag_id(value), ctx.actor, ctx.clock.now())
    flag = change.flag
    if change.changed:
        return Reply(
            f"You own flag #{flag.id} now. The reporter and the CSM have been told; resolve it from the "
            "same message when it's done."
        )
    if flag.status == "resolved":
        return Reply(f"Flag #{flag.id} is already resolved by {flag.assignee_name}: {flag.outcome}")
    return Reply(f"{flag.assignee_name} already took flag #{flag.id}; talk to them if you can help.")


@action(RESOLVE)
def resolve(ctx: CommandContext, value: str) -> Reply | Form:
    flag_id = _flag_id(value)
    return Form(
        title=f"Resolve flag #{flag_id}",
        action=RESOLVED,
        value=str(flag_id),
        inputs=(
            Input(
                "outcome",
                "What was the outcome?",
                MAX_OUTCOME,
                hint="One line the reporter and the CSM will read, e.g. “Refunded the double charge”.",
            ),
        ),
        submit="Resolve",
    )


def _check_outcome(answers: dict[str, str]) -> dict[str, str]:
    outcome = " ".join((answers.get("outcome") or "").split())
    if not outcome:
        return {"outcome": "Say in a few words how it was resolved."}
    if len(outcome) > MAX_OUTCOME:
        return {"outcome": f"Keep it to one line ({MAX_OUTCOME} characters at most)."}
    return {}


@form(RESOLVED, _check_outcome)
def resolved(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    change = resolve_flag(ctx.session, _flag_id(value), ctx.actor, answers["outcome"], ctx.clock.now())
    flag = change.flag
    if not change.changed:
        return Reply(f"Flag #{flag.id} was already resolved by {flag.assignee_name}: {flag.outcome}")
    return Reply(f"Flag #{flag.id} is resolved. The reporter and the CSM have been told: “{flag.outcome}”.")

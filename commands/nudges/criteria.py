"""A nudge's "Update criteria" button: the account's success criteria, each marked met, at risk or not yet."""

from __future__ import annotations

from bot.messages import Form, Input, Option, Reply
from bot.nudges import actions as nudge_actions
from bot.nudges.actions import CRITERION_STATUSES, NudgeAction
from bot.text import plural, shorten
from bot.values import AccountRef
from commands.context import CommandContext
from commands.routes import Routes

CRITERIA_SET = "nudge.criteria_set"
MAX_CRITERIA_IN_FORM = 20

routes = Routes()


@routes.action(NudgeAction.CRITERIA)
def criteria_button(ctx: CommandContext, value: str) -> Reply | Form:
    account, criteria = nudge_actions.criteria_of(ctx.session, AccountRef.decode(value).account_id, ctx.actor)
    if not criteria:
        return Reply(f"{account.name} has no success criteria yet: add them with the accounts CSV.")
    options = tuple(Option(k, label) for k, label in CRITERION_STATUSES.items())
    shown = criteria[:MAX_CRITERIA_IN_FORM]
    more = len(criteria) - len(shown)
    return Form(
        title="Success criteria",
        action=CRITERIA_SET,
        value=AccountRef(account.id).encode(),
        intro=f"{account.name}: where each criterion stands today."
        + (f" (First {len(shown)} of {len(criteria)}.)" if more else ""),
        inputs=tuple(
            Input(f"c{c.id}", shorten(c.text, 150), kind="choice", options=options, initial=c.status) for c in shown
        ),
        submit="Save",
    )


def _check_criteria(answers: dict[str, str]) -> dict[str, str]:
    return {k: "Choose a status." for k, v in answers.items() if k.startswith("c") and v not in CRITERION_STATUSES}


@routes.form(CRITERIA_SET, _check_criteria)
def criteria_set(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    statuses = {int(k[1:]): v for k, v in answers.items() if k.startswith("c") and k[1:].isdigit()}
    count = nudge_actions.update_criteria(
        ctx.session, AccountRef.decode(value).account_id, ctx.actor, statuses, ctx.clock.now(), ctx.today
    )
    return Reply(f"Saved {plural(count, 'success criterion', 'success criteria')}.")

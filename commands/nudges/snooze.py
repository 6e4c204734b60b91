"""Setting a nudge aside: "Snooze" (a day, a week or until a date, with a reason) and "Dismiss" (for this
cycle: the rule may fire again in its next)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import BadInput
from bot.messages import Form, Input, Option, Reply
from bot.nudges import actions as nudge_actions
from bot.nudges.actions import MAX_NOTE, MAX_SNOOZE_DAYS, REASON_WORDS, NudgeAction
from bot.nudges.rules import Reason
from bot.values import NudgeRefs
from commands.context import CommandContext
from commands.routes import Routes

SNOOZED = "nudge.snoozed"
DISMISSED = "nudge.dismissed"
SNOOZE_FOR = (Option("1d", "1 day"), Option("1w", "1 week"), Option("date", "Until a date"))

routes = Routes()


@routes.action(NudgeAction.SNOOZE)
def snooze_button(ctx: CommandContext, value: str) -> Form:
    ids = list(NudgeRefs.decode(value).nudge_ids)
    nudge_actions.open_nudges(ctx.session, ids, ctx.actor)  # only theirs, and only what is still open
    return Form(
        title="Snooze",
        action=SNOOZED,
        value=value,
        intro="The nudge comes back when the snooze ends, inside your working hours.",
        inputs=(
            Input("for", "For", kind="choice", options=SNOOZE_FOR, initial="1w"),
            Input(
                "until",
                "Until (YYYY-MM-DD)",
                10,
                optional=True,
                hint="Only for “until a date”: a day after today, within a year.",
                asked_when=("for", "date"),
            ),
            Input("reason", "Why?", MAX_NOTE, optional=True),
        ),
        submit="Snooze",
    )


def _check_snooze(answers: dict[str, str], today: date) -> dict[str, str]:
    choice = answers.get("for")
    if choice not in ("1d", "1w", "date"):
        return {"for": "Choose how long."}
    if choice != "date":
        return {}
    try:
        day = date.fromisoformat((answers.get("until") or "").strip())
    except ValueError:
        return {"until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."}
    if day <= today:
        return {"until": f"Choose a day after today ({today.isoformat()})."}
    if day > today + timedelta(days=MAX_SNOOZE_DAYS):
        return {"until": "Snooze for a year at most; dismiss it if it will never matter."}
    return {}


@routes.dated_form(SNOOZED, _check_snooze)
def snoozed(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    now = ctx.clock.now()
    choice = answers["for"]
    if choice == "date":
        problems = _check_snooze(answers, ctx.today)
        if problems:
            raise BadInput(next(iter(problems.values())))
        day = date.fromisoformat(answers["until"].strip())
        until = datetime.combine(day, time(0), ZoneInfo(ctx.actor.timezone or ctx.default_timezone))
    else:
        until = now + (timedelta(days=1) if choice == "1d" else timedelta(weeks=1))
    result = nudge_actions.snooze(
        ctx.session,
        list(NudgeRefs.decode(value).nudge_ids),
        ctx.actor,
        until,
        answers.get("reason") or "",
        now,
        ctx.today,
    )
    local = until.astimezone(ZoneInfo(ctx.actor.timezone or ctx.default_timezone))
    told = (
        f" You've snoozed {', '.join(result.told_manager)} several times in a row, so your manager will hear of it."
        if result.told_manager
        else ""
    )
    return Reply(f"Snoozed {', '.join(result.account_names)} until {local:%a %d %b %Y}.{told}")


@routes.action(NudgeAction.DISMISS)
def dismiss_button(ctx: CommandContext, value: str) -> Reply | Form:
    """One reason: dismissed at once. Several (an account due for more than one reason): say which."""
    ids = list(NudgeRefs.decode(value).nudge_ids)
    rows = sorted(nudge_actions.open_nudges(ctx.session, ids, ctx.actor), key=lambda row: row[0].id)
    if len(rows) <= 1:
        return _dismiss(ctx, ids)
    options = (
        Option("all", "All of them"),
        *(Option(str(n.id), REASON_WORDS[Reason(n.reason)].capitalize()) for n, _account in rows),
    )
    return Form(
        title="Dismiss",
        action=DISMISSED,
        value=value,
        intro="Dismissed reasons stay quiet until they come up again (a new renewal mark, a new drop…).",
        inputs=(Input("which", "Reason to dismiss", kind="choice", options=options, initial="all"),),
        submit="Dismiss",
    )


def _check_dismiss(answers: dict[str, str]) -> dict[str, str]:
    which = answers.get("which") or ""
    return {} if which == "all" or which.isdigit() else {"which": "Choose a reason, or all of them."}


@routes.form(DISMISSED, _check_dismiss)
def dismissed(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    which = answers["which"]
    return _dismiss(ctx, list(NudgeRefs.decode(value).nudge_ids) if which == "all" else [int(which)])


def _dismiss(ctx: CommandContext, ids: list[int]) -> Reply:
    names = nudge_actions.dismiss(ctx.session, ids, ctx.actor, ctx.clock.now())
    return Reply(f"Dismissed: no more nudges about {', '.join(names)} for this until it comes up again.")

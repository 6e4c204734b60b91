"""Owning a flag from its team-channel post: Take it, Resolve (with a one-line outcome), Reassign, Not ours,
and the reporter's Change category; who may press which is `bot.flags.permissions`."""

from __future__ import annotations

from collections.abc import Callable

from bot.flags.lifecycle import reassign_flag, reroute_flag, resolve_flag, take_flag
from bot.flags.permissions import FlagAction, require
from bot.flags.raising import MAX_OUTCOME
from bot.flags.routing.teams import team_name
from bot.messages import Form, Input, Option, Reply
from bot.people.actors import find_people
from bot.values import FlagRef
from bot.vocab import Category
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

RESOLVED = "flag.resolved"


def _flag_id(value: str) -> int:
    return FlagRef.decode(value).flag_id


@routes.action(FlagAction.TAKE)
def take(ctx: CommandContext, value: str) -> Reply:
    change = take_flag(ctx.session, _flag_id(value), ctx.actor, ctx.clock.now())
    flag = change.flag
    if change.changed:
        return Reply(
            f"You own flag #{flag.id} now. The reporter and the CSM have been told; resolve it from the "
            "same message when it's done."
        )
    if flag.status == "resolved":
        return Reply(f"Flag #{flag.id} is already resolved by {flag.credited_to}: {flag.outcome}")
    return Reply(f"{flag.assignee_name} already took flag #{flag.id}; talk to them if you can help.")


def _allowed(ctx: CommandContext, value: str, what: FlagAction) -> int:
    """The flag's number, once `ctx.actor` may do `what` to it: checked before a form opens, so nobody fills
    one in vain (and checked again when it is submitted)."""
    return require(ctx.session, _flag_id(value), ctx.actor, what).id


@routes.action(FlagAction.RESOLVE)
def resolve(ctx: CommandContext, value: str) -> Reply | Form:
    flag_id = _allowed(ctx, value, FlagAction.RESOLVE)
    return Form(
        title=f"Resolve flag #{flag_id}",
        action=RESOLVED,
        value=FlagRef(flag_id).encode(),
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


@routes.form(RESOLVED, _check_outcome)
def resolved(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    change = resolve_flag(ctx.session, _flag_id(value), ctx.actor, answers["outcome"], ctx.clock.now())
    flag = change.flag
    if not change.changed:
        return Reply(f"Flag #{flag.id} was already resolved by {flag.credited_to}: {flag.outcome}")
    return Reply(f"Flag #{flag.id} is resolved. The reporter and the CSM have been told: “{flag.outcome}”.")


REROUTED, RECATEGORIZED = "flag.rerouted", "flag.recategorized"
CATEGORY_OPTIONS = tuple(Option(c.value, c.value.capitalize()) for c in Category)


def _category_form(flag_id: int, title: str, action_name: str, reason_required: bool) -> Form:
    reason = Input(
        "reason",
        "Why?",
        MAX_OUTCOME,
        optional=not reason_required,
        hint="The reporter and the CSM will read it.",
    )
    return Form(
        title=title,
        action=action_name,
        value=FlagRef(flag_id).encode(),
        submit="Move it",
        inputs=(Input("category", "Which kind of problem is it?", kind="choice", options=CATEGORY_OPTIONS), reason),
    )


@routes.action(FlagAction.REROUTE)
def not_ours(ctx: CommandContext, value: str) -> Form:
    flag_id = _allowed(ctx, value, FlagAction.REROUTE)
    return _category_form(flag_id, f"Move flag #{flag_id}", REROUTED, reason_required=True)


@routes.action(FlagAction.RECATEGORIZE)
def change_category(ctx: CommandContext, value: str) -> Form:
    flag_id = _allowed(ctx, value, FlagAction.RECATEGORIZE)
    return _category_form(flag_id, f"Flag #{flag_id}: category", RECATEGORIZED, reason_required=False)


def _check_move(required: bool) -> Callable[[dict[str, str]], dict[str, str]]:
    def check(answers: dict[str, str]) -> dict[str, str]:
        problems = {}
        if answers.get("category") not in Category._value2member_map_:
            problems["category"] = "Choose the kind of problem it is."
        if required and not (answers.get("reason") or "").strip():
            problems["reason"] = "Say in a few words why it isn't yours, so the next team knows."
        return problems

    return check


def _move(ctx: CommandContext, value: str, answers: dict[str, str], default_reason: str, what: FlagAction) -> Reply:
    reason = (answers.get("reason") or "").strip() or default_reason
    change = reroute_flag(
        ctx.session,
        _flag_id(value),
        ctx.actor,
        Category(answers["category"]),
        reason,
        ctx.clock.now(),
        ctx.default_timezone,
        what,
    )
    flag = change.flag
    if not change.changed:
        if flag.status == "resolved":
            return Reply(f"Flag #{flag.id} is already resolved; nothing was moved.")
        return Reply(f"Flag #{flag.id} already belongs there; nothing was moved.")
    team = team_name(ctx.session, flag.team_id)
    return Reply(
        f"Flag #{flag.id} moved to {team or 'the customer-success team'} as "
        f"{flag.category}. The reporter and the CSM have been told."
    )


@routes.form(REROUTED, _check_move(required=True))
def rerouted(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return _move(ctx, value, answers, "", FlagAction.REROUTE)


@routes.form(RECATEGORIZED, _check_move(required=False))
def recategorized(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return _move(ctx, value, answers, f"category corrected by {ctx.actor.display_name}", FlagAction.RECATEGORIZE)


REASSIGNED = "flag.reassigned"
PEOPLE = "people"


@routes.search(PEOPLE)
def find(ctx: CommandContext, query: str) -> list[Option]:
    return [Option(str(p.id), f"{p.name} ({p.email})") for p in find_people(ctx.session, query)]


@routes.action(FlagAction.REASSIGN)
def reassign(ctx: CommandContext, value: str) -> Form:
    flag_id = _allowed(ctx, value, FlagAction.REASSIGN)
    return Form(
        title=f"Reassign flag #{flag_id}",
        action=REASSIGNED,
        value=value,
        submit="Reassign",
        inputs=(Input("person", "Who should own it?", kind="search", search=PEOPLE),),
    )


def _check_person(answers: dict[str, str]) -> dict[str, str]:
    return {} if (answers.get("person") or "").isdigit() else {"person": "Choose someone from the list."}


@routes.form(REASSIGNED, _check_person)
def reassigned(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    change = reassign_flag(ctx.session, _flag_id(value), ctx.actor, int(answers["person"]), ctx.clock.now())
    flag = change.flag
    if not change.changed:
        if flag.status == "resolved":
            return Reply(f"Flag #{flag.id} is already resolved; nothing changed.")
        return Reply(f"{flag.assignee_name} already owns flag #{flag.id}.")
    return Reply(f"Flag #{flag.id} now belongs to {flag.assignee_name}; they, the reporter and the CSM have been told.")

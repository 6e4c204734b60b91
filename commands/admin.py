"""`/tend admin …`: what only admins may see and do: the outbox's undelivered messages, the nudge rules'
numbers and the organisation's holidays."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery import outbox
from bot.errors import Forbidden
from bot.flags import lists as flag_lists
from bot.flags.routing import examples as routing_examples
from bot.messages import Actions, Button, Reply, Section
from bot.text import plural, shorten
from bot.values import Value
from bot.vocab import Role
from commands.admin_calendar import holidays_admin, nudge_rules_admin
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

USAGE = (
    "/tend admin outbox | routing | nudges [set <rule> <number>] | holidays [add YYYY-MM-DD <name> | remove "
    "YYYY-MM-DD]: undelivered messages, how flags were routed, nudge rules, holidays (admins only)"
)
RETRY = "admin.retry"


def _require_admin(ctx: CommandContext) -> None:
    if ctx.actor.role != Role.ADMIN:
        raise Forbidden("Only Tend admins can do that. Ask an admin, or see /tend help for what you can do.")


@routes.subcommand("admin", USAGE)
def admin(ctx: CommandContext, text: str) -> Reply:
    _require_admin(ctx)
    topic, _, rest = text.strip().partition(" ")
    topic = topic.lower()
    if topic == "outbox":
        return _outbox(ctx)
    if topic == "routing":
        return _routing(ctx)
    if topic == "nudges":
        return nudge_rules_admin(ctx, rest)
    if topic == "holidays":
        return holidays_admin(ctx, rest)
    return Reply(f"Usage: {USAGE}.")


def _outbox(ctx: CommandContext, note: str = "") -> Reply:
    state = outbox.health(ctx.session)
    head = f"{note}Outbox: {state.pending} waiting, {state.failed} failed, {state.sent} sent."
    if not state.problems:
        return Reply(f"{head} Nothing needs you.", blocks=(Section(f"{head}\nNothing needs you."),))
    lines = "\n".join(
        f"• #{p.id} to {p.target.ref} — {p.error or 'unknown error'} ({p.attempts} tries, {p.status}): "
        f"{shorten(p.summary, 80)}"
        for p in state.problems
    )
    advice = (
        "channel_not_found / not_in_channel / is_archived: fix the team's channel in the teams CSV or invite "
        "Tend to it, then retry."
    )
    failed = [p for p in state.problems if p.status == "failed"][:5]
    buttons = [Button(f"Retry #{p.id}", RETRY, Retry(p.id).encode()) for p in failed]
    if state.failed:
        buttons.append(Button("Retry all failed", RETRY, Retry(ALL).encode()))
    return Reply(head, blocks=(Section(f"{head}\n{lines}"), Section(advice), Actions(tuple(buttons))))


def _routing(ctx: CommandContext) -> Reply:
    """How the newest flags' teams were chosen, and how much Tend has learned from corrections."""
    learned = routing_examples.count(ctx.session)
    flags = flag_lists.recently_routed(ctx.session, ctx.clock.now())
    head = (
        f"Routing: {plural(learned, 'flag')} corrected or confirmed by people so far; Tend routes new flags like the "
        "most similar of them, else by its rules."
    )
    if not flags:
        return Reply(f"{head} No flags yet.", blocks=(Section(f"{head}\nNo flags yet."),))
    lines = "\n".join(
        f"• #{f.flag_id} {shorten(f.account_name, 60)} → {f.team_name or 'no team'} ({f.category}): "
        f"{shorten(f.routed_because or 'not recorded (raised before Tend kept it)', 160)}"
        for f in flags
    )
    return Reply(head, blocks=(Section(head), Section(f"The newest flags and why they went where they did:\n{lines}")))


ALL = 0  # no message has id 0: "Retry all failed"


@dataclass(frozen=True)
class Retry(Value):
    notification_id: int  # or ALL


@routes.action(RETRY)
def retry(ctx: CommandContext, value: str) -> Reply:
    _require_admin(ctx)
    which = Retry.decode(value).notification_id
    count = outbox.retry(ctx.session, ctx.clock.now(), None if which == ALL else which)
    return _outbox(ctx, f"{plural(count, 'message')} will be sent again. ")

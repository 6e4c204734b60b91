"""`/tend nudges`: the accounts that need a touch from the CSM who asks, and why, and when Tend next writes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.messages import Block, Note, Reply, Section
from bot.nudges.messages import IN_FULL, entry_blocks
from bot.nudges.mine import my_nudges
from bot.people.working_hours import Schedule
from bot.text import plural
from commands.context import CommandContext
from commands.routes import Routes

NUDGES_USAGE = "/tend nudges: the accounts that need a touch from you, and why"

routes = Routes()


@routes.subcommand("nudges", NUDGES_USAGE)
def nudges_command(ctx: CommandContext, text: str) -> Reply:
    if ctx.actor.person_id is None:
        return Reply("You're not in Tend's people list, so no accounts are yours to be nudged about.")
    now = ctx.clock.now()
    mine = my_nudges(ctx.session, ctx.actor.person_id, now, ctx.today, ctx.default_timezone)
    if not mine.owns_accounts:
        return Reply(
            "You own no accounts, so Tend has nothing to nudge you about: nudges go to each account's CSM. "
            "/tend flags lists the flags you raised."
        )
    when = _next_dm(mine.schedule, now, mine.holidays)
    due = mine.due
    if not due:
        head = "Nothing needs a touch from you right now."
        return Reply(head, blocks=(Section(head), Note(when)))
    head = f"{plural(len(due), 'account')} could use a touch from you, most urgent first:"
    blocks: list[Block] = [Section(head)]
    for entry in due[:IN_FULL]:
        blocks += entry_blocks(entry)
    rest = due[IN_FULL:]
    if rest:
        lines = "\n".join(f"• {e.name}: {e.summary}" for e in rest[:40])
        more = f"\n…and {plural(len(rest) - 40, 'more account')}" if len(rest) > 40 else ""
        blocks.append(Section(f"Also due:\n{lines}{more}"))
    if mine.snoozed:
        blocks.append(Note(f"{plural(mine.snoozed, 'nudge')} snoozed: they come back when the snooze ends."))
    blocks.append(Note(when))
    return Reply(head, blocks=tuple(blocks))


def _next_dm(schedule: Schedule, now: datetime, holidays: set[date]) -> str:
    hours = f"Nudges reach you {schedule.describe()}; change that with /tend settings."
    if schedule.is_working(now, holidays):
        return hours
    nxt = schedule.next_start(now, holidays).astimezone(ZoneInfo(schedule.timezone))
    return f"{hours} Next: {nxt:%a %d %b, %H:%M}."

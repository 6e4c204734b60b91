"""Admins' settings for nudges: the rules' numbers (`/tend admin nudges`) and the holidays on which nobody is
nudged (`/tend admin holidays`). Callers check that the asker is an admin."""

from __future__ import annotations

from datetime import date

from bot.accounts.thresholds import DEFAULTS, settings
from bot.errors import BadInput
from bot.messages import Reply, Section
from bot.nudges.settings import RANGES, add_holiday, remove_holiday, set_rule, upcoming_holidays
from commands.context import CommandContext

RULE_HELP = {
    "no_touch_days_intimacy": "days without a touch before an intimacy (high-touch) account is due",
    "no_touch_days_engagement": "… an engagement account",
    "no_touch_days_service": "… a service (low-touch) account",
    "renewal_days_first": "first renewal nudge, days before the renewal date",
    "renewal_days_second": "second renewal nudge",
    "renewal_days_last": "last renewal nudge; weekly after it while nobody touches the account",
    "health_drop_points": "a health drop of at least this many points…",
    "health_drop_days": "…within this many days",
    "health_floor": "health crossing below this",
    "criterion_stale_days": "days without an update before a success criterion is stale",
    "unowned_every_days": "how often the CS channel hears of accounts with no CSM",
    "snoozes_before_manager": "snoozes in a row before the CSM's manager hears of it",
}


def nudge_rules_admin(ctx: CommandContext, text: str) -> Reply:
    words = text.split()
    note = ""
    if words[:1] == ["set"]:
        if len(words) != 3:
            raise BadInput("Usage: /tend admin nudges set <rule> <number>, with a rule from /tend admin nudges.")
        value = set_rule(ctx.session, words[1], words[2])
        note = f"Saved: {words[1]} = {value}. The next planning run uses it.\n"
    elif words:
        raise BadInput("Usage: /tend admin nudges [set <rule> <number>].")
    values = settings(ctx.session)
    changed = {key: f" (default {DEFAULTS[key]})" for key in DEFAULTS if values[key] != DEFAULTS[key]}
    lines = "\n".join(
        f"• {key} = {values[key]}{changed.get(key, '')}: {RULE_HELP[key]} ({RANGES[key][0]}–{RANGES[key][1]})"
        for key in DEFAULTS
    )
    return Reply(f"{note}Nudge rules", blocks=(Section(f"{note}Nudge rules:\n{lines}"),))


HOLIDAYS_USAGE = "Usage: /tend admin holidays [add YYYY-MM-DD <name> | remove YYYY-MM-DD]."


def holidays_admin(ctx: CommandContext, text: str) -> Reply:
    verb, _, rest = text.strip().partition(" ")
    day_text, _, name = rest.strip().partition(" ")
    note = ""
    if verb in ("add", "remove"):
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise BadInput(
                "Write the date as YYYY-MM-DD, e.g. /tend admin holidays add 2026-12-25 Christmas."
            ) from None
        if verb == "add":
            added = add_holiday(ctx.session, day, name, ctx.today)
            if added.was is None:
                note = f"Added {day:%a %d %b %Y}, {added.name}: nobody is nudged that day.\n"
            else:
                note = f"{day:%a %d %b %Y} already was a holiday: renamed from “{added.was}” to “{added.name}”.\n"
        else:
            note = f"Removed {day:%a %d %b %Y} ({remove_holiday(ctx.session, day)}): a working day again.\n"
    elif verb:
        raise BadInput(HOLIDAYS_USAGE)
    lines = "\n".join(f"• {day:%a %d %b %Y}: {name}" for day, name in upcoming_holidays(ctx.session, ctx.today))
    body = f"{note}Upcoming holidays (nobody is nudged):\n{lines or 'None yet.'}"
    return Reply(f"{note}Upcoming holidays", blocks=(Section(body),))

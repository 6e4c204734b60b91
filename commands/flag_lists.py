"""`/tend flags [mine|team|account <name>]`: the flags a person cares about, ten at a time."""

from __future__ import annotations

from bot.messages import Actions, Button, Reply, Section
from bot.services.catalog import search_accounts
from bot.services.flag_lists import PAGE, managed_teams, mine, of_account, of_teams, page
from commands import action
from commands.context import CommandContext
from commands.formatting import flag_line
from commands.tend import subcommand

USAGE = "/tend flags [mine|team|account <name>]: flags you raised or own, your team's, or an account's"
MORE = "flags.more"


@subcommand("flags", USAGE)
def flags(ctx: CommandContext, text: str) -> Reply:
    return _page(ctx, text, 0)


@action(MORE)
def more(ctx: CommandContext, value: str) -> Reply:
    offset, _, text = value.partition("|")
    return _page(ctx, text, int(offset) if offset.isdigit() else 0)


def _page(ctx: CommandContext, text: str, offset: int) -> Reply:
    scope, _, rest = text.strip().partition(" ")
    scope = scope.lower() or "mine"
    if scope == "mine":
        where, title = mine(ctx.actor), "Flags you raised or own"
    elif scope == "team":
        teams = managed_teams(ctx.session, ctx.actor)
        if not teams:
            return Reply("You don't manage a team in Tend, so there is no team list to show. Try /tend flags mine.")
        where, title = of_teams(teams), "Your team's flags"
    elif scope == "account" and rest:
        found = search_accounts(ctx.session, rest)
        if found.kind != "found":
            return Reply(f"I couldn't tell which account “{rest}” is. /account {rest} helps you find it.")
        where, title = of_account(found.account_id), f"Flags on {found.matches[0].name}"
    else:
        return Reply(f"Usage: {USAGE}.")
    result = page(ctx.session, where, ctx.clock.now(), offset)
    if not result.lines:
        return Reply(f"{title}: none." if offset == 0 else f"{title}: no more.")
    shown = f"{offset + 1}–{offset + len(result.lines)}"
    body = f"{title} ({shown}), unresolved first:\n" + "\n".join(f"• {flag_line(line)}" for line in result.lines)
    blocks: list = [Section(body)]
    if result.more:
        blocks.append(Actions((Button("More", MORE, f"{offset + PAGE}|{text.strip()}"),)))
    return Reply(body, blocks=tuple(blocks))

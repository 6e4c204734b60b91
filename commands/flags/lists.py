"""`/tend flags [mine|team|account <name>]`: the flags a person cares about, ten at a time, each with the
buttons its viewer may press; `/tend flag <number>`: one flag and its history."""

from __future__ import annotations

from dataclasses import dataclass

from bot.accounts.catalog import search_accounts
from bot.flags.lists import PAGE, detail, managed_teams, mine, of_account, of_teams, page
from bot.flags.permissions import viewer
from bot.messages import Actions, Block, Button, Reply, Section
from bot.text import plural
from bot.values import FlagRef, Value
from commands.context import CommandContext
from commands.flags.blocks import SHOW, listed
from commands.flags.blocks import detail as detail_reply
from commands.routes import Routes

routes = Routes()

USAGE = "/tend flags [mine|team|account <name>]: flags you raised or own, your team's, or an account's"
ONE_USAGE = "/tend flag <number>: one flag, its history and what you can do with it"
MORE = "flags.more"


@routes.subcommand("flag", ONE_USAGE)
def one(ctx: CommandContext, text: str) -> Reply:
    number = text.strip().lstrip("#")
    if not number.isdigit():
        return Reply(f"Usage: {ONE_USAGE}. Flag numbers are in every flag's message and in /tend flags.")
    return _detail(ctx, int(number))


@routes.action(SHOW)
def show(ctx: CommandContext, value: str) -> Reply:
    return _detail(ctx, FlagRef.decode(value).flag_id)


def _detail(ctx: CommandContext, flag_id: int) -> Reply:
    shown = detail(ctx.session, flag_id, ctx.clock.now(), viewer(ctx.session, ctx.actor))
    if shown is None:
        return Reply(f"There is no flag #{flag_id}. /tend flags lists yours.")
    return detail_reply(shown, ctx.actor.timezone or ctx.default_timezone)


@routes.subcommand("flags", USAGE)
def flags(ctx: CommandContext, text: str) -> Reply:
    return _page(ctx, text, 0)


@dataclass(frozen=True)
class ListPage(Value):
    """The next page of a list of flags: from which flag, and what was asked (`team`, `account acme`…)."""

    offset: int
    text: str


@routes.action(MORE)
def more(ctx: CommandContext, value: str) -> Reply:
    more = ListPage.decode(value)
    return _page(ctx, more.text, more.offset)


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
    result = page(ctx.session, where, ctx.clock.now(), offset, viewer(ctx.session, ctx.actor))
    if not result.lines:
        return Reply(f"{title}: none." if offset == 0 else f"{title}: no more.")
    head = f"{title} ({offset + 1}–{offset + len(result.lines)}), unresolved first:"
    blocks: list[Block] = [Section(head), *listed(result.lines)]
    if result.more:
        blocks.append(Actions((Button("More", MORE, ListPage(offset + PAGE, text.strip()).encode()),)))
    return Reply(f"{head} {plural(len(result.lines), 'flag')}", blocks=tuple(blocks))

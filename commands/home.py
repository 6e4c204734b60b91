"""The Home tab (and `/tend home` in any client): "what needs me today?" — the person's accounts by what
needs attention, their open nudges, the flags they raised and their team's, the common actions, and for
managers a line per person on their team. Bounded for any data size (a view holds at most 100 blocks)."""

from __future__ import annotations

from bot.accounts import attention
from bot.accounts.status import team_load
from bot.accounts.thresholds import settings
from bot.digests.build import managers
from bot.flags import lists as flag_lists
from bot.flags.permissions import viewer
from bot.messages import Actions, Block, Button, Form, Input, Note, Reply, Section
from bot.nudges.mine import open_count
from bot.text import plural, shorten
from bot.values import AccountRef
from commands.account import SHOW_ACCOUNT, card
from commands.context import CommandContext
from commands.flags.blocks import listed
from commands.flags.form import ACCOUNTS
from commands.flags.form import NEW as FLAG_NEW
from commands.nudges.checkin import CHECK_IN_ANY
from commands.routes import Routes

LOOK_UP, LOOKED_UP = "home.look_up", "home.looked_up"
USAGE = "/tend home: what needs you today (the same as Tend's Home tab)"
SHOWN = 10  # items per list in full
HOME_FLAGS = 5  # flags per list, each with its buttons (a Home tab holds 100 blocks)
ACCOUNT_PICKER = Input("account", "Account", kind="search", search=ACCOUNTS)

routes = Routes()


@routes.subcommand("home", USAGE)
def home_command(ctx: CommandContext, text: str) -> Reply:
    return home(ctx)


def home(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    head = f"Hi {actor.display_name}: what needs you today ({ctx.local_now:%a %d %b})"
    blocks: list[Block] = [
        Section(head),
        Actions(
            (
                Button("Look up an account", LOOK_UP, style="primary"),
                Button("Flag a problem", FLAG_NEW),
                Button("Log a check-in", CHECK_IN_ANY),
            )
        ),
    ]
    if actor.person_id is not None:
        blocks += _my_accounts(ctx, actor.person_id)
        blocks += _my_nudges(ctx, actor.person_id)
    blocks += _flags(ctx)
    if actor.person_id is not None:
        blocks += _my_team(ctx, actor.person_id)
    if actor.person_id is None:
        blocks.append(
            Note("You're not in Tend's people list, so no accounts are yours; you can still look up and flag.")
        )
    return Reply(head, title="Tend", blocks=tuple(blocks))


def _lines(title: str, lines: list[str], more: str = "") -> Section:
    body = "\n".join(f"• {shorten(line, 250)}" for line in lines[:SHOWN])
    if len(lines) > SHOWN:
        body += f"\n…and {len(lines) - SHOWN} more{more}"
    return Section(f"{title}\n{body}")


def _my_accounts(ctx: CommandContext, person_id: int) -> list[Block]:
    accounts = attention.of_owner(ctx.session, person_id, ctx.today, settings(ctx.session))
    if not accounts:
        return [Section("Your accounts\nYou don't own any accounts yet.")]
    urgent = [a for a in accounts if a.concerns]
    lines = [f"{a.vitals.name}: {a.words}" for a in urgent] or ["Nothing urgent: every account is on track."]
    title = f"Your accounts needing attention ({len(urgent)} of {len(accounts)}), most urgent first"
    blocks: list[Block] = [_lines(title, lines, ": /account <name>")]
    picks = urgent[:5] or accounts[:5]
    blocks.append(
        Actions(
            tuple(Button(shorten(a.vitals.name, 75), SHOW_ACCOUNT, AccountRef(a.vitals.id).encode()) for a in picks)
        )
    )
    return blocks


def _my_nudges(ctx: CommandContext, person_id: int) -> list[Block]:
    count = open_count(ctx.session, person_id)
    if not count:
        return []
    return [Section(f"Open nudges: {count}. /tend nudges lists them with Log check-in, Snooze and Dismiss.")]


def _flags(ctx: CommandContext) -> list[Block]:
    """The flags the person raised or owns, and their team's, each with the buttons they may press."""
    now, seen_by = ctx.clock.now(), viewer(ctx.session, ctx.actor)
    blocks: list[Block] = []
    mine = flag_lists.page(ctx.session, flag_lists.mine(ctx.actor), now, viewer=seen_by)
    if mine.lines:
        blocks += _flag_list("Flags you raised or own", mine, "/tend flags mine")
    teams = flag_lists.managed_teams(ctx.session, ctx.actor)
    if teams:
        theirs = flag_lists.page(ctx.session, flag_lists.of_teams(teams), now, viewer=seen_by)
        if theirs.lines:
            blocks += _flag_list("Your team's flags", theirs, "/tend flags team")
    return blocks


def _flag_list(title: str, found: flag_lists.FlagPage, command: str) -> list[Block]:
    blocks: list[Block] = [Section(title), *listed(found.lines[:HOME_FLAGS])]
    if len(found.lines) > HOME_FLAGS or found.more:
        blocks.append(Note(f"More: {command}"))
    return blocks


def _my_team(ctx: CommandContext, person_id: int) -> list[Block]:
    me = next((m for m in managers(ctx.session, ctx.default_timezone) if m.id == person_id), None)
    if me is None:
        return []
    floor = settings(ctx.session)["health_floor"]
    team = team_load(ctx.session, me.team, floor)
    lines = [
        f"{m.name}: {plural(m.accounts, 'account')}, {m.unhealthy} with health under {floor}"
        + (f", next renewal {m.next_renewal.isoformat()}" if m.next_renewal else "")
        for m in team
    ]
    return [_lines(f"Your team ({len(team)})", lines, ": /tend digest")]


# --- the Home tab's own actions ----------------------------------------------------------------------------
@routes.action(LOOK_UP)
def look_up(ctx: CommandContext, value: str) -> Form:
    return Form(title="Look up an account", action=LOOKED_UP, value="", inputs=(ACCOUNT_PICKER,), submit="Show")


def _check_account(answers: dict[str, str]) -> dict[str, str]:
    return {} if (answers.get("account") or "").isdigit() else {"account": "Choose an account."}


@routes.form(LOOKED_UP, _check_account)
def looked_up(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return card(ctx, int(answers["account"]))

"""`/account <name|domain|fragment>`: an account's status card; with no text, usage and your own accounts."""

from __future__ import annotations

from collections.abc import Sequence

from bot.accounts.catalog import Match, search_accounts
from bot.accounts.status import AccountStatus, account_count, account_status, accounts_owned_by
from bot.flags.lists import FlagLine, account_timeline
from bot.flags.permissions import viewer
from bot.instant import Instant
from bot.messages import Actions, Block, Button, Field, Note, Reply, Section
from bot.nudges.actions import CRITERION_STATUSES, NudgeAction
from bot.text import countdown, plural, shorten, since
from bot.values import AccountRef
from commands.briefing import BRIEF, WORDS, briefing
from commands.context import CommandContext
from commands.flags.blocks import listed
from commands.formatting import flag_line, health, money
from commands.routes import Routes

routes = Routes()

SHOW_ACCOUNT = "account.show"  # also named in commands.briefing
FLAG_NEW = "flag.new"  # handled in commands.flags.form
USAGE = (
    "/account <name, domain or part of a name> [brief]: an account's status, or with `brief` a briefing "
    "(only you see it)"
)
MAX_CRITERIA = 10
ECHO = 80  # characters of what was typed that a reply repeats


@routes.command("/account", USAGE, instant=Instant.READS)
def account(ctx: CommandContext, text: str) -> Reply:
    if not text:
        return my_accounts(ctx)
    result = search_accounts(ctx.session, text)
    words = text.split()
    wants_brief = len(words) > 1 and words[-1].lower() in WORDS
    brief = wants_brief and not (
        result.kind == "found" and result.matches[0].score >= 100
    )  # not a name ending in "brief"
    if brief:
        named = search_accounts(ctx.session, " ".join(words[:-1]))
        if named.kind == "found":
            return briefing(ctx, named.account_id)
        result, text = named, " ".join(words[:-1])
    if result.kind == "found":
        return card(ctx, result.account_id)
    typed = shorten(text, ECHO)
    if result.kind == "ambiguous":  # picking one shows what was asked for: its briefing, or its card
        question = f"Several accounts match “{typed}”. Which one do you mean?"
        return Reply(question, blocks=(Section(question), _pick(result.matches, BRIEF if brief else SHOW_ACCOUNT)))
    message = f"No account matches “{typed}”."
    if not result.matches:
        if not account_count(ctx.session):
            return Reply(message + " There are no accounts yet: an admin can import them.")
        return Reply(message + " Try part of its name, its domain, or a word of its domain.")
    nearest = ", ".join(m.name for m in result.matches)
    return Reply(
        f"{message} Nearest: {nearest}.",
        blocks=(Section(f"{message} The nearest names are:"), _pick(result.matches)),
    )


@routes.action(SHOW_ACCOUNT)
def show_account(ctx: CommandContext, value: str) -> Reply:
    return card(ctx, AccountRef.decode(value).account_id)


def _pick(matches: tuple[Match, ...], shows: str = SHOW_ACCOUNT) -> Actions:
    return Actions(tuple(Button(m.name, shows, AccountRef(m.account_id).encode()) for m in matches))


def card(ctx: CommandContext, account_id: int) -> Reply:
    status = account_status(ctx.session, account_id, ctx.today)
    if not status.open_problems and not status.any_resolved:  # most accounts: no flag to list
        return status_card(status)
    seen_by = viewer(ctx.session, ctx.actor)
    open_flags, resolved = account_timeline(ctx.session, account_id, ctx.clock.now(), viewer=seen_by)
    return status_card(status, open_flags, resolved)


def status_card(status: AccountStatus, open_flags: Sequence[FlagLine] = (), resolved: Sequence[FlagLine] = ()) -> Reply:
    owner = status.owner_name or "Unowned"
    if status.owner_name and status.owner_email:
        owner = f"{status.owner_name} ({status.owner_email})"
    fields = (
        Field("Owner", owner),
        Field("Tier", status.tier.label),
        Field("Health", health(status.health)),
        Field("ARR", money(status.arr)),
        Field("Renewal", countdown(status.renewal_date, status.days_to_renewal)),
        Field("Stage", status.stage.label),
        Field("Last touch", since(status.last_touch_date, status.days_since_touch)),
        Field("Open problems", str(status.open_problems)),
    )
    shown = status.success_criteria[:MAX_CRITERIA]
    criteria = "\n".join(
        f"• {shorten(c.text, 260)} ({CRITERION_STATUSES.get(c.status, c.status).lower()})" for c in shown
    )
    criteria = criteria or "None recorded yet."
    if len(status.success_criteria) > len(shown):
        criteria += f"\n…and {len(status.success_criteria) - len(shown)} more"
    renewal = countdown(status.renewal_date, status.days_to_renewal)
    summary = f"{status.name}: health {health(status.health)}, renewal {renewal}"
    concerns = status.attention.words
    this = AccountRef(status.account_id).encode()
    return Reply(
        summary,
        title=status.name,
        blocks=(
            Section(fields=fields),
            *((Section(f"Needs attention: {concerns}"),) if concerns else ()),
            Section(f"Success criteria\n{criteria}"),
            *_timeline(status.open_problems, open_flags, resolved),
            Actions(
                (
                    Button("Flag a problem", FLAG_NEW, this),
                    Button("Log check-in", NudgeAction.CHECK_IN, this),
                    Button("Briefing", BRIEF, this),
                    *((Button("Update criteria", NudgeAction.CRITERIA, this),) if status.success_criteria else ()),
                )
            ),
            Note(" · ".join(filter(None, (status.domain, "Only you can see this.")))),
        ),
    )


def _timeline(count: int, open_flags: Sequence[FlagLine], resolved: Sequence[FlagLine]) -> tuple[Block, ...]:
    """Open problems, each with the viewer's buttons; then the recently resolved ones."""
    blocks: list[Block] = []
    if open_flags:
        blocks += [Section("Open problems"), *listed(open_flags, _routed)]
        if count > len(open_flags):
            blocks.append(Note(f"…and {count - len(open_flags)} more: /tend flags account <name>"))
    if resolved:
        blocks.append(Section("Recently resolved\n" + "\n".join(f"• {flag_line(f)}" for f in resolved)))
    return tuple(blocks)


def _routed(line: FlagLine) -> str:
    return f" (routed: {line.routed_because})" if line.routed_because else ""


def my_accounts(ctx: CommandContext) -> Reply:
    intro = f"Usage: {USAGE}.\nTry /account acme, /account northwind.example or just part of a name."
    if ctx.actor.person_id is None:
        return Reply(intro, blocks=(Section(intro), Note("You're not in Tend's people list, so you own no accounts.")))
    mine = accounts_owned_by(ctx.session, ctx.actor.person_id, ctx.today)
    if not mine.lines:
        return Reply(intro, blocks=(Section(intro), Note("You don't own any accounts yet.")))
    lines = "\n".join(
        f"• {line.name} — health {line.health_score if line.health_score is not None else 'n/a'}, "
        f"renewal {countdown(line.renewal_date, line.days_to_renewal)}"
        for line in mine.lines
    )
    more = mine.total - len(mine.lines)
    blocks: list[Block] = [Section(intro), Section(f"Your accounts ({mine.total}), next renewal first:\n{lines}")]
    if more:
        blocks.append(Note(f"…and {plural(more, 'more account')}: look them up by name."))
    blocks.append(
        Actions(
            tuple(
                Button(shorten(line.name, 75), SHOW_ACCOUNT, AccountRef(line.account_id).encode())
                for line in mine.lines[:5]
            )
        )
    )
    return Reply(f"{intro}\nYou own {plural(mine.total, 'account')}.", blocks=tuple(blocks))
